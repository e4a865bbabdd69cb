"""Random sequences of late files, each issued as a revised version of the period it touches.

The property: every version of each period shows England and Wales and every region's total,
passes the production history audit, and an independent reader holding every build (and told
which force areas each revised Cover names) pins no [c]. A revision the product refuses must say
why in one line; the late data then stay unpublished and go into the next revision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

from flows.core.canonical import CALLER_TYPES, CHANNELS
from flows.core.periods import Period
from flows.report.disclosure.edition_audit import release_tables
from flows.report.disclosure.history_audit import (
    VersionFigures,
    audit_history,
    headline_cells,
    revised_forces,
    revision_pattern,
)
from flows.report.disclosure.linked_table import linked_cells, month_what
from flows.report.disclosure.lp_audit import DisclosureAuditFailed
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.figures import ReleaseFigures
from tests.support import independent_audit
from tests.support.release_cases import PERIOD, sparse_release

T = 5
COLUMNS: dict[str, Period] = {"previous": PERIOD.previous(), "current": PERIOD}
Rows = dict[str, dict[str, list[list[object]]]]


@dataclass(frozen=True)
class LateFile:
    """Late contacts for one force area, one caller type, channel and month of one period."""

    force: int
    column: str
    caller: int
    channel: int
    month: int
    contacts: int


LATE_FILES = st.lists(
    st.builds(
        LateFile,
        st.integers(0, 42),
        st.sampled_from(sorted(COLUMNS)),
        st.integers(0, len(CALLER_TYPES) - 1),
        st.integers(0, len(CHANNELS) - 1),
        st.integers(0, 5),
        st.integers(1, 6),
    ),
    max_size=3,
)


def _force_counts(release: ReleaseFigures, column: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {area.code: {} for area in release.areas}
    for key, value in release.column(column).items():
        area, _, what = key.partition("|")
        if area.startswith("force:") and what != "total":
            counts[area[6:]][what] = value
    return counts


def _add(counts: dict[str, int], period: Period, late: LateFile) -> None:
    for what in (
        f"caller_type:{CALLER_TYPES[late.caller]}",
        f"channel:{CHANNELS[late.channel]}",
        month_what(period.months[late.month]),
    ):
        counts[what] += late.contacts


def _build(release: ReleaseFigures, versions: dict[str, list[VersionFigures]]) -> Rows:
    shown = replace(
        release, previous=versions["previous"][-1].cells, current=versions["current"][-1].cells
    )
    pattern = SuppressionPattern(versions["previous"][-1].hidden, versions["current"][-1].hidden)
    return {
        str(scope): independent_audit.table_rows(tables)
        for scope, tables in release_tables(shown, pattern).items()
    }


@dataclass
class Sequence:
    release: ReleaseFigures
    versions: dict[str, list[VersionFigures]]
    builds: list[Rows]
    revised: list[set[tuple[str, str]]]
    refused: list[str]


def run_sequence(seed: int, files: list[LateFile]) -> Sequence:
    """The first publication of both periods, then each late file issued as a revision."""
    release = sparse_release(seed)
    counts = {column: _force_counts(release, column) for column in COLUMNS}
    versions = {
        column: [
            VersionFigures(
                release.column(column),
                revision_pattern(period, release.areas, release.column(column), [], T),
            )
        ]
        for column, period in COLUMNS.items()
    }
    done = Sequence(release, versions, [_build(release, versions)], [set()], [])
    for late in files:
        period, code = COLUMNS[late.column], release.areas[late.force].code
        _add(counts[late.column][code], period, late)
        cells = linked_cells(period, release.areas, counts[late.column])
        history = versions[late.column]
        try:
            hidden = revision_pattern(period, release.areas, cells, history, T)
        except DisclosureAuditFailed as refused:
            done.refused.append(refused.message)
            continue
        changed = revised_forces(history[-1].cells, cells)
        history.append(VersionFigures(cells, hidden))
        done.builds.append(_build(release, versions))
        done.revised.append({(late.column, force[6:]) for force in changed})
    return done


def check_sequence(seed: int, files: list[LateFile]) -> Sequence:
    done = run_sequence(seed, files)
    headline = headline_cells(done.release.areas)
    for column, period in COLUMNS.items():
        first = done.versions[column][0]
        for version in done.versions[column][1:]:
            # A revision shows every headline its first publication showed.
            assert not (headline - first.hidden) & version.hidden, column
        audit_history(period, done.release.areas, done.versions[column], T)
    for message in done.refused:
        assert "cannot be published safely" in message or "would have to be [c]" in message
    region_of = {area.code: area.region for area in done.release.areas}
    verdict = independent_audit.audit_versions(
        done.builds, done.revised, region_of, PERIOD.first_month, T
    )
    assert verdict.problems == [] and verdict.failures == {}, verdict.failures
    return done
