"""The figures a release publishes, read from Postgres once per period, and one edition's share.

A release is every edition of a period (national, each region, each force area). Its figures
are the linked table of each of its two periods (report.disclosure.linked_table), read in one pass
over the facts; an edition's figures are a projection of them onto its scope, so every edition
lists the same categories and months, zeros included.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from sqlalchemy.engine import Connection

from flows.core.database import run_query
from flows.core.errors import NoDataForPeriod
from flows.core.periods import Period
from flows.core.scope import Scope
from flows.report.disclosure.linked_table import (
    TOTAL,
    Area,
    area_key,
    categories,
    cell_key,
    force_key,
    linked_cells,
    month_what,
    ordered_areas,
    region_key,
    regions_of,
)


@dataclass(frozen=True)
class AreaFigures:
    key: str  # force:<code> or region:<name>; the cell is key|total
    code: str
    name: str
    region: str
    previous: int
    current: int


@dataclass(frozen=True)
class CategoryFigures:
    what: str  # caller_type:<category>, channel:<category> or month:<YYYY-MM-01>
    category: str
    previous: int
    current: int


@dataclass(frozen=True)
class Revision:
    period: str
    partner_id: str
    force_code: str
    force_name: str
    action: str
    previous: int
    revised: int


@dataclass(frozen=True)
class ReleaseFigures:
    """Both periods' linked tables, with what the Cover says about where they came from."""

    period: Period
    areas: tuple[Area, ...]  # in published order: by region (ONS order), then name
    previous: Mapping[str, int]
    current: Mapping[str, int]
    coverage: tuple[tuple[str, date], ...]  # (partner, month) pairs supplied
    revisions: tuple[Revision, ...]
    previous_has_data: bool
    # Publication history: contacts loaded for (period, count) that the versions shown do not
    # include yet, the version number shown of the previous and current period (0: none), and
    # their stored ids.
    late: tuple[tuple[str, int], ...] = ()
    versions: tuple[int, int] = (0, 0)
    version_ids: tuple[int | None, int | None] = (None, None)

    def column(self, name: str) -> Mapping[str, int]:
        return self.previous if name == "previous" else self.current

    def scopes(self) -> list[Scope]:
        """Every edition of the release: national, each region, each force area."""
        return [
            Scope("national"),
            *(Scope("region", region) for region in regions_of(self.areas)),
            *(Scope("force", area.code) for area in self.areas),
        ]


@dataclass(frozen=True)
class ReportData:
    """One edition's figures: its scope's rows of the release's tables."""

    period: Period
    scope: Scope
    area: str  # the scope's area key: all, region:<name> or force:<code>
    scope_name: str  # England and Wales, the region's name or the force area's name
    areas: tuple[AreaFigures, ...]  # force areas in scope, in published order
    regions: tuple[AreaFigures, ...]  # every region, in ONS order (for comparisons)
    caller_types: tuple[CategoryFigures, ...]
    channels: tuple[CategoryFigures, ...]
    months: tuple[tuple[date, int], ...]  # the twelve months, previous period first
    coverage: tuple[tuple[str, date], ...]
    revisions: tuple[Revision, ...]
    previous_has_data: bool
    late: tuple[tuple[str, int], ...] = ()
    versions: tuple[int, int] = (0, 0)

    @property
    def total(self) -> tuple[int, int]:
        return (
            sum(item.previous for item in self.caller_types),
            sum(item.current for item in self.caller_types),
        )

    def fingerprint(self) -> str:
        """A hash of every figure, so an unchanged edition can be recognised."""
        payload = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def period_bounds(period: Period) -> dict[str, date]:
    previous = period.previous()
    return {
        "previous_first": previous.first_month,
        "previous_last": previous.last_month,
        "current_first": period.first_month,
        "current_last": period.last_month,
    }


