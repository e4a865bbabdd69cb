"""Turning figures and a suppression pattern into the published tables (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flows.core.force_areas import region_names
from flows.report.figures import AreaFigures, CategoryFigures, ReportData
from flows.report.suppression_pattern import SuppressionPattern

Cell = int | float | str
CONFIDENTIAL, NOT_MEANINGFUL, NOT_AVAILABLE = "[c]", "[z]", "[x]"
ALL_AREAS = "All areas"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, count, percent or points
    width: int = 16
    note: int | None = None

    @property
    def heading(self) -> str:
        """The heading as published: note markers go in headings, never in data cells."""
        return f"{self.name} [note {self.note}]" if self.note else self.name


@dataclass
class Table:
    name: str  # the Excel table name and the sheet name
    title: str
    description: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)


def one_decimal(value: float) -> float:
    """Round half away from zero, as published statistics do (Python rounds half to even)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent_change(previous: int, current: int) -> float | None:
    return None if previous == 0 else (current - previous) / previous * 100


def change_cells(
    previous: int, current: int, hidden: bool, previous_available: bool
) -> tuple[list[Cell], float | None]:
    """Change and Change (%) cells, plus the unrounded percentage for comparisons."""
    if not previous_available:
        return [NOT_AVAILABLE, NOT_AVAILABLE], None
    if hidden:
        return [CONFIDENTIAL, CONFIDENTIAL], None
    pct = percent_change(previous, current)
    return [current - previous, NOT_MEANINGFUL if pct is None else one_decimal(pct)], pct


def count_cell(value: int, hidden: bool, available: bool = True) -> Cell:
    if not available:
        return NOT_AVAILABLE
    return CONFIDENTIAL if hidden else value


def period_columns(data: ReportData) -> list[Column]:
    previous, current = data.period.previous(), data.period
    return [
        Column(f"Contacts {previous.label}", "count", note=1),
        Column(f"Contacts {current.label}", "count", note=1),
        Column("Change (number of contacts)", "count"),
        Column("Change (%)", "percent", 12, note=2),
    ]


def labelled_rows(
    rows: Iterable[tuple[str, str, int, int]], pattern: SuppressionPattern, available: bool
) -> list[list[Cell]]:
    """Label, both counts and both changes, with [c] and [x] where they belong."""
    published: list[list[Cell]] = []
    for key, label, previous, current in rows:
        change, _ = change_cells(previous, current, pattern.hides_change(key), available)
        published.append(
            [
                label,
                count_cell(previous, key in pattern.previous, available),
                count_cell(current, key in pattern.current),
                *change,
            ]
        )
    return published


def region_totals(areas: Iterable[AreaFigures]) -> dict[str, tuple[int, int]]:
    """Totals per region, in the ONS order of regions."""
    totals: dict[str, tuple[int, int]] = {name: (0, 0) for name in region_names()}
    for area in areas:
        previous, current = totals[area.region]
        totals[area.region] = (previous + area.previous, current + area.current)
    return {name: value for name, value in totals.items() if name in {a.region for a in areas}}


def force_areas_table(
    data: ReportData, pattern: SuppressionPattern, regions: dict[str, tuple[int, int]]
) -> Table:
    columns = [
        Column("Force area code", "text", 14),
        Column("Force area", "text", 24),
        Column("Region", "text", 24),
        *period_columns(data),
        Column("Difference from region's change (percentage points)", "points", 18, note=2),
    ]
    table = Table(
        "force_areas",
        f"Contacts by police force area, {data.period.label} compared with "
        f"{data.period.previous().label}",
        "This table shows contacts to the helpline network in each police force area of "
        "England and Wales, the change since the previous six months, and how that change "
        "compares with the change in the force area's region.",
        columns,
        notes=[1, 2],
    )
    available = data.previous_has_data
    for area in data.areas:
        key = f"force:{area.code}"
        hidden = pattern.hides_change(key)
        change, pct = change_cells(area.previous, area.current, hidden, available)
        region_key = f"region:{area.region}"
        region_prev, region_cur = regions[area.region]
        region_pct = percent_change(region_prev, region_cur)
        if not available:
            difference: Cell = NOT_AVAILABLE
        elif hidden or pattern.hides_change(region_key):
            difference = CONFIDENTIAL
        elif pct is None or region_pct is None:
            difference = NOT_MEANINGFUL
        else:
            difference = one_decimal(pct - region_pct)
        table.rows.append(
            [
                area.code,
                area.name,
                area.region,
                count_cell(area.previous, key in pattern.previous, available),
                count_cell(area.current, key in pattern.current),
                *change,
                difference,
            ]
        )
    return table


def regions_table(
    data: ReportData,
    pattern: SuppressionPattern,
    regions: dict[str, tuple[int, int]],
    include_all_areas: bool,
) -> Table:
    table = Table(
        "regions",
        f"Contacts by region, {data.period.label} compared with {data.period.previous().label}",
        "This table shows contacts to the helpline network in each region of England and in "
        "Wales, and the change since the previous six months.",
        [Column("Region", "text", 26), *period_columns(data)],
        notes=[1, 2],
    )
    available = data.previous_has_data
    rows = [(f"region:{name}", name, *totals) for name, totals in regions.items()]
    if include_all_areas:
        previous = sum(p for p, _ in regions.values())
        current = sum(c for _, c in regions.values())
        rows.append(("all", ALL_AREAS, previous, current))
    table.rows.extend(labelled_rows(rows, pattern, available))
    return table


def category_table(
    name: str,
    label: str,
    data: ReportData,
    figures: tuple[CategoryFigures, ...],
    pattern: SuppressionPattern,
) -> Table:
    table = Table(
        name,
        f"Contacts by {label}, {data.period.label} compared with {data.period.previous().label}",
        f"This table shows contacts to the helpline network by {label}, and the change since "
        "the previous six months. Contacts whose "
        f"{label} the partner did not record are counted as unknown.",
        [Column(label.capitalize(), "text", 22, note=3), *period_columns(data)],
        notes=[1, 3],
    )
    available = data.previous_has_data
    rows = [
        (f"{name}:{item.category}", item.category.capitalize(), item.previous, item.current)
        for item in figures
    ]
    rows.append(
        (
            f"{name}:all",
            "All contacts",
            sum(f.previous for f in figures),
            sum(f.current for f in figures),
        )
    )
    table.rows.extend(labelled_rows(rows, pattern, available))
    return table


def monthly_trend_table(data: ReportData, pattern: SuppressionPattern) -> Table:
    table = Table(
        "monthly_trend",
        f"Contacts by month, {data.period.previous().label} and {data.period.label}",
        "This table shows contacts to the helpline network in each month of the previous and "
        "the current six months.",
        [Column("Month", "text", 16), Column("Contacts", "count", note=1)],
        notes=[1],
    )
    first_current = data.period.first_month
    for month, contacts in data.months:
        key = f"month:{month.isoformat()}"
        available = data.previous_has_data or month >= first_current
        hidden = key in (pattern.current if month >= first_current else pattern.previous)
        table.rows.append([month.strftime("%B %Y"), count_cell(contacts, hidden, available)])
    return table
