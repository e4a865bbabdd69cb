"""One pattern for the whole release, checked by an attacker holding every edition.

Each case lays out all editions of a release with the production tables and audits them with
tests/support/independent_audit.py, which shares no code with the report's disclosure control. The
per-workbook pattern the report used before is kept (tests/legacy) to show the audit fails it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.core.canonical import CALLER_TYPES, CHANNELS
from flows.core.force_areas import REGION_ORDER
from flows.core.scope import Scope
from flows.demo import force_totals
from flows.report.disclosure.edition_audit import audit_editions, audit_release, release_tables
from flows.report.disclosure.linked_table import Area
from flows.report.disclosure.lp_audit import DisclosureAuditFailed
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.figures import ReleaseFigures
from flows.report.tables import Table
from tests.legacy.per_workbook import legacy_editions
from tests.support import independent_audit
from tests.support.release_cases import (
    CITY_OF_LONDON,
    METROPOLITAN,
    PERIOD,
    force_counts,
    new_pattern,
    real_areas,
    release_from_counts,
    release_from_totals,
    sparse_release,
)

T = 5


def attack(
    release: ReleaseFigures, editions: Mapping[Scope, Iterable[Table]], smallest: float = 1.0
) -> independent_audit.Verdict:
    rows = {str(scope): independent_audit.table_rows(tables) for scope, tables in editions.items()}
    region_of = {area.code: area.region for area in release.areas}
    return independent_audit.audit(rows, region_of, PERIOD.first_month, T, smallest)


def assert_safe(release: ReleaseFigures, pattern: SuppressionPattern) -> independent_audit.Verdict:
    verdict = attack(release, release_tables(release, pattern))
    assert verdict.problems == [] and verdict.both_ways == []
    assert verdict.failures == {}
    assert audit_release(release, pattern, T) == len(release.scopes())
    return verdict


def london_release() -> ReleaseFigures:
    """2018-H1 after a corrected file: the City of London has 3 contacts, the Met 340."""
    totals = {
        code: (200 + 7 * i, 260 + 5 * i) for i, code in enumerate(a.code for a in real_areas())
    }
    release = release_from_totals(totals, seed=3)
    current = {a.code: _force(release, "current", a.code) for a in release.areas}
    previous = {a.code: _force(release, "previous", a.code) for a in release.areas}
    current[METROPOLITAN] = force_counts(PERIOD, 340, np.random.default_rng(7))
    current[CITY_OF_LONDON] = {
        **{key: 0 for key in current[METROPOLITAN]},
        "caller_type:child": 1,
        "caller_type:young person": 2,
        "channel:phone": 2,
        "channel:online chat": 1,
        "month:2018-01-01": 1,
        "month:2018-03-01": 2,
    }
    return release_from_counts(release.areas, previous, current)


def _force(release: ReleaseFigures, column: str, code: str) -> dict[str, int]:
    prefix = f"force:{code}|"
    return {
        key.removeprefix(prefix): value
        for key, value in release.column(column).items()
        if key.startswith(prefix) and not key.endswith("|total")
    }


def test_london_the_old_per_workbook_pattern_lets_the_city_and_the_met_be_pinned() -> None:
    release = london_release()
    verdict = attack(release, legacy_editions(release, T), smallest=0.0)  # it hid zeros
    assert verdict.problems == []
    city = f"force:{CITY_OF_LONDON}"
    # The London edition's breakdowns minus the Met's give the City's, exactly.
    assert verdict.failures[("current", city, "channels:phone")] == (2, 2)
    assert verdict.failures[("current", city, "caller_types:young person")] == (2, 2)
    assert verdict.failures[("current", city, "month:2018-01-01")] == (1, 1)


def test_london_one_release_pattern_protects_the_city_in_every_combination() -> None:
    release = london_release()
    pattern = new_pattern(release, T)
    assert f"force:{CITY_OF_LONDON}|total" in pattern.current
    verdict = assert_safe(release, pattern)
    city = verdict.ranges[("current", f"force:{CITY_OF_LONDON}", "total")]
    assert city[1] - city[0] >= T - 1


def test_wales_demo_figures_the_old_pattern_leaks_dyfed_powys_and_the_new_one_does_not() -> None:
    release = release_from_totals(force_totals(), seed=1)
    old = attack(release, legacy_editions(release, T), smallest=0.0)
    dyfed_powys = {key for key in old.failures if key[1] == "force:W15000004"}
    assert len(dyfed_powys) >= 10, sorted(old.failures)
    assert_safe(release, new_pattern(release, T))


def test_the_production_audit_refuses_the_old_per_workbook_pattern() -> None:
    release = release_from_totals(force_totals(), seed=1)
    with pytest.raises(DisclosureAuditFailed, match=r"the \[c\] for .* could be worked out"):
        audit_editions(release, legacy_editions(release, T), T)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_a_sparse_release_with_small_counts_in_several_regions(seed: int) -> None:
    release = sparse_release(seed)
    pattern = new_pattern(release, T)
    assert len(pattern.current) > 100  # a hard case: many cells below T
    assert_safe(release, pattern)
    assert attack(release, legacy_editions(release, T), smallest=0.0).failures


@pytest.mark.slow
def test_a_region_too_sparse_for_its_total_loses_only_the_headlines_it_must() -> None:
    """Seed 31, 2018-H1: London has 9 contacts in its two force areas. The earlier method hid
    London, the North East (397) and the West Midlands (407); England and Wales stays shown."""
    release = sparse_release(31)
    pattern = new_pattern(release, T)

    def headlines(hidden: frozenset[str]) -> list[str]:
        return sorted(
            key
            for key in hidden
            if key == "all|total" or (key.startswith("region:") and key.endswith("|total"))
        )

    assert headlines(pattern.current) == ["region:London|total", "region:North East|total"]
    assert headlines(pattern.previous) == []
    assert_safe(release, pattern)


def test_every_edition_lists_every_category_and_month_zeros_included_unknown_last() -> None:
    release = london_release()
    tables = release_tables(release, new_pattern(release, T))
    city = {t.name: t for t in tables[next(s for s in tables if s.value == CITY_OF_LONDON)]}
    labels = [row[0] for row in city["channels"].rows]
    assert labels == [c.capitalize() for c in CHANNELS] + ["All contacts"]
    assert labels[-2] == "Unknown"
    assert (
        [row[0] for row in city["caller_types"].rows][-2]
        == "Unknown"
        == CALLER_TYPES[-1].capitalize()
    )
    email = next(row for row in city["channels"].rows if row[0] == "Email")
    assert email[2] == 0  # published as a zero, not a missing row
    for scope_tables in tables.values():
        named = {t.name: t for t in scope_tables}
        assert len(named["monthly_trend"].rows) == 12
        assert len(named["caller_types"].rows) == len(CALLER_TYPES) + 1


# --- property: random hierarchies --------------------------------------------------------------

SPARSE = st.one_of(st.just(0), st.integers(1, 4), st.integers(0, 30), st.integers(20, 300))


@st.composite
def hierarchies(draw: st.DrawFn) -> ReleaseFigures:
    """Regions of 1 to 6 force areas, each with sparse category and month counts."""
    regions = draw(st.lists(st.sampled_from(REGION_ORDER), min_size=2, max_size=4, unique=True))
    areas = [
        Area(f"E2399{r}{f:02d}", f"Force {r}-{f}", region)
        for r, region in enumerate(regions)
        for f in range(draw(st.integers(1, 6)))
    ]
    columns: list[dict[str, dict[str, int]]] = [{}, {}]
    for column, period in enumerate((PERIOD.previous(), PERIOD)):
        for area in areas:
            total = draw(SPARSE)
            shares = [draw(st.floats(0, 1)) for _ in range(18)]
            rng = np.random.default_rng(draw(st.integers(0, 2**16)))
            columns[column][area.code] = force_counts(
                period,
                total,
                rng,
                [s + 1e-3 for s in shares[:6]],
                [s + 1e-3 for s in shares[6:12]],
                [s + 1e-3 for s in shares[12:]],
            )
    return release_from_counts(areas, *columns)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(release=hierarchies())
def test_no_combination_of_editions_pins_a_suppressed_cell(release: ReleaseFigures) -> None:
    assert_safe(release, new_pattern(release, T))
