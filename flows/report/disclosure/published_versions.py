"""The published versions of each period, and the publication-snapshot revisions policy.

A period's figures are shown as first published, in every edition of every release that shows
the period, until a data manager issues a revised edition on purpose (`helpline report --period
P --revise`). Late data (a corrected file, a new partner's first months) wait until then, and
the Cover says roughly how many contacts they hold. A revision becomes a new version of the
period, protected jointly with every earlier version (flows.report.disclosure.history_audit), so
no published total ever has to become [c] because data arrived late: the headline totals of
England and Wales and every region are shown in every version.

Each version is a row of release_patterns: the figures, the [c] cells, and the partners' months
the figures hold. Rows are never changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection, Engine

from flows.core.database import run_query, translate_database_errors
from flows.core.periods import Period
from flows.report.disclosure.history_audit import VersionFigures, audit_history, revision_pattern
from flows.report.disclosure.linked_table import Area
from flows.report.disclosure.period_pattern import METHOD_VERSION, pattern_fingerprint

Coverage = tuple[tuple[str, date], ...]


@dataclass(frozen=True)
class PublishedVersion:
    """One version of a period as stored: number 1 is the first publication."""

    id: int
    number: int
    threshold: int
    method: int
    cells: Mapping[str, int]
    hidden: frozenset[str]
    coverage: Coverage | None  # None: stored before coverage was kept

    @property
    def figures(self) -> VersionFigures:
        return VersionFigures(self.cells, self.hidden)


def _coverage(stored: object) -> Coverage | None:
    if stored is None:
        return None
    assert isinstance(stored, list)
    return tuple((str(partner), date.fromisoformat(str(month))) for partner, month in stored)


def stored_versions(connection: Connection, period: Period) -> list[PublishedVersion]:
    return [
        PublishedVersion(
            int(row.id),
            number,
            int(row.threshold),
            int(row.method),
            {key: int(str(value)) for key, value in row.cells.items()},
            frozenset(row.hidden),
            _coverage(row.coverage),
        )
        for number, row in enumerate(
            run_query(connection, "release_patterns_for_period", period=str(period)), start=1
        )
    ]


def _store(
    connection: Connection,
    period: Period,
    cells: Mapping[str, int],
    hidden: frozenset[str],
    coverage: Coverage,
    threshold: int,
) -> int:
    return int(
        run_query(
            connection,
            "record_release_pattern",
            period=str(period),
            fingerprint=pattern_fingerprint(period, cells, threshold),
            threshold=threshold,
            method=METHOD_VERSION,
            cells=json.dumps(dict(sorted(cells.items()))),
            hidden=json.dumps(sorted(hidden)),
            coverage=json.dumps([[partner, month.isoformat()] for partner, month in coverage]),
        ).scalar_one()
    )


def _still_current(latest: PublishedVersion, cells: Mapping[str, int], threshold: int) -> bool:
    return (
        latest.threshold == threshold
        and latest.method == METHOD_VERSION
        and (dict(latest.cells) == dict(cells))
    )


def version_to_show(
    engine: Engine,
    period: Period,
    areas: Sequence[Area],
    live: tuple[Mapping[str, int], Coverage],
    threshold: int,
    revise: bool,
) -> tuple[PublishedVersion, list[PublishedVersion]]:
    """The version of the period editions show now, and every version stored (it included).

    The newest version is shown unless there is none (the first publication is stored now), it
    was protected under another threshold or method, or `revise` is asked and the live figures
    differ from it: then the live figures become a new version, protected and audited jointly
    with every earlier one.
    """
    cells, coverage = live
    with (
        translate_database_errors(f"finding the published versions of {period}"),
        engine.begin() as connection,
    ):
        run_query(connection, "lock_release_pattern", period=str(period))
        versions = stored_versions(connection, period)
        latest = versions[-1] if versions else None
        if latest is not None and (
            not revise and latest.threshold == threshold and latest.method == METHOD_VERSION
        ):
            return latest, versions
        if latest is not None and _still_current(latest, cells, threshold):
            return latest, versions
        earlier = [version.figures for version in versions]
        hidden = revision_pattern(period, areas, cells, earlier, threshold)
        audit_history(period, areas, [*earlier, VersionFigures(cells, hidden)], threshold)
        new_id = _store(connection, period, cells, hidden, coverage, threshold)
        created = PublishedVersion(
            new_id, len(versions) + 1, threshold, METHOD_VERSION, cells, hidden, coverage
        )
        return created, [*versions, created]
