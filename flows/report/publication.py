"""What a release shows under the publication-snapshot policy: the stored version of each period.

The live figures (what is loaded now) decide only the first publication of a period and a
revision asked for on purpose; otherwise every edition shows the version already published, and
the difference between the live figures and it is reported, banded, as late contacts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy.engine import Engine

from flows.core.database import run_query, translate_database_errors
from flows.core.errors import HelplineError
from flows.core.periods import Period
from flows.report.disclosure.history_audit import audit_history
from flows.report.disclosure.linked_table import TOTAL, cell_key, force_key
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.disclosure.published_versions import (
    Coverage,
    PublishedVersion,
    stored_versions,
    version_to_show,
)
from flows.report.figures import ReleaseFigures, Revision


def _within(coverage: Coverage, period: Period) -> Coverage:
    return tuple(
        (partner, month)
        for partner, month in coverage
        if period.first_month <= month <= period.last_month
    )


def late_contacts(
    release: ReleaseFigures, live: Mapping[str, int], shown: Mapping[str, int]
) -> int:
    """Contacts added, corrected or withdrawn since the version shown, over every force area."""
    keys = [cell_key(force_key(area.code), TOTAL) for area in release.areas]
    return sum(abs(live.get(key, 0) - shown.get(key, 0)) for key in keys)


def _revisions(
    release: ReleaseFigures, period: Period, history: list[PublishedVersion], shown: int
) -> list[Revision]:
    """What the Cover names as revised: each force area whose figures differ from the version
    before the one shown (every cell of any other force area is the same in both)."""
    if shown < 2:
        return []
    older, newer = history[shown - 2].cells, history[shown - 1].cells
    revisions = []
    for area in release.areas:
        prefix = force_key(area.code) + "|"
        if any(older.get(k) != newer.get(k) for k in newer if k.startswith(prefix)):
            total = cell_key(force_key(area.code), TOTAL)
            revisions.append(
                Revision(
                    str(period), "", area.code, area.name, "revised", older[total], newer[total]
                )
            )
    return revisions


def _shown_version(
    engine: Engine,
    release: ReleaseFigures,
    period: Period,
    threshold: int,
    revise: bool,
) -> tuple[PublishedVersion, list[PublishedVersion]] | None:
    """The version of one period to show, or None when it has neither data nor a version."""
    column = "current" if period == release.period else "previous"
    if column == "current" or release.previous_has_data:
        live = (release.column(column), _within(release.coverage, period))
        return version_to_show(engine, period, release.areas, live, threshold, revise)
    with translate_database_errors(f"reading the versions of {period}"), engine.connect() as c:
        history = stored_versions(c, period)
    return (history[-1], history) if history else None


def shown_release(
    engine: Engine, live: ReleaseFigures, threshold: int, *, revise: bool = False
) -> tuple[ReleaseFigures, SuppressionPattern]:
    """The release as its editions show it, with every version of both periods audited jointly."""
    found_by_period = []
    for period in (live.period.previous(), live.period):
        found = _shown_version(engine, live, period, threshold, revise)
        if found is not None:
            audit_history(period, live.areas, [v.figures for v in found[1]], threshold)
        found_by_period.append(found)
    previous, current = found_by_period
    assert current is not None
    empty = {key: 0 for key in live.previous}
    shown_previous = previous[0].cells if previous else empty
    coverage = tuple(
        item
        for found, period in ((previous, live.period.previous()), (current, live.period))
        if found is not None
        for item in (found[0].coverage or _within(live.coverage, period))
    )
    release = replace(
        live,
        previous=shown_previous,
        current=current[0].cells,
        coverage=coverage,
        revisions=tuple(
            revision
            for found, period in ((previous, live.period.previous()), (current, live.period))
            if found is not None
            for revision in _revisions(live, period, found[1], found[0].number)
        ),
        previous_has_data=previous is not None,
        late=tuple(
            (str(period), count)
            for period, count in (
                (live.period.previous(), late_contacts(live, live.previous, shown_previous)),
                (live.period, late_contacts(live, live.current, current[0].cells)),
            )
            if count
        ),
        versions=(previous[0].number if previous else 0, current[0].number),
        version_ids=(previous[0].id if previous else None, current[0].id),
    )
    pattern = SuppressionPattern(previous[0].hidden if previous else frozenset(), current[0].hidden)
    return release, pattern


def stored_workbook(engine: Engine, period: Period, scope_text: str, edition: int) -> bytes:
    """The bytes of a period and scope's edition as built (1 = the first distinct workbook)."""
    with translate_database_errors(f"reading the editions of {period}"), engine.connect() as c:
        row = run_query(
            c, "stored_edition_workbook", period=str(period), scope=scope_text, edition=edition
        ).one_or_none()
    if row is None:
        raise HelplineError(
            f"{period} ({scope_text}) has no edition {edition}; 'helpline status' lists the "
            "editions built."
        )
    return bytes(row.workbook)
