"""A few random sequences of late files in `make test`; `make reliability` runs many more."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.report.disclosure.history_audit import headline_cells
from tests.support.revision_sequences import LATE_FILES, LateFile, check_sequence


def test_three_late_files_for_small_force_areas_keep_every_headline() -> None:
    files = [
        LateFile(force=0, column="previous", caller=5, channel=4, month=0, contacts=3),
        LateFile(force=20, column="current", caller=0, channel=0, month=3, contacts=1),
        LateFile(force=42, column="previous", caller=1, channel=1, month=5, contacts=4),
    ]
    done = check_sequence(0, files)
    assert done.refused == []
    headline = headline_cells(done.release.areas)
    assert all(not headline & v.hidden for vs in done.versions.values() for v in vs)
    assert [len(v) for v in done.versions.values()] == [3, 2]
    assert len(done.builds) == 4


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 50), files=LATE_FILES)
def test_random_revision_sequences_stay_safe_together(seed: int, files: list[LateFile]) -> None:
    check_sequence(seed, files)


def test_both_audits_catch_a_revision_that_only_carries_the_first_pattern_over() -> None:
    """A revised version hiding only what the first hid, plus its own small counts, gives the
    late count away through the published totals: both audits must say so."""
    from flows.report.disclosure.cell_suppression import primary_suppression
    from flows.report.disclosure.history_audit import VersionFigures, audit_history
    from flows.report.disclosure.linked_table import linked_cells
    from flows.report.disclosure.lp_audit import DisclosureAuditFailed
    from tests.support import independent_audit
    from tests.support.revision_sequences import (
        COLUMNS,
        T,
        _add,
        _build,
        _force_counts,
        run_sequence,
    )

    done = run_sequence(0, [])
    release, versions = done.release, done.versions
    from tests.support.release_cases import CITY_OF_LONDON

    city = [area.code for area in release.areas].index(CITY_OF_LONDON)
    late = LateFile(force=city, column="previous", caller=0, channel=1, month=2, contacts=3)
    counts = _force_counts(release, "previous")
    code = release.areas[late.force].code
    _add(counts[code], COLUMNS["previous"], late)
    cells = linked_cells(COLUMNS["previous"], release.areas, counts)
    first = versions["previous"][0]
    naive = VersionFigures(cells, first.hidden | primary_suppression(cells, T))
    with pytest.raises(DisclosureAuditFailed, match="from all 2 versions together"):
        audit_history(COLUMNS["previous"], release.areas, [first, naive], T)
    builds = [done.builds[0], _build(release, {**versions, "previous": [first, naive]})]
    region_of = {area.code: area.region for area in release.areas}
    verdict = independent_audit.audit_versions(
        builds, [set(), {("previous", code)}], region_of, COLUMNS["current"].first_month, T
    )
    assert verdict.failures != {}
