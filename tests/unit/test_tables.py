"""Published tables from figures and a suppression pattern: exact cells, order, shorthand, words."""

from __future__ import annotations

from flows.core.scope import Scope
from flows.report.disclosure.linked_table import Area
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.figures import ReleaseFigures, edition_data
from flows.report.key_points import chart_text, key_points
from flows.report.tables import Table, build_tables, one_decimal
from flows.report.wording import display_name, region_phrase
from tests.support.release_cases import (
    CITY_OF_LONDON,
    PERIOD,
    new_pattern,
    real_areas,
    release_from_totals,
)

NONE = SuppressionPattern(frozenset(), frozenset())
NW = {
    "E23000002": (150, 260),  # Cumbria
    "E23000003": (400, 984),  # Lancashire
    "E23000004": (380, 700),  # Merseyside
    "E23000005": (617, 1205),  # Greater Manchester
    "E23000006": (200, 400),  # Cheshire
}


def release(totals: dict[str, tuple[int, int]] | None = None) -> ReleaseFigures:
    figures = {a.code: (100, 120) for a in real_areas()} | NW | (totals or {})
    return release_from_totals(figures, seed=2)


def tables_for(
    figures: ReleaseFigures, scope: Scope, pattern: SuppressionPattern = NONE
) -> dict[str, Table]:
    return {t.name: t for t in build_tables(edition_data(figures, scope), pattern)}


def test_rounding_is_half_away_from_zero() -> None:
    assert one_decimal(0.25) == 0.3
    assert one_decimal(-0.25) == -0.3
    assert one_decimal(103.148) == 103.1
    assert one_decimal(2.675) == 2.7


def test_north_west_and_lancashire_figures() -> None:
    tables = tables_for(release(), Scope("region", "North West"))
    assert tables["regions"].rows == [["North West", 1747, 3549, 1802, 103.1]]
    lancashire = next(row for row in tables["force_areas"].rows if row[1] == "Lancashire")
    assert lancashire == ["E23000003", "Lancashire", "North West", 400, 984, 584, 146.0, 42.9]
    assert [c.heading for c in tables["force_areas"].columns][3:] == [
        "Contacts Jul to Dec 2017 [note 1]",
        "Contacts Jan to Jun 2018 [note 1]",
        "Change (number of contacts)",
        "Change (%) [note 2]",
        "Difference from region's change (percentage points) [note 2]",
    ]


def test_force_areas_are_grouped_by_region_in_ons_order_then_by_name() -> None:
    rows = tables_for(release(), Scope("national"))["force_areas"].rows
    assert [r[1] for r in rows[:2]] == ["Cleveland", "Durham"]  # North East first
    assert [r[1] for r in rows if r[2] == "London"] == ["London, City of", "Metropolitan Police"]
    assert [r[2] for r in rows][-4:] == ["Wales"] * 4
    regions = [r[2] for r in rows]
    assert regions == sorted(regions, key=regions.index)  # each region in one block
    assert tables_for(release(), Scope("national"))["regions"].rows[-1][0] == "All areas"


def test_difference_is_computed_from_the_published_rounded_percentages() -> None:
    # North Wales +10.06% (published 10.1), Wales +5.04% (published 5.0): unrounded, the
    # difference 5.02 would print as 5.0, but readers subtracting the printed figures get 5.1.
    wales = {"W15000001": (5000, 5503), "W15000002": (5000, 5168), "W15000003": (5000, 5168)}
    figures = release({**wales, "W15000004": (5000, 5169)})
    tables = tables_for(figures, Scope("region", "Wales"))
    assert tables["regions"].rows[0][4] == 5.0
    north_wales = next(r for r in tables["force_areas"].rows if r[1] == "North Wales")
    assert north_wales[6:8] == [10.1, 5.1]


def test_change_from_zero_is_z_and_missing_previous_period_is_x() -> None:
    figures = release({"E23000002": (0, 12)})
    row = tables_for(figures, Scope("force", "E23000002"))["force_areas"].rows[0]
    assert row[3:8] == [0, 12, 12, "[z]", "[z]"]
    no_previous = ReleaseFigures(
        PERIOD, figures.areas, figures.previous, figures.current, (), (), False
    )
    tables = tables_for(no_previous, Scope("national"))
    row = tables["force_areas"].rows[0]
    assert row[3] == "[x]" and isinstance(row[4], int) and row[5:8] == ["[x]", "[x]", "[x]"]
    assert tables["monthly_trend"].rows[0] == ["July 2017", "[x]"]
    assert isinstance(tables["monthly_trend"].rows[6][1], int)


