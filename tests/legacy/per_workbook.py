"""The per-workbook pattern the report used before: force areas and regions protected once,
nationally, but each edition's caller types, channels and months protected on their own.

It is laid out with today's tables (cells keyed by the release's linked table) so that the
joint audit can read it; the suppression decisions are the old code's, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from flows.core.scope import Scope
from flows.report.disclosure.linked_table import (
    ALL,
    TOTAL,
    area_key,
    categories,
    cell_key,
    force_key,
    region_key,
    regions_of,
)
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.disclosure.relations import Relation
from flows.report.figures import ReleaseFigures, edition_data
from flows.report.tables import Table, build_tables
from tests.legacy.disclosure import secondary_suppression, suppress
from tests.legacy.disclosure_audit import audit_suppression

COLUMNS = ("previous", "current")


def national_pattern(release: ReleaseFigures, threshold: int) -> dict[str, frozenset[str]]:
    """The old geographic pattern: force areas, regions and All areas, per period column."""
    out = {}
    for column in COLUMNS:
        values = release.column(column)
        cells: dict[str, int] = {}
        relations = []
        for region in regions_of(release.areas):
            members = [force_key(a.code) for a in release.areas if a.region == region]
            for member in members:
                cells[member] = values[cell_key(member, TOTAL)]
            cells[region_key(region)] = values[cell_key(region_key(region), TOTAL)]
            relations.append(Relation(region_key(region), tuple(members)))
        cells[ALL] = values[cell_key(ALL, TOTAL)]
        relations.append(Relation(ALL, tuple(region_key(r) for r in regions_of(release.areas))))
        out[column] = frozenset(
            cell_key(key, TOTAL) for key in suppress(cells, relations, threshold)
        )
    return out


def _breakdown(values: Mapping[str, int], total_hidden: bool, threshold: int) -> frozenset[str]:
    """The old per-workbook rule for one breakdown whose total is published elsewhere."""
    total_key = "total"
    cells = {**values, total_key: sum(values.values())}
    relations = [Relation(total_key, tuple(values))]
    forced = frozenset({total_key}) if total_hidden else frozenset()
    primary = frozenset(key for key, v in values.items() if 0 < v < threshold) | forced
    hidden = secondary_suppression(cells, relations, threshold, primary)
    if total_key in hidden and not total_hidden:
        hidden = hidden - {total_key}
        if not audit_suppression(cells, relations, hidden, threshold).passed:
            hidden = frozenset(cells) - {total_key}
    return hidden - {total_key}


def edition_pattern(
    release: ReleaseFigures, scope: Scope, geographic: Mapping[str, frozenset[str]], threshold: int
) -> SuppressionPattern:
    area = area_key(scope)
    hidden: dict[str, set[str]] = {column: set(geographic[column]) for column in COLUMNS}
    for column, period in zip(COLUMNS, (release.period.previous(), release.period), strict=True):
        values = release.column(column)
        total_hidden = cell_key(area, TOTAL) in geographic[column]
        for breakdown in ("caller_type", "channel", "month"):
            whats = categories(breakdown, period)
            own = {what: values[cell_key(area, what)] for what in whats}
            hidden[column] |= {cell_key(area, w) for w in _breakdown(own, total_hidden, threshold)}
    return SuppressionPattern(frozenset(hidden["previous"]), frozenset(hidden["current"]))


def legacy_editions(release: ReleaseFigures, threshold: int) -> dict[Scope, list[Table]]:
    """Every edition as the old code would have published it."""
    geographic = national_pattern(release, threshold)
    return {
        scope: build_tables(
            edition_data(release, scope), edition_pattern(release, scope, geographic, threshold)
        )
        for scope in release.scopes()
    }
