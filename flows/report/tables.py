"""Turning an edition's figures and the release's pattern into published tables (pure, no I/O).

Every table looks its cells up by the release's linked-table keys (report.disclosure.linked_table),
so a figure hidden in one edition is hidden in every edition that shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flows.report.disclosure.linked_table import ALL, TOTAL, cell_key, month_what
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.figures import AreaFigures, CategoryFigures, ReportData
from flows.report.wording import region_phrase, scope_phrase

Cell = int | float | str
CONFIDENTIAL, NOT_MEANINGFUL, NOT_AVAILABLE = "[c]", "[z]", "[x]"
SYMBOLS = (CONFIDENTIAL, NOT_MEANINGFUL, NOT_AVAILABLE)
ALL_AREAS = "All areas"
ALL_CONTACTS = "All contacts"


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

    def symbols(self) -> tuple[str, ...]:
        """The shorthand this table uses, in the order the shorthand line explains them."""
        used = {value for row in self.rows for value in row if isinstance(value, str)}
        return tuple(symbol for symbol in SYMBOLS if symbol in used)


def one_decimal(value: float) -> float:
    """Round half away from zero, as published statistics do (Python rounds half to even)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent_change(previous: int, current: int) -> float | None:
    return None if previous == 0 else (current - previous) / previous * 100


def change_cells(previous: int, current: int, hidden: bool, previous_available: bool) -> list[Cell]:
    """Change and Change (%): shown only where both counts are shown."""
    if not previous_available:
        return [NOT_AVAILABLE, NOT_AVAILABLE]
    if hidden:
        return [CONFIDENTIAL, CONFIDENTIAL]
    pct = percent_change(previous, current)
    return [current - previous, NOT_MEANINGFUL if pct is None else one_decimal(pct)]


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


def counted_row(
    key: str, label: str, previous: int, current: int, pattern: SuppressionPattern, available: bool
) -> list[Cell]:
    """Label, both counts and both changes, with [c] and [x] where they belong."""
    return [
        label,
        count_cell(previous, key in pattern.previous, available),
        count_cell(current, key in pattern.current),
        *change_cells(previous, current, pattern.hides_change(key), available),
    ]


def _compared(period: ReportData) -> str:
    return f"{period.period.label} compared with {period.period.previous().label}"


def _published_percent(area: AreaFigures, pattern: SuppressionPattern) -> float | None:
    """Change (%) as the tables publish it, or None where it is not a number."""
    key = cell_key(area.key, TOTAL)
    if pattern.hides_change(key):
        return None
    pct = percent_change(area.previous, area.current)
    return None if pct is None else one_decimal(pct)


def force_areas_table(data: ReportData, pattern: SuppressionPattern) -> Table:
    where = {
        "national": "each police force area of England and Wales",
        "region": f"each police force area in {region_phrase(data.scope.value)}",
    }.get(data.scope.kind, scope_phrase(data))
    table = Table(
        "force_areas",
        f"Contacts by police force area, {_compared(data)}",
        f"This table shows contacts to the helpline network in {where}, the change since the "
        "previous six months, and how that change compares with the change in the force "
        "area's region.",
        [
            Column("Force area code", "text", 14),
            Column("Force area", "text", 22),
            Column("Region", "text", 24),
            *period_columns(data),
            Column("Difference from region's change (percentage points)", "points", 18, note=2),
        ],
        notes=[1, 2],
    )
    available = data.previous_has_data
    regions = {region.name: region for region in data.regions}
    for area in data.areas:
        row = counted_row(
            cell_key(area.key, TOTAL), area.name, area.previous, area.current, pattern, available
        )
        force_pct, region_pct = row[4], _published_percent(regions[area.region], pattern)
        difference: Cell
        if not available:
            difference = NOT_AVAILABLE
        elif force_pct == CONFIDENTIAL or pattern.hides_change(
            cell_key(regions[area.region].key, TOTAL)
        ):
            difference = CONFIDENTIAL
        elif isinstance(force_pct, float) and region_pct is not None:
            # From the rounded figures as published, so a reader's own subtraction agrees.
            difference = one_decimal(force_pct - region_pct)
        else:
            difference = NOT_MEANINGFUL
        table.rows.append([area.code, *row[:1], area.region, *row[1:], difference])
    return table


def regions_table(data: ReportData, pattern: SuppressionPattern) -> Table:
    national = data.scope.kind == "national"
    where = (
        "each region of England and in Wales, and in England and Wales as a whole"
        if national
        else region_phrase(data.scope.value)
    )
    table = Table(
        "regions",
        f"Contacts by region, {_compared(data)}",
        f"This table shows contacts to the helpline network in {where}, and the change since "
        "the previous six months.",
        [Column("Region", "text", 26), *period_columns(data)],
        notes=[1, 2],
    )
    shown = [r for r in data.regions if national or r.name == data.scope.value]
    rows = [(cell_key(r.key, TOTAL), r.name, r.previous, r.current) for r in shown]
    if national:
        rows.append((cell_key(ALL, TOTAL), ALL_AREAS, *data.total))
    table.rows.extend(counted_row(*row, pattern, data.previous_has_data) for row in rows)
    return table


def category_table(
    name: str,
    label: str,
    data: ReportData,
    figures: Iterable[CategoryFigures],
    pattern: SuppressionPattern,
) -> Table:
    table = Table(
        name,
        f"Contacts by {label}, {_compared(data)}",
        f"This table shows contacts to the helpline network in {scope_phrase(data)} by "
        f"{label}, and the change since the previous six months. Contacts whose {label} the "
        "partner did not record are counted as unknown.",
        [Column(label.capitalize(), "text", 22, note=3), *period_columns(data)],
        notes=[1, 3],
    )
    available = data.previous_has_data
    for item in figures:
        key = cell_key(data.area, item.what)
        label_text = item.category.capitalize()
        table.rows.append(
            counted_row(key, label_text, item.previous, item.current, pattern, available)
        )
    key = cell_key(data.area, TOTAL)
    table.rows.append(counted_row(key, ALL_CONTACTS, *data.total, pattern, available))
    return table


def monthly_trend_table(data: ReportData, pattern: SuppressionPattern) -> Table:
    table = Table(
        "monthly_trend",
        f"Contacts by month, {data.period.previous().label} and {data.period.label}",
        f"This table shows contacts to the helpline network in {scope_phrase(data)} in each "
        "month of the previous and the current six months.",
        [Column("Month", "text", 16), Column("Contacts", "count", note=1)],
        notes=[1],
    )
    first_current = data.period.first_month
    for month, contacts in data.months:
        key = cell_key(data.area, month_what(month))
        current = month >= first_current
        available = data.previous_has_data or current
        hidden = key in (pattern.current if current else pattern.previous)
        table.rows.append([month.strftime("%B %Y"), count_cell(contacts, hidden, available)])
    return table


def build_tables(data: ReportData, pattern: SuppressionPattern) -> list[Table]:
    """The edition's tables, in sheet order; a force area's edition has no regions table."""
    tables = [force_areas_table(data, pattern)]
    if data.scope.kind != "force":
        tables.append(regions_table(data, pattern))
    tables.append(category_table("caller_types", "caller type", data, data.caller_types, pattern))
    tables.append(category_table("channels", "channel", data, data.channels, pattern))
    tables.append(monthly_trend_table(data, pattern))
    return tables
