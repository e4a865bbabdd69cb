"""Melting one crosstab sheet into the rows the counts layout reads, and setting its Totals aside.

`melt_sheet` is a pure function over one sheet's cell grid as calamine gives it (rows of cells,
'' for a blank cell), the sheet's name and the partner's own row numbers; nothing here opens a
file. Each figure becomes one row (month, force area, channel or caller type, count: the cells
as the partner typed them, parsed later exactly as a counts file is), and each Total the partner
sent becomes a check: what they sent beside what the cells it totals add up to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected
from flows.intake.crosstab.body import FigureTable, Subtotal, total_checks
from flows.intake.crosstab.headings import (
    HeadingColumn,
    IsForceArea,
    Place,
    across_columns,
    find_heading_row,
    label_column,
    months_of,
)
from flows.intake.crosstab.regions import subtotal_of
from flows.intake.profiles import CrosstabShape
from flows.intake.reading.column_building import blank_cells
from flows.intake.reading.header_tables import cell_text
from flows.intake.reading.sheets import sheet_month

CELL_COLUMNS = ("month", "force_area", "category", "contacts")
MergedRange = tuple[tuple[int, int], tuple[int, int]]  # first and last cell, 0-based (row, col)


@dataclass(frozen=True)
class SheetGrid:
    name: str | None  # None for a CSV
    rows: Sequence[Sequence[object]] | np.ndarray
    row_numbers: Sequence[int] | np.ndarray | None = None  # default: 1, 2, 3...
    first_column: int = 1  # the partner's column number of the first column (A is 1)
    merged: Sequence[MergedRange] = ()  # as calamine reports them, in grid positions


RegionOf = Callable[[object], str | None]


def _no_region(_label: object) -> str | None:
    return None


@dataclass(frozen=True)
class CrosstabReading:
    """What the profile says about reading a crosstab."""

    shape: CrosstabShape
    header_row: int | Literal["auto"]
    label: str | None  # the heading over the row labels, if [columns] names it
    dropped: frozenset[str]  # heading keys of drop_columns: columns never read
    is_force_area: IsForceArea
    name_sheets: bool  # several sheets: messages say which
    region_of: RegionOf = _no_region  # a force area label's ONS region


@dataclass(frozen=True)
class MeltedSheet:
    cells: pd.DataFrame  # CELL_COLUMNS, the partner's cells, one row per figure
    cell_rows: np.ndarray  # each figure's row number in the partner's sheet
    totals: pd.DataFrame  # TOTAL_COLUMNS, one row per Total cell the partner filled in
    total_rows: np.ndarray
    months: dict[date, str]  # each month the sheet holds -> where, for months sent twice
    headings: list[str]
    header_row: int


def as_grid(rows: Sequence[Sequence[object]] | np.ndarray) -> np.ndarray:
    """Rows of cells as a 2-D object array; short rows (a CSV's) padded with blanks."""
    if isinstance(rows, np.ndarray) and rows.ndim == 2:
        return rows.astype(object, copy=False)
    width = max((len(row) for row in rows), default=0)
    grid = np.full((len(rows), width), "", dtype=object)
    for index, row in enumerate(rows):
        grid[index, : len(row)] = list(row)
    return grid


def melt_sheet(file_name: str, sheet: SheetGrid, reading: CrosstabReading) -> MeltedSheet:
    grid = as_grid(sheet.rows)
    numbers = np.arange(1, len(grid) + 1) if sheet.row_numbers is None else sheet.row_numbers
    place = Place(file_name, sheet.name, np.asarray(numbers, dtype=np.int64), sheet.first_column)
    if not grid.size or blank_cells(grid).all():
        raise FileRejected(f"{place.where}is empty; ask the partner to send the data.")
    shape = reading.shape
    named_month = _sheet_month(sheet.name, place) if shape.months == "sheet name" else None
    top, named = find_heading_row(
        grid, shape, reading.header_row, reading.label, reading.is_force_area, place
    )
    body = top + (2 if shape.two_heading_rows else 1)
    grid = merged_headings(grid, sheet.merged, range(top, body))
    labels_at = (
        named if named is not None else label_column(grid, top, shape, reading.is_force_area, place)
    )
    columns = across_columns(
        grid, top, labels_at, shape, reading.dropped, reading.is_force_area, place
    )
    table = FigureTable(grid, body, labels_at, columns, place)
    data_rows, total_rows, subtotal_rows = table.rows(shape, reading.is_force_area)
    counts = table.figures(data_rows, shape.blank_cells)
    cells = _melted(table, data_rows, counts, shape, sheet.name)
    subtotals = region_subtotals(table, data_rows, subtotal_rows, reading.region_of)
    totals, at = total_checks(
        table,
        data_rows,
        total_rows,
        counts,
        reading.name_sheets,
        subtotals,
        lambda region, column: _in_region(region, column, reading.region_of),
    )
    where = f'sheet "{sheet.name}"' if sheet.name else file_name
    if named_month is not None:
        months = {named_month: where}
    elif shape.across == "month":
        months = {c.month: where for c in table.data if c.month is not None}
    else:
        labels = months_of(grid[body + data_rows, labels_at])
        months = {m.astype(date): where for m in labels[~np.isnat(labels)]}
    headings = [cell_text(h) for h in grid[top] if cell_text(h)]
    return MeltedSheet(
        cells,
        np.repeat(place.row_numbers[body + data_rows], len(table.data)),
        totals,
        at,
        months,
        headings,
        int(place.row_numbers[top]),
    )


def region_subtotals(
    table: FigureTable, data_rows: np.ndarray, subtotal_rows: np.ndarray, region_of: RegionOf
) -> tuple[Subtotal, ...]:
    """Each region row with the data rows of its forces."""
    if not subtotal_rows.size:
        return ()
    regions = np.array([region_of(label) for label in table.labels[data_rows]], dtype=object)
    found = []
    for row in subtotal_rows:
        named = subtotal_of(table.labels[row])
        assert named is not None  # FigureTable.rows found it so
        name, covered = named
        members = np.array([region in covered for region in regions], dtype=bool)
        found.append(Subtotal(int(row), name, members))
    return tuple(found)


def _in_region(region: HeadingColumn, column: HeadingColumn, region_of: RegionOf) -> bool:
    """Whether a force area's column belongs to a region's (or country's) subtotal column."""
    named = subtotal_of(region.outer)
    return named is not None and region_of(column.outer) in named[1]


def merged_headings(
    grid: np.ndarray, merged: Sequence[MergedRange], heading_rows: range
) -> np.ndarray:
    """The grid with each merged range that starts in a heading row filled with its value (a
    spreadsheet keeps it in the first cell only). Figures are never repeated: a merged figure
    would be counted twice."""
    starts = [m for m in merged if m[0][0] in heading_rows]
    if not starts:
        return grid
    grid = grid.copy()
    for (first_row, first_column), (last_row, last_column) in starts:
        rows = slice(first_row, min(last_row, heading_rows[-1]) + 1)
        grid[rows, first_column : last_column + 1] = grid[first_row, first_column]
    return grid


def _sheet_month(name: str | None, place: Place) -> date:
    month = sheet_month(name or "")
    if month is None:
        raise FileRejected(
            f'{place.where}is not named as a month (e.g. "Jul 2017" or "2017-07"), and the '
            "profile takes months from sheet names; rename it, or set the profile's sheets to "
            '"months" to read only month-named sheets.'
        )
    return month


def _melted(
    table: FigureTable,
    data_rows: np.ndarray,
    counts: pd.DataFrame,
    shape: CrosstabShape,
    sheet_name: str | None,
) -> pd.DataFrame:
    """One row per figure, row by row: the cells exactly as the partner typed them."""
    width = len(table.data)
    labels = np.repeat(table.labels[data_rows], width)
    outer = np.tile(np.array([c.outer for c in table.data], dtype=object), len(data_rows))
    inner = np.tile(np.array([c.inner for c in table.data], dtype=object), len(data_rows))
    melted = {"contacts": counts.to_numpy(dtype=object).ravel()}
    if shape.across == "month":
        melted |= {"month": outer, "force_area": labels, "category": inner}
    elif shape.across == "force_area":
        melted |= {"month": labels, "force_area": outer, "category": inner}
    else:
        category = outer if shape.categories else np.full(len(labels), None, dtype=object)
        month = np.full(len(labels), sheet_name, dtype=object)
        melted |= {"month": month, "force_area": labels, "category": category}
    if not shape.categories:
        melted["category"] = np.full(len(labels), None, dtype=object)
    return pd.DataFrame({name: melted[name] for name in CELL_COLUMNS}, dtype=object)
