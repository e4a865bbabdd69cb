"""An edition's findings in sentences, and its charts' titles and alt text.

Every sentence is generated from the published tables (never from hidden figures), and names
places as a sentence would: 'the North West', 'Wales', 'City of London'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flows.report.figures import ReportData
from flows.report.tables import (
    ALL_AREAS,
    ALL_CONTACTS,
    CONFIDENTIAL,
    Table,
    one_decimal,
    percent_change,
)
from flows.report.wording import (
    area_phrase,
    capitalised,
    display_name,
    region_phrase,
    scope_phrase,
)
from flows.report.workbook_archive import ChartText

ABOVE_REGION_POINTS = 5.0  # a force area is called out when it beats its region by this much
MAX_FORCE_SENTENCES = 5


def _movement(pct: float) -> str:
    if pct > 0:
        return f"rose by {pct:.1f}%"
    if pct < 0:
        return f"fell by {abs(pct):.1f}%"
    return "did not change"


@dataclass(frozen=True)
class _Row:
    name: str
    previous: int
    current: int
    pct: float


def _published(row: Sequence[object], first: int) -> _Row | None:
    """A row's counts and Change (%) if all are published numbers."""
    previous, current, pct = row[first], row[first + 1], row[first + 3]
    if isinstance(previous, int) and isinstance(current, int) and isinstance(pct, float):
        return _Row(str(row[0]), previous, current, pct)
    return None


def _overall(data: ReportData, tables: dict[str, Table]) -> str:
    """How the scope's contacts moved, or why that cannot be said."""
    previous, current = data.period.previous().label, data.period.label
    total = next(r for r in tables["caller_types"].rows if r[0] == ALL_CONTACTS)
    row = _published(total, 1)
    where = scope_phrase(data)
    if row is None:
        return (
            f"Contacts in {where} are shown as [c] for at least one period to protect "
            "confidentiality, so their change is not given."
        )
    return (
        f"{capitalised('across ' + where if data.scope.kind == 'national' else 'in ' + where)}, "
        f"contacts {_movement(row.pct)}, from {row.previous:,} in {previous} to "
        f"{row.current:,} in {current}."
    )


def _largest_region(tables: dict[str, Table]) -> list[str]:
    rows = [_published(r, 1) for r in tables["regions"].rows if r[0] != ALL_AREAS]
    regions = [r for r in rows if r is not None]
    if len(regions) < 2:
        return []
    top = max(regions, key=lambda r: (r.pct, r.name))
    if top.pct <= 0:
        return [f"No region saw a rise; the smallest fall was in {region_phrase(top.name)}."]
    return [
        f"The largest rise among regions was in {region_phrase(top.name)}: contacts "
        f"{_movement(top.pct)}, from {top.previous:,} to {top.current:,}."
    ]


def _region_percentages(data: ReportData) -> dict[str, float]:
    """Each region's Change (%) as the regions table prints it (used only where the force
    area's difference from it is published, which the audit allows only if it is)."""
    out = {}
    for region in data.regions:
        pct = percent_change(region.previous, region.current)
        if pct is not None:
            out[region.name] = one_decimal(pct)
    return out


def _above_region(
    data: ReportData, tables: dict[str, Table], regions: dict[str, float]
) -> list[str]:
    above = []
    for cells in tables["force_areas"].rows:
        name, region, pct, difference = cells[1], cells[2], cells[6], cells[7]
        if isinstance(pct, float) and isinstance(difference, float) and str(region) in regions:
            above.append((difference, display_name(str(name)), str(region), pct))
    if data.scope.kind == "force":
        return [
            f"That is the same as the change across {region_phrase(region)}."
            if d == 0
            else f"That is {abs(d):.1f} percentage points {'above' if d > 0 else 'below'} the "
            f"change across {region_phrase(region)} ({regions[region]:.1f}%)."
            for d, _, region, _ in above
        ]
    chosen = sorted((a for a in above if a[0] >= ABOVE_REGION_POINTS), key=lambda a: (-a[0], a[1]))
    return [
        f"{name}'s contacts {_movement(pct)}, above the {region} average of {regions[region]:.1f}%."
        for _, name, region, pct in chosen[:MAX_FORCE_SENTENCES]
    ]


def key_points(data: ReportData, tables: dict[str, Table]) -> list[str]:
    """Findings for any scope: national, a region or one force area."""
    previous = data.period.previous().label
    if not data.previous_has_data:
        return [f"No contacts were loaded for {previous}, so changes cannot be shown yet."]
    points = [_overall(data, tables)]
    if data.scope.kind == "national":
        points += _largest_region(tables)
    points += _above_region(data, tables, _region_percentages(data))
    if any(CONFIDENTIAL in row for table in tables.values() for row in table.rows):
        points.append("Some figures are shown as [c] to protect the people behind small counts.")
    return points


def chart_text(data: ReportData, tables: dict[str, Table]) -> ChartText:
    """Titles and alt text describing what each chart draws, from the published cells."""
    period, previous = data.period.label, data.period.previous().label
    forces = tables["force_areas"].rows
    drawn = [r for r in forces if isinstance(r[6], float)]
    missing = len(forces) - len(drawn)
    which = (
        f"each of the {len(forces)} police force areas in {area_phrase(data)}, listed by region "
        "and then by name"
        if len(forces) > 1
        else area_phrase(data)
    )
    force_alt = (
        f"Horizontal bar chart of the change in contacts (%) between {previous} and {period} "
        f"for {which}, one bar per force area, from the Change (%) column of the force_areas "
        "table."
    )
    if drawn:
        top = max(drawn, key=lambda r: (r[6], str(r[1])))
        force_alt += f" The highest value is {display_name(str(top[1]))} ({top[6]:+.1f}%)."
    if missing:
        force_alt += f" {missing} force area(s) have no bar: their change is [c], [z] or [x]."
    months = tables["monthly_trend"].rows
    values = [r[1] for r in months]
    trend_alt = (
        f"Line chart of contacts in {area_phrase(data)} in each of the twelve months from "
        f"{months[0][0]} to {months[-1][0]}, from the Contacts column of the monthly_trend table."
    )
    first, last = values[0], values[-1]
    if isinstance(first, int) and isinstance(last, int):
        comparison = (
            "higher than" if last > first else "lower than" if last < first else "the same as"
        )
        trend_alt += (
            f" Contacts in {months[-1][0]} ({last:,}) were {comparison} in {months[0][0]} "
            f"({first:,})."
        )
    gaps = sum(1 for v in values if not isinstance(v, int))
    if gaps:
        trend_alt += f" {gaps} month(s) are shown as [c] or [x] and have no point."
    return ChartText(
        force_title="Change in contacts by police force area (%)",
        force_alt=force_alt,
        trend_title="Contacts by month",
        trend_alt=trend_alt,
        periods=f"{previous} and {period}",
        force_drawn=any(r[6] != 0 for r in drawn),
        trend_drawn=any(isinstance(v, int) and v > 0 for v in values),
    )
