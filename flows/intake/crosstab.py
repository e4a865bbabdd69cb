"""Melting one crosstab sheet into the rows the counts layout reads, and setting its Totals aside.

`melt_sheet` is a pure function over one sheet's cell grid as calamine gives it (rows of cells,
'' for a blank cell), the sheet's name and the partner's own row numbers; nothing here opens a
file. Each figure becomes one row (month, force area, channel or caller type, count: the cells
as the partner typed them, parsed later exactly as a counts file is), and each Total the partner
sent becomes a check: what they sent beside what the cells it totals add up to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected
from flows.intake.cell_parsing import blank_cells, parse_counts
from flows.intake.crosstab_headings import (
    Column,
    IsForceArea,
    Place,
    across_columns,
    cell_text,
    find_heading_row,
    is_total,
    label_column,
    months_of,
)
from flows.intake.profiles import CrosstabShape

CELL_COLUMNS = ("month", "force_area", "category", "contacts")
TOTAL_COLUMNS = ("sent", "cells_add_up_to", "message")


MergedRange = tuple[tuple[int, int], tuple[int, int]]  # first and last cell, 0-based (row, col)


@dataclass(frozen=True)
class SheetGrid:
    name: str | None  # None for a CSV
    rows: Sequence[Sequence[object]] | np.ndarray
    row_numbers: Sequence[int] | np.ndarray | None = None  # default: 1, 2, 3...
    first_column: int = 1  # the partner's column number of the first column (A is 1)
    merged: Sequence[MergedRange] = ()  # as calamine reports them, in grid positions


@dataclass(frozen=True)
class CrosstabReading:
    """What the profile says about reading a crosstab."""

    shape: CrosstabShape
    header_row: int | Literal["auto"]
    label: str | None  # the heading over the row labels, if [columns] names it
    dropped: frozenset[str]  # heading keys of drop_columns: columns never read
    is_force_area: IsForceArea
    name_sheets: bool  # several sheets: messages say which


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
    sheet_month = _sheet_month(sheet.name, place) if shape.months == "sheet name" else None
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
    table = _Table(grid, body, labels_at, columns, place)
    data_rows, total_rows = table.rows(shape, reading.is_force_area)
    counts = table.figures(data_rows, shape.blank_cells)
    cells = _melted(table, data_rows, counts, shape, sheet.name)
    totals, at = _totals(table, data_rows, total_rows, counts, reading.name_sheets)
    where = f'sheet "{sheet.name}"' if sheet.name else file_name
    if sheet_month is not None:
        months = {sheet_month: where}
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
    month = months_of(np.array([name or ""], dtype=object))[0]
    if np.isnat(month):
        raise FileRejected(
            f'{place.where}is not named as a month (e.g. "Jul 2017" or "2017-07"), and the '
            "profile takes months from sheet names; rename it, or set the profile's sheets to "
            '"months" to read only month-named sheets.'
        )
    return month.astype(date)  # type: ignore[no-any-return]


class _Table:
    """The figures below the headings: data columns, Total columns, and their rows."""

    def __init__(
        self, grid: np.ndarray, body: int, labels_at: int, columns: list[Column], place: Place
    ) -> None:
        self.grid, self.body, self.labels_at, self.place = grid, body, labels_at, place
        self.data = [c for c in columns if cell_text(c.outer) and not c.is_total]
        self.totals = [c for c in columns if c.is_total]
        figure_columns = [c.index for c in self.data + self.totals]
        self.cells = grid[body:, figure_columns]
        self.blank = blank_cells(self.cells)
        self.labels = grid[body:, labels_at]
        spacers = [c.index for c in columns if not cell_text(c.outer)]
        filled = (~self.blank).any(axis=1)
        if not filled.any():
            raise FileRejected(f"{place.where}has no figures below its headings.")
        self.last = int(np.flatnonzero(filled)[-1])
        for index in spacers:  # a figure under no heading would be lost
            stray = np.flatnonzero(~blank_cells(grid[body : body + self.last + 1, index]))
            if stray.size:
                raise FileRejected(
                    f"{place.where}cell {place.cell(body + int(stray[0]), index)} has a figure "
                    "under no heading; give its column a heading, or delete it."
                )

    def rows(
        self, shape: CrosstabShape, is_force_area: IsForceArea
    ) -> tuple[np.ndarray, np.ndarray]:
        """Data rows and Total rows (indices below the headings) down to the last figure."""
        filled = (~self.blank[: self.last + 1]).any(axis=1)
        label_blank = blank_cells(self.labels[: self.last + 1])
        stray = np.flatnonzero(label_blank & filled)
        if stray.size:
            row = self.body + int(stray[0])
            what = "force area" if shape.down == "force_area" else "month"
            raise FileRejected(
                f"{self.place.where}row {int(self.place.row_numbers[row])} has figures but no "
                f"{what} in column {self.place.letter(self.labels_at)}; add it, or delete the row."
            )
        totals = np.array([is_total(v) for v in self.labels[: self.last + 1]], dtype=bool)
        data = ~label_blank & ~totals
        # A label over no figures that is no force area (month) is a section heading.
        empty = np.flatnonzero(data & ~filled)
        if empty.size:
            known = (
                np.array([is_force_area(v) for v in self.labels[empty]], dtype=bool)
                if shape.down == "force_area"
                else ~np.isnat(months_of(self.labels[empty]))
            )
            data[empty[~known]] = False
        if not data.any():
            raise FileRejected(f"{self.place.where}has no rows of figures below its headings.")
        return np.flatnonzero(data), np.flatnonzero(totals)

    def figures(self, data_rows: np.ndarray, blanks: str) -> pd.DataFrame:
        """The data cells (rows x data columns), blanks as 0 where the profile allows it."""
        width = len(self.data)
        cells = self.cells[data_rows][:, :width].copy()
        blank = self.blank[data_rows][:, :width]
        if blank.any() and blanks != "zero":
            row, column = (int(i) for i in np.argwhere(blank)[0])
            where = self.place.cell(self.body + int(data_rows[row]), self.data[column].index)
            named = ", ".join([cell_text(self.labels[data_rows[row]]), *self.data[column].name()])
            raise FileRejected(
                f"{self.place.where}cell {where} ({named}) is blank; ask the partner to put 0 "
                'where there were no contacts, or set blank_cells = "zero" in the profile\'s '
                "[crosstab]."
            )
        cells[blank] = 0
        return pd.DataFrame(cells, dtype=object)


def _melted(
    table: _Table,
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


def _totals(
    table: _Table,
    data_rows: np.ndarray,
    total_rows: np.ndarray,
    counts: pd.DataFrame,
    name_sheets: bool,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Each Total cell the partner filled in, beside the sum of the data cells it totals.

    A Total over a cell that is not a whole number is not checked: that cell is reported on its
    own. A blank Total was not sent, so there is nothing to check."""
    parsed, invalid = parse_counts(pd.Series(counts.to_numpy(dtype=object).ravel()))
    shape = (len(data_rows), len(table.data))
    values = parsed.fillna(0).to_numpy(dtype=np.int64).reshape(shape)
    broken = invalid.to_numpy(dtype=bool).reshape(shape)
    width, found = len(table.data), []
    for offset, total in enumerate(table.totals):
        covered = np.array([total.covers(c) for c in table.data], dtype=bool)
        sums, unsure = values[:, covered].sum(axis=1), broken[:, covered].any(axis=1)
        for row, cell_sum, skip in zip(data_rows, sums, np.atleast_1d(unsure), strict=True):
            if not skip:
                label = cell_text(table.labels[row])
                found.append((row, width + offset, [label, *total.name()], cell_sum, "row"))
        if not broken[:, covered].any():
            for row in total_rows:
                found.append((row, width + offset, total.name(), values[:, covered].sum(), "cell"))
    for offset, column in enumerate(table.data):
        if not broken[:, offset].any():
            for row in total_rows:
                found.append((row, offset, column.name(), values[:, offset].sum(), "column"))
    return _total_checks(table, found, len(total_rows), name_sheets)


