"""The linked table of one period: every cell any edition of the release can publish.

A cell is keyed "<area>|<what>":
- area: "force:<ONS code>", "region:<name>" or "all" (England and Wales);
- what: "total", "caller_type:<category>", "channel:<category>" or "month:<YYYY-MM-01>".

The national edition publishes the force-area and region totals and the national breakdowns, a
region's edition its forces' totals and the region's breakdowns, a force area's edition its own
total and breakdowns; together the 54 editions publish every cell. The relations say how the
cells add up: forces to their region and regions to All areas (for the total and for every
category and month), and each area's categories and months to its total. This is the one table
the release's suppression pattern protects, in the manner of a linked-table ("global")
protection: one problem, all the sums at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flows.core.canonical import CALLER_TYPES, CHANNELS
from flows.core.force_areas import REGION_ORDER
from flows.core.periods import Period
from flows.core.scope import Scope
from flows.report.disclosure.relations import Relation

ALL = "all"
TOTAL = "total"
BREAKDOWNS = ("caller_type", "channel", "month")


@dataclass(frozen=True)
class Area:
    """A police force area as the report lists it."""

    code: str
    name: str
    region: str


def force_key(code: str) -> str:
    return f"force:{code}"


def region_key(name: str) -> str:
    return f"region:{name}"


def area_key(scope: Scope) -> str:
    """The area an edition is about: all, region:<name> or force:<code>."""
    if scope.kind == "national":
        return ALL
    return region_key(scope.value) if scope.kind == "region" else force_key(scope.value)


def cell_key(area: str, what: str) -> str:
    return f"{area}|{what}"


def month_what(month: date) -> str:
    return f"month:{month.isoformat()}"


def categories(breakdown: str, period: Period) -> tuple[str, ...]:
    """The 'what' of every row of a breakdown, in published order (unknown last)."""
    if breakdown == "caller_type":
        return tuple(f"caller_type:{c}" for c in CALLER_TYPES)
    if breakdown == "channel":
        return tuple(f"channel:{c}" for c in CHANNELS)
    return tuple(month_what(m) for m in period.months)


def ordered_areas(areas: Iterable[Area]) -> tuple[Area, ...]:
    """Grouped by region in the ONS order, then by name: as published tables list them."""
    return tuple(sorted(areas, key=lambda a: (REGION_ORDER.index(a.region), a.name, a.code)))


def regions_of(areas: Sequence[Area]) -> tuple[str, ...]:
    present = {area.region for area in areas}
    return tuple(region for region in REGION_ORDER if region in present)


def area_keys(areas: Sequence[Area]) -> tuple[str, ...]:
    """Every area of the table: forces, then regions, then All areas."""
    return (
        *(force_key(a.code) for a in areas),
        *(region_key(r) for r in regions_of(areas)),
        ALL,
    )


def whats(period: Period) -> tuple[str, ...]:
    return (TOTAL, *(what for b in BREAKDOWNS for what in categories(b, period)))


def linked_cells(
    period: Period, areas: Sequence[Area], force_counts: Mapping[str, Mapping[str, int]]
) -> dict[str, int]:
    """Every cell of the period's table from each force's counts by 'what' (zeros filled in).

    A force's total is the sum of its months; regions and All areas are sums of forces, so the
    relations hold by construction.
    """
    cells: dict[str, int] = {}
    columns = whats(period)
    month_whats = categories("month", period)
    for area in areas:
        counts = force_counts.get(area.code, {})
        unknown = sorted(set(counts) - set(columns))
        if unknown:
            raise ValueError(f"{area.code}: counts outside the published categories: {unknown}")
        for what in columns[1:]:
            cells[cell_key(force_key(area.code), what)] = int(counts.get(what, 0))
        cells[cell_key(force_key(area.code), TOTAL)] = sum(
            cells[cell_key(force_key(area.code), m)] for m in month_whats
        )
    for what in columns:
        for region in regions_of(areas):
            cells[cell_key(region_key(region), what)] = sum(
                cells[cell_key(force_key(a.code), what)] for a in areas if a.region == region
            )
        cells[cell_key(ALL, what)] = sum(
            cells[cell_key(region_key(r), what)] for r in regions_of(areas)
        )
    return cells


def linked_relations(period: Period, areas: Sequence[Area]) -> list[Relation]:
    """The sums every edition together implies (371 for the 43 force areas)."""
    relations: list[Relation] = []
    for what in whats(period):
        for region in regions_of(areas):
            members = tuple(cell_key(force_key(a.code), what) for a in areas if a.region == region)
            relations.append(Relation(cell_key(region_key(region), what), members))
        members = tuple(cell_key(region_key(r), what) for r in regions_of(areas))
        relations.append(Relation(cell_key(ALL, what), members))
    for area in area_keys(areas):
        for breakdown in BREAKDOWNS:
            members = tuple(cell_key(area, what) for what in categories(breakdown, period))
            relations.append(Relation(cell_key(area, TOTAL), members))
    return relations
