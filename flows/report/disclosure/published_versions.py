"""The release's suppression pattern: computed once per period and set of figures, then stored.

Every edition of a release, and the next release (whose previous column is this period),
looks the pattern up instead of computing its own, so all of them hide the same cells.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy.engine import Engine

from flows.core.database import run_query, translate_database_errors
from flows.core.periods import Period
from flows.report.disclosure.linked_table import linked_relations
from flows.report.disclosure.period_pattern import (
    METHOD_VERSION,
    StoredPattern,
    SuppressionPattern,
    pattern_fingerprint,
    period_pattern,
)
from flows.report.figures import ReleaseFigures


def stored_or_computed(
    engine: Engine, period: Period, release: ReleaseFigures, column: str, threshold: int
) -> frozenset[str]:
    """The newest stored pattern of the period if it was computed on these figures, else a new
    one (kept consistent with every earlier one), stored before it is used."""
    cells = release.column(column)
    fingerprint = pattern_fingerprint(period, cells, threshold)
    with (
        translate_database_errors(f"finding the suppression pattern of {period}"),
        engine.begin() as connection,
    ):
        run_query(connection, "lock_release_pattern", period=str(period))
        earlier = [
            StoredPattern(row.fingerprint, _counts(row.cells), frozenset(row.hidden))
            for row in run_query(connection, "release_patterns_for_period", period=str(period))
        ]
        if earlier and earlier[-1].fingerprint == fingerprint:
            return earlier[-1].hidden
        hidden = period_pattern(
            period, cells, linked_relations(period, release.areas), threshold, earlier
        )
        run_query(
            connection,
            "record_release_pattern",
            period=str(period),
            fingerprint=fingerprint,
            threshold=threshold,
            method=METHOD_VERSION,
            cells=json.dumps(dict(sorted(cells.items()))),
            hidden=json.dumps(sorted(hidden)),
        )
    return hidden


def _counts(stored: Mapping[str, object]) -> dict[str, int]:
    return {key: int(str(value)) for key, value in stored.items()}


def release_pattern(engine: Engine, release: ReleaseFigures, threshold: int) -> SuppressionPattern:
    """The pattern of both periods the release publishes (nothing hidden where nothing is
    available: a previous period with no data is shown as [x])."""
    period = release.period
    previous = (
        stored_or_computed(engine, period.previous(), release, "previous", threshold)
        if release.previous_has_data
        else frozenset()
    )
    current = stored_or_computed(engine, period, release, "current", threshold)
    return SuppressionPattern(previous, current)