def _counts(
    connection: Connection, period: Period
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Each force's counts by 'what', for the previous and the current period."""
    bounds = period_bounds(period)
    columns: tuple[dict[str, dict[str, int]], ...] = (defaultdict(dict), defaultdict(dict))
    for row in run_query(connection, "release_counts", **bounds):
        if row.breakdown == "month":
            column = 1 if row.month >= period.first_month else 0
            columns[column][row.force_code][month_what(row.month)] = int(row.current or 0) + int(
                row.previous or 0
            )
            continue
        what = f"{row.breakdown}:{row.category}"
        columns[0][row.force_code][what] = int(row.previous)
        columns[1][row.force_code][what] = int(row.current)
    return columns[0], columns[1]


def read_release_figures(connection: Connection, period: Period) -> ReleaseFigures:
    bounds = period_bounds(period)
    coverage = tuple(
        (row.partner_id, row.month) for row in run_query(connection, "partner_coverage", **bounds)
    )
    if not any(month >= period.first_month for _, month in coverage):
        raise NoDataForPeriod(
            f"No contacts are loaded for {period} ({period.long_label}); ingest the partners' "
            "files for it first."
        )
    areas = ordered_areas(
        Area(row.code, row.name, row.region) for row in run_query(connection, "list_force_areas")
    )
    previous_counts, current_counts = _counts(connection, period)
    since = run_query(
        connection, "last_edition_built_at", period=str(period.previous()), scope="national"
    ).scalar_one()
    revisions = tuple(
        Revision(
            row.period,
            row.partner_id,
            row.force_code,
            row.force_name,
            row.action,
            int(row.previous_contacts),
            int(row.revised_contacts),
        )
        for row in run_query(
            connection,
            "revisions_for_periods",
            periods=[str(period), str(period.previous())],
            since=since or datetime(1970, 1, 1, tzinfo=UTC),
        )
    )
    return ReleaseFigures(
        period,
        areas,
        linked_cells(period.previous(), areas, previous_counts),
        linked_cells(period, areas, current_counts),
        coverage,
        revisions,
        any(month <= bounds["previous_last"] for _, month in coverage),
    )


def _area_figures(
    release: ReleaseFigures, key: str, code: str, name: str, region: str
) -> AreaFigures:
    cell = cell_key(key, TOTAL)
    return AreaFigures(key, code, name, region, release.previous[cell], release.current[cell])


def _breakdown(release: ReleaseFigures, area: str, breakdown: str) -> tuple[CategoryFigures, ...]:
    whats = categories(breakdown, release.period)
    return tuple(
        CategoryFigures(
            what,
            what.partition(":")[2],
            release.previous[cell_key(area, what)],
            release.current[cell_key(area, what)],
        )
        for what in whats
    )


def edition_data(release: ReleaseFigures, scope: Scope) -> ReportData:
    """One scope's rows of the release: its force areas, its breakdowns, its months."""
    period, area = release.period, area_key(scope)
    in_scope = [
        a
        for a in release.areas
        if scope.kind == "national"
        or (scope.kind == "region" and a.region == scope.value)
        or (scope.kind == "force" and a.code == scope.value)
    ]
    names = {a.code: a.name for a in release.areas}
    scope_name = {"national": "England and Wales", "region": scope.value}.get(
        scope.kind, names.get(scope.value, scope.value)
    )
    months = tuple(
        (month, release.previous[cell_key(area, month_what(month))])
        for month in period.previous().months
    ) + tuple(
        (month, release.current[cell_key(area, month_what(month))]) for month in period.months
    )
    return ReportData(
        period,
        scope,
        area,
        scope_name,
        tuple(
            _area_figures(release, force_key(a.code), a.code, a.name, a.region) for a in in_scope
        ),
        tuple(_area_figures(release, region_key(r), "", r, r) for r in regions_of(release.areas)),
        _breakdown(release, area, "caller_type"),
        _breakdown(release, area, "channel"),
        months,
        release.coverage,
        release.revisions,
        release.previous_has_data,
        release.late,
        release.versions,
    )
