"""A crosstab's headings: which row holds them, where the row labels are, and what each column
across holds (a month, force area or channel; a Total; or nothing to read).

Pure functions over one sheet's cell grid (a 2-D object array, '' or None for a blank cell).
Cells are named as the partner sees them: sheet, row number and column letter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected
from flows.intake.cell_parsing import parse_months
from flows.intake.crosstab.regions import subtotal_of
from flows.intake.force_names import visible
from flows.intake.profiles import CrosstabShape
from flows.intake.reading.column_building import blank_cells
from flows.intake.reading.header_tables import (
    HEADER_SEARCH_ROWS,
    cell_text,
    find_header,
    heading_key,
    is_total_label,
)

# Excel serial numbers of 1 Jan 1990 and 1 Jan 2100: a number in a heading row outside these is
# a count or a year, not a month typed as a date.
_FIRST_SERIAL, _LAST_SERIAL = 32874, 73051
_ACROSS_NAMES = {"month": "month", "force_area": "police force area", "category": "heading"}


def is_total(value: object) -> bool:
    """The same Total labels a long table ends at: "Total", "Totals:", "Grand total"."""
    return isinstance(value, str) and is_total_label(value)


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based column (0 -> A, 26 -> AA)."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True)
class Place:
    """Where a sheet is, for messages: `file: sheet "Jul 2017" ` (or `file: ` for a CSV)."""

    file_name: str
    sheet: str | None
    row_numbers: np.ndarray  # the partner's row number of each grid row
    first_column: int = 1  # the partner's column number of the grid's first column

    @property
    def where(self) -> str:
        return f'{self.file_name}: sheet "{self.sheet}" ' if self.sheet else f"{self.file_name}: "

    def letter(self, column: int) -> str:
        return column_letter(column + self.first_column - 1)

    def cell(self, row: int, column: int) -> str:
        return f"{self.letter(column)}{int(self.row_numbers[row])}"


@dataclass(frozen=True)
class HeadingColumn:
    """One column right of the row labels, as its heading cells read."""

    index: int
    outer: object  # the top heading (a merged cell's value repeated), or '' for none
    inner: object  # the second heading row's cell, or '' with one heading row
    month: date | None = None  # the outer heading read as a month, when months are across
    subtotal: str | None = None  # a region's name, when force areas are across: checked only

    @property
    def outer_total(self) -> bool:
        return is_total(self.outer)

    @property
    def inner_total(self) -> bool:
        return is_total(self.inner)

    @property
    def is_total(self) -> bool:
        return self.outer_total or self.inner_total

    def key(self) -> tuple[str, str]:
        outer = self.month.isoformat() if self.month else heading_key(self.outer)
        return outer, heading_key(self.inner)

    def covers(self, other: HeadingColumn) -> bool:
        """Whether this Total column totals the data column `other`."""
        same_outer = self.outer_total or self.key()[0] == other.key()[0]
        same_inner = self.inner_total or not self.key()[1] or self.key()[1] == other.key()[1]
        return same_outer and same_inner

    def name(self) -> list[str]:
        """The headings naming this column in a message, Totals left out."""
        return [cell_text(h) for h in (self.outer, self.inner) if cell_text(h) and not is_total(h)]


# Whether a cell names a police force area: the caller supplies it, as it needs the reference
# data and the profile's own spellings.
IsForceArea = Callable[[object], bool]


def months_of(cells: np.ndarray) -> np.ndarray:
    """Each cell read as a month (datetime64[D], NaT where it is not one): month text, dates,
    and numbers that are Excel dates from 1990 to 2099."""
    values = pd.Series(cells, dtype=object)
    implausible = np.array(
        [
            isinstance(v, int | float)
            and not isinstance(v, bool)
            and not _FIRST_SERIAL <= v < _LAST_SERIAL
            for v in cells
        ],
        dtype=bool,
    )
    months, _ = parse_months(values.where(~(blank_cells(cells) | implausible), None))
    read: np.ndarray = np.asarray(months.to_numpy(), dtype="datetime64[D]")
    return read


def _heading_like(row: np.ndarray, across: str, is_force_area: IsForceArea) -> np.ndarray:
    if across == "month":
        months: np.ndarray = ~np.isnat(months_of(row))
        return months
    if across == "force_area":
        return np.array([is_force_area(v) for v in row], dtype=bool)
    return ~blank_cells(row)


def find_heading_row(
    grid: np.ndarray,
    shape: CrosstabShape,
    header_row: int | str,
    label: str | None,
    is_force_area: IsForceArea,
    place: Place,
) -> tuple[int, int | None]:
    """The heading row's index, and the row labels' column when [columns] names its heading."""
    if isinstance(header_row, int):
        if header_row > len(grid):
            raise FileRejected(
                f"{place.where}has {len(grid)} rows, so no heading row {header_row}; fix the "
                "profile's header_row."
            )
        index = header_row - 1
        if label is None:
            return index, None
        found = [i for i, cell in enumerate(grid[index]) if heading_key(cell) == heading_key(label)]
        if not found:
            raise FileRejected(
                f'{place.where}row {header_row} has no heading "{label}"; fix the heading or the '
                "profile's [columns]."
            )
        return index, found[0]
    rows = list(grid[:HEADER_SEARCH_ROWS])
    if label is not None:
        key = heading_key(label)
        index = find_header(rows, lambda row: any(heading_key(c) == key for c in row), True)
        if index >= 0:
            return index, next(i for i, c in enumerate(grid[index]) if heading_key(c) == key)
    else:
        index = find_header(
            rows, lambda row: int(_heading_like(row, shape.across, is_force_area).sum()), 2
        )
        if index >= 0:
            return index, None
    wanted = f'the heading "{label}"' if label else f"two {_ACROSS_NAMES[shape.across]} headings"
    raise FileRejected(
        f"{place.where}has no row with {wanted} in its first {HEADER_SEARCH_ROWS} rows; set the "
        "profile's header_row to the row of its headings."
    )


def label_column(
    grid: np.ndarray, top: int, shape: CrosstabShape, is_force_area: IsForceArea, place: Place
) -> int:
    """The row labels' column: just left of the first month (or force area) heading; with
    channels (or one count column) across, the first column holding anything."""
    if shape.across == "category":
        filled = ~blank_cells(grid[top:])
        return int(np.flatnonzero(filled.any(axis=0))[0])
    first = np.flatnonzero(_heading_like(grid[top], shape.across, is_force_area))
    if not first.size or first[0] == 0:
        what = _ACROSS_NAMES[shape.across]
        raise FileRejected(
            f"{place.where}row {int(place.row_numbers[top])} has no column of labels left of its "
            f"first {what} heading; name the labels' heading in the profile's [columns]."
        )
    return int(first[0]) - 1


def across_columns(
    grid: np.ndarray,
    top: int,
    labels_at: int,
    shape: CrosstabShape,
    dropped: frozenset[str],
    is_force_area: IsForceArea,
    place: Place,
) -> list[HeadingColumn]:
    """Every column right of the row labels, its headings read; dropped headings left out.

    calamine does not report merged cells: a month merged over `Phone | Chat | Email` reads as
    the month over the first sub-heading and blanks over the others, so under a two-row heading
    a blank top cell over a sub-heading repeats the heading to its left.
    """
    two_rows = shape.two_heading_rows
    inner_row = grid[top + 1] if two_rows and top + 1 < len(grid) else None
    columns: list[HeadingColumn] = []
    carried: object = ""
    for index in range(labels_at + 1, grid.shape[1]):
        outer, inner = grid[top, index], (inner_row[index] if inner_row is not None else "")
        outer_blank, inner_blank = not cell_text(outer), not cell_text(inner)
        if two_rows and outer_blank and not inner_blank:
            if not cell_text(carried):
                raise FileRejected(
                    f'{place.where}cell {place.cell(top + 1, index)} ("{cell_text(inner)}") has no '
                    f"{_ACROSS_NAMES[shape.across]} heading above it or to its left; fix the "
                    "headings or the profile's [crosstab]."
                )
            outer, outer_blank = carried, False
        elif not outer_blank:
            carried = outer
        if {heading_key(outer), heading_key(inner)} & dropped:
            continue
        column = HeadingColumn(
            index, outer if not outer_blank else "", inner if not inner_blank else ""
        )
        if outer_blank or column.outer_total:
            columns.append(column)
            continue
        if two_rows and inner_blank:
            what = "caller type" if shape.categories == "caller_type" else "channel"
            raise FileRejected(
                f'{place.where}cell {place.cell(top + 1, index)} under "{cell_text(outer)}" has no '
                f"{what} heading; fix the headings, or list the column under drop_columns."
            )
        columns.append(_checked(column, top, shape, is_force_area, place))
    return _without_repeats(columns, top, shape, place)


def _checked(
    column: HeadingColumn, top: int, shape: CrosstabShape, is_force_area: IsForceArea, place: Place
) -> HeadingColumn:
    """The column with its month read, or why its heading cannot be read."""
    shown = visible(cell_text(column.outer))  # an invisible character made visible
    where = f'{place.where}heading "{shown}" (cell {place.cell(top, column.index)})'
    if shape.across == "month":
        month = months_of(np.array([column.outer], dtype=object))[0]
        if np.isnat(month):
            raise FileRejected(
                f"{where} is not a month (write months like Jul-17, July 2017 or 2017-07); fix "
                "it, or list it under drop_columns in the profile if it is not data."
            )
        return HeadingColumn(column.index, column.outer, column.inner, month.astype(date))
    if shape.across == "force_area" and not is_force_area(column.outer):
        if (region := subtotal_of(column.outer)) is not None:  # checked, never loaded
            return HeadingColumn(column.index, column.outer, column.inner, subtotal=region[0])
        raise FileRejected(
            f"{where} is not a police force area of England and Wales; add the spelling under "
            "[values.force_area] in the profile, or list it under drop_columns if it is not data."
        )
    return column


def _without_repeats(
    columns: list[HeadingColumn], top: int, shape: CrosstabShape, place: Place
) -> list[HeadingColumn]:
    seen: dict[tuple[str, str], HeadingColumn] = {}
    for column in columns:
        if not cell_text(column.outer) or column.is_total:
            continue
        earlier = seen.setdefault(column.key(), column)
        if earlier is not column:
            raise FileRejected(
                f'{place.where}has the heading "{" ".join(column.name())}" twice (cells '
                f"{place.cell(top, earlier.index)} and {place.cell(top, column.index)}); send each "
                "figure once."
            )
    data = [c for c in columns if cell_text(c.outer) and not c.is_total and not c.subtotal]
    if not data:
        raise FileRejected(f"{place.where}has no columns of figures right of its row labels.")
    if shape.across == "category" and shape.categories is None and len(data) > 1:
        raise FileRejected(
            f"{place.where}has {len(data)} columns of figures ("
            + ", ".join(f'"{cell_text(c.outer)}"' for c in data)
            + '); with months = "sheet name" a sheet holds one column of counts unless the '
            "profile's [crosstab] sets categories."
        )
    return columns
