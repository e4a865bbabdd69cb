"""The figures below a crosstab's headings: which rows hold data and which hold Totals, the
data cells (blanks read as the profile says), and each Total the partner filled in beside the
sum of the cells it totals.

Pure functions over one sheet's cell grid; cells are named as the partner sees them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected
from flows.intake.cell_parsing import parse_counts
from flows.intake.crosstab.headings import (
    HeadingColumn,
    IsForceArea,
    Place,
    is_total,
    months_of,
)
from flows.intake.crosstab.regions import subtotal_of
from flows.intake.profiles import CrosstabShape
from flows.intake.reading.column_building import blank_cells
from flows.intake.reading.header_tables import cell_text

TOTAL_COLUMNS = ("sent", "cells_add_up_to", "message")


class FigureTable:
    """The figures below the headings: data columns, Total columns, and their rows."""

    def __init__(
        self,
        grid: np.ndarray,
        body: int,
        labels_at: int,
        columns: list[HeadingColumn],
        place: Place,
    ) -> None:
        self.grid, self.body, self.labels_at, self.place = grid, body, labels_at, place
        self.data = [c for c in columns if cell_text(c.outer) and not c.is_total and not c.subtotal]
        self.totals = [c for c in columns if c.is_total]
        self.subtotals = [c for c in columns if c.subtotal]  # regions' columns: checked only
        figure_columns = [c.index for c in self.data + self.totals + self.subtotals]
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
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Data rows, Total rows and region subtotal rows (indices below the headings) down to
        the last figure."""
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
        labels = self.labels[: self.last + 1]
        subtotals = np.zeros(len(labels), bool)
        if shape.down == "force_area":  # a force area's own name wins over a region's
            subtotals = np.array(
                [subtotal_of(v) is not None and not is_force_area(v) for v in labels], dtype=bool
            )
        totals = np.array([is_total(v) for v in labels], dtype=bool) & ~subtotals
        data = ~label_blank & ~totals & ~subtotals
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
        return np.flatnonzero(data), np.flatnonzero(totals), np.flatnonzero(subtotals & filled)

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


# Whether a data column (a force area's) belongs to a region's subtotal column.
RegionOfColumn = Callable[[HeadingColumn, HeadingColumn], bool]


@dataclass(frozen=True)
class Subtotal:
    """A region's row: its index below the headings, its name, and which data rows (of those
    melted, in order) are its forces."""

    row: int
    name: str
    members: np.ndarray  # bool per data row


def total_checks(
    table: FigureTable,
    data_rows: np.ndarray,
    total_rows: np.ndarray,
    counts: pd.DataFrame,
    name_sheets: bool,
    subtotals: tuple[Subtotal, ...] = (),
    regions: RegionOfColumn = lambda _region, _column: False,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Each Total cell the partner filled in, beside the sum of the data cells it totals; each
    region subtotal beside the sum of its forces' cells.

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
    found += _subtotal_sums(table, subtotals, values, broken)
    found += _subtotal_column_sums(table, data_rows, total_rows, values, broken, regions)
    return _checks(table, found, len(total_rows), name_sheets)


def _subtotal_column_sums(
    table: FigureTable,
    data_rows: np.ndarray,
    total_rows: np.ndarray,
    values: np.ndarray,
    broken: np.ndarray,
    regions: RegionOfColumn,
) -> list[tuple[int, int, list[str], int, str]]:
    """Each region column's cells (force areas across) beside the sums of its forces' columns,
    on every data row and every Total row."""
    found: list[tuple[int, int, list[str], int, str]] = []
    first = len(table.data) + len(table.totals)
    for offset, column in enumerate(table.subtotals):
        members = np.array([regions(column, c) for c in table.data], dtype=bool)
        sums, unsure = values[:, members].sum(axis=1), broken[:, members].any(axis=1)
        for row, cell_sum, skip in zip(data_rows, sums, np.atleast_1d(unsure), strict=True):
            if not skip:
                names = [str(column.subtotal), cell_text(table.labels[row])]
                found.append((row, first + offset, names, int(cell_sum), "sub"))
        if not unsure.any():
            for row in total_rows:
                names = [str(column.subtotal)]
                found.append((row, first + offset, names, int(sums.sum()), "sub"))
    return found


def _subtotal_sums(
    table: FigureTable, subtotals: tuple[Subtotal, ...], values: np.ndarray, broken: np.ndarray
) -> list[tuple[int, int, list[str], int, str]]:
    """Each region row's cells (data and Total columns) beside the sums of its forces."""
    found: list[tuple[int, int, list[str], int, str]] = []
    width = len(table.data)
    for subtotal in subtotals:
        mine, unsure = values[subtotal.members], broken[subtotal.members]
        for offset, column in enumerate(table.data):
            if not unsure[:, offset].any():
                sums = int(mine[:, offset].sum())
                found.append((subtotal.row, offset, [subtotal.name, *column.name()], sums, "sub"))
        for offset, total in enumerate(table.totals):
            covered = np.array([total.covers(c) for c in table.data], dtype=bool)
            if not unsure[:, covered].any():
                sums = int(mine[:, covered].sum())
                names = [subtotal.name, *total.name()]
                found.append((subtotal.row, width + offset, names, sums, "sub"))
    return found


def _checks(
    table: FigureTable,
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
        index = (table.data + table.totals + table.subtotals)[offset].index
        if bool(bad.iloc[0]):
            raise FileRejected(
                f"{place.where}cell {place.cell(table.body + row, index)} holds the Total "
                f'"{cell_text(raw)}", which is not a whole number; ask the partner to correct it.'
            )
        number = int(place.row_numbers[table.body + row])
        what = f"Total for {', '.join(names)}" if names else "Grand total"
        if along == "sub":  # named by its row, as the partner finds a region's row
            what = f"Subtotal for {', '.join(names)}"
            position = f"row {number} (cell {place.letter(index)}{number})"
        elif along == "row" and len(table.totals) == 1:
            position = f"row {number}"
        elif along == "column" and total_row_count == 1:
            position = f"column {place.letter(index)}"
        else:
            position = f"cell {place.letter(index)}{number}"
        if name_sheets and place.sheet:
            position += f' of sheet "{place.sheet}"'
        message = f"{what}, {position}: {int(sent.iloc[0]):,} sent, cells add up to {cell_sum:,}"
        checks.append((int(sent.iloc[0]), int(cell_sum), message))
        rows.append(number)
    frame = pd.DataFrame(checks, columns=list(TOTAL_COLUMNS))
    frame = frame.astype({"sent": "int64", "cells_add_up_to": "int64", "message": object})
    return frame, np.array(rows, dtype=np.int64)