def _total_checks(
    table: _Table,
    found: list[tuple[int, int, list[str], int, str]],
    total_row_count: int,
    name_sheets: bool,
) -> tuple[pd.DataFrame, np.ndarray]:
    place, checks, rows = table.place, [], []
    for row, offset, names, cell_sum, along in found:
        raw = table.cells[row, offset]
        if blank_cells(np.array([raw], dtype=object))[0]:
            continue
        sent, bad = parse_counts(pd.Series([raw], dtype=object))
        index = (table.data + table.totals)[offset].index
        if bool(bad.iloc[0]):
            raise FileRejected(
                f"{place.where}cell {place.cell(table.body + row, index)} holds the Total "
                f'"{cell_text(raw)}", which is not a whole number; ask the partner to correct it.'
            )
        number = int(place.row_numbers[table.body + row])
        if along == "row" and len(table.totals) == 1:
            position = f"row {number}"
        elif along == "column" and total_row_count == 1:
            position = f"column {place.letter(index)}"
        else:
            position = f"cell {place.letter(index)}{number}"
        if name_sheets and place.sheet:
            position += f' of sheet "{place.sheet}"'
        what = f"Total for {', '.join(names)}" if names else "Grand total"
        message = f"{what}, {position}: {int(sent.iloc[0]):,} sent, cells add up to {cell_sum:,}"
        checks.append((int(sent.iloc[0]), int(cell_sum), message))
        rows.append(number)
    frame = pd.DataFrame(checks, columns=list(TOTAL_COLUMNS))
    frame = frame.astype({"sent": "int64", "cells_add_up_to": "int64", "message": object})
    return frame, np.array(rows, dtype=np.int64)
