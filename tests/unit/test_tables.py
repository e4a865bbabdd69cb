"""Published tables from figures and a suppression pattern: exact cells, shorthand placement."""

from __future__ import annotations

from datetime import date

from flows.core.periods import Period
from flows.core.scope import Scope
from flows.report.figures import AreaFigures, CategoryFigures, ReportData
from flows.report.suppression_pattern import SuppressionPattern, national_pattern
from flows.report.tables import (
    force_areas_table,
    monthly_trend_table,
    one_decimal,
    region_totals,
    regions_table,
)

PERIOD = Period(2018, 1)
NONE = SuppressionPattern(frozenset(), frozenset())


def data(areas: list[AreaFigures], previous_has_data: bool = True) -> ReportData:
    months = tuple((m, 10) for m in PERIOD.previous().months + PERIOD.months)
    return ReportData(
        PERIOD,
        Scope("national"),
        tuple(areas),
        (CategoryFigures("child", 5, 6),),
        (CategoryFigures("phone", 5, 6),),
        months,
        (),
        (),
        previous_has_data,
    )


NW = [
    AreaFigures("E23000002", "Cumbria", "North West", 150, 260),
    AreaFigures("E23000003", "Lancashire", "North West", 400, 984),
    AreaFigures("E23000004", "Merseyside", "North West", 380, 700),
    AreaFigures("E23000005", "Greater Manchester", "North West", 617, 1205),
    AreaFigures("E23000006", "Cheshire", "North West", 200, 400),
]


def test_rounding_is_half_away_from_zero() -> None:
    assert one_decimal(0.25) == 0.3
    assert one_decimal(-0.25) == -0.3
    assert one_decimal(103.148) == 103.1
    assert one_decimal(2.675) == 2.7


def test_north_west_and_lancashire_figures() -> None:
    report = data(NW)
    regions = region_totals(report.areas)
    table = regions_table(report, NONE, regions, include_all_areas=True)
    assert table.rows[0] == ["North West", 1747, 3549, 1802, 103.1]
    assert table.rows[-1] == ["All areas", 1747, 3549, 1802, 103.1]
    forces = force_areas_table(report, NONE, regions)
    lancashire = forces.rows[1]
    assert lancashire == ["E23000003", "Lancashire", "North West", 400, 984, 584, 146.0, 42.9]
    assert [c.heading for c in forces.columns][3:] == [
        "Contacts Jul to Dec 2017 [note 1]",
        "Contacts Jan to Jun 2018 [note 1]",
        "Change (number of contacts)",
        "Change (%) [note 2]",
        "Difference from region's change (percentage points) [note 2]",
    ]


def test_change_from_zero_is_z_and_missing_previous_period_is_x() -> None:
    areas = [AreaFigures("E23000002", "Cumbria", "North West", 0, 12), *NW[1:]]
    report = data(areas)
    table = force_areas_table(report, NONE, region_totals(areas))
    assert table.rows[0][3:8] == [0, 12, 12, "[z]", "[z]"]
    no_previous = data(NW, previous_has_data=False)
    table = force_areas_table(no_previous, NONE, region_totals(NW))
    assert table.rows[1][3:8] == ["[x]", 984, "[x]", "[x]", "[x]"]
    trend = monthly_trend_table(no_previous, NONE)
    assert trend.rows[0] == ["July 2017", "[x]"]
    assert trend.rows[6] == ["January 2018", 10]


def test_small_count_is_suppressed_with_a_complement_and_changes_carry_c() -> None:
    areas = [AreaFigures("E23000002", "Cumbria", "North West", 3, 260), *NW[1:]]
    report = data(areas)
    pattern = national_pattern(report, threshold=5)
    assert "force:E23000002" in pattern.previous
    assert len([k for k in pattern.previous if k.startswith("force:")]) >= 2
    table = force_areas_table(report, pattern, region_totals(areas))
    cumbria = table.rows[0]
    assert cumbria[3] == "[c]" and cumbria[4] == 260
    assert cumbria[5:8] == ["[c]", "[c]", "[c]"]
    hidden = [row for row in table.rows if row[3] == "[c]"]
    assert len(hidden) >= 2
    assert all(row[5] == "[c]" and row[6] == "[c]" for row in hidden)
    assert date(2018, 1, 1) in PERIOD.months