def test_a_small_count_is_c_in_every_edition_with_its_changes() -> None:
    figures = release({"W15000004": (4, 120)})
    pattern = new_pattern(figures, threshold=5)
    dyfed = "force:W15000004|total"
    assert dyfed in pattern.previous
    for scope in (Scope("national"), Scope("region", "Wales"), Scope("force", "W15000004")):
        rows = tables_for(figures, scope, pattern)["force_areas"].rows
        row = next(r for r in rows if r[0] == "W15000004")
        assert row[3] == "[c]" and row[4] == 120 and row[5:8] == ["[c]", "[c]", "[c]"]


def test_shorthand_lists_only_the_symbols_a_table_uses() -> None:
    figures = release({"W15000004": (4, 120), "E23000002": (0, 12)})
    tables = tables_for(figures, Scope("national"), new_pattern(figures, threshold=5))
    assert tables["force_areas"].symbols() == ("[c]", "[z]")
    assert tables["regions"].symbols() == ()


def test_text_names_the_scope_as_a_sentence_would() -> None:
    figures = release()
    assert display_name("London, City of") == "City of London"
    assert region_phrase("Wales") == "Wales" and region_phrase("North West") == "the North West"
    wales = tables_for(figures, Scope("region", "Wales"))
    assert "each police force area in Wales" in wales["force_areas"].description
    assert "in Wales by caller type" in wales["caller_types"].description
    city = tables_for(figures, Scope("force", CITY_OF_LONDON))
    assert "the City of London police force area" in city["force_areas"].description
    for scope in (Scope("national"), Scope("region", "Wales"), Scope("force", CITY_OF_LONDON)):
        data = edition_data(figures, scope)
        points = key_points(data, tables_for(figures, scope))
        assert points, scope
        assert not any("the Wales" in p or "London, City of" in p for p in points)
    city_points = key_points(edition_data(figures, Scope("force", CITY_OF_LONDON)), city)
    assert city_points[0].startswith("In the City of London police force area, contacts rose by")
    assert city_points[1] == "That is the same as the change across London."
    lancashire = tables_for(figures, Scope("force", "E23000003"))
    points = key_points(edition_data(figures, Scope("force", "E23000003")), lancashire)
    assert points == [
        "In the Lancashire police force area, contacts rose by 146.0%, from 400 in Jul to Dec "
        "2017 to 984 in Jan to Jun 2018.",
        "That is 42.9 percentage points above the change across the North West (103.1%).",
    ]
    wales_points = key_points(edition_data(figures, Scope("region", "Wales")), wales)
    assert wales_points[0].startswith("In Wales, contacts rose by 20.0%")


def test_chart_alt_text_describes_the_published_cells() -> None:
    figures = release({"W15000004": (4, 120)})
    pattern = new_pattern(figures, threshold=5)
    scope = Scope("national")
    text = chart_text(edition_data(figures, scope), tables_for(figures, scope, pattern))
    assert "each of the 43 police force areas in England and Wales" in text.force_alt
    assert "The highest value is Lancashire (+146.0%)." in text.force_alt
    assert "force area(s) have no bar" in text.force_alt
    assert text.trend_alt.startswith("Line chart of contacts in England and Wales in each of")


def test_areas_order_ignores_the_order_they_are_given_in() -> None:
    areas = [
        Area("X2", "Zeta", "Wales"),
        Area("X1", "Alpha", "Wales"),
        Area("X3", "Beta", "North East"),
    ]
    figures = release_from_totals({"X1": (10, 10), "X2": (10, 10), "X3": (10, 10)}, 1, areas)
    assert [a.name for a in figures.areas] == ["Beta", "Alpha", "Zeta"]


def test_revision_lines_name_revised_force_areas_and_band_late_contacts() -> None:
    from dataclasses import replace

    from flows.report.cover_text import revision_lines
    from flows.report.figures import Revision

    figures = release({"W15000004": (4, 120)})
    revisions = (
        Revision("2017-H2", "chat", "W15000004", "Dyfed-Powys", "resubmitted", 40, 4),
        Revision("2017-H2", "chat", "E23000034", "London, City of", "resubmitted", 90, 100),
    )
    data = replace(
        edition_data(figures, Scope("national")),
        revisions=revisions,
        versions=(2, 1),
        late=(("2018-H1", 3), ("2017-H2", 14)),
    )
    lines = revision_lines(data)
    assert lines[1:] == [
        "July to December 2017: revised figures (version 2).",
        "July to December 2017, Dyfed-Powys: figures revised since the version before (the "
        "tables show the revised figures).",
        "July to December 2017, City of London: figures revised since the version before (the "
        "tables show the revised figures).",
        "January to June 2018: fewer than 10 contacts loaded since these figures were published "
        "are not included yet (late or corrected partner data); they will be in the next "
        "revised edition.",
        "July to December 2017: about 10 contacts loaded since these figures were published are "
        "not included yet (late or corrected partner data); they will be in the next revised "
        "edition.",
    ]
    assert lines[0].startswith("Revisions policy: each period's figures are shown as first")
