"""From a grid of cells to the partner's table: the header row, the wanted columns, and the
data rows between the headings and a "Total" row or the notes under the table.

Spreadsheets and CSV files both arrive as a grid (CellGrid) of the cells under the header row;
whole-array steps drop blank rows, a trailing "Total" row and notes. Runs in the reading child:
numpy and the standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

import numpy as np

from flows.core.errors import ConfigurationError, FileRejected
from flows.core.safe_text import clean_text
from flows.intake.reading.cell_columns import CellColumn, CellTable

if TYPE_CHECKING:
    import pandas as pd

HEADER_SEARCH_ROWS = 50
SHOWN_CHARACTERS = 300  # at most this much partner text goes into a message or the ledger
SHOWN_HEADING = 60
# "Total", "Totals:", "Grand total", "TOTAL contacts"; not a reference such as "TOTAL-0001".
TOTAL_LABEL = re.compile(r"\s*(?:grand\s+)?totals?(?![\w-])", re.IGNORECASE)
HeaderRow = int | Literal["auto"]
Rows = Sequence[Sequence[object]]
Row = TypeVar("Row")


@dataclass(frozen=True)
class RawTable:
    """A table held as a pandas frame of Python values, one object column per heading: what a
    layout that builds its rows itself (a crosstab melted into counts rows) hands to normalise,
    which turns it into a CellTable."""

    frame: pd.DataFrame
    row_numbers: np.ndarray  # int64: each row's number in the partner's own file
    sheet: str | None
    header_row: int
    headings: list[str]


class CellGrid(Protocol):
    """The cells under the header row, columns 0 to the last wanted one, in some storage."""

    @property
    def blank(self) -> np.ndarray: ...  # bool, rows x columns

    @property
    def totals(self) -> np.ndarray:
        """bool per row: its first non-blank cell reads as a "Total" label."""
        ...

    def column(self, position: int, rows: np.ndarray | slice) -> CellColumn: ...


def shorten(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """Partner text made safe and cut to `limit` characters (an ellipsis shows the cut)."""
    text = clean_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_text(value: object, cut: int | None = None) -> str:
    """A cell as a person reads it in a heading or a message, the one way every layout shows one:
    "" when blank (None, NaN), 2017.0 as 2017 (calamine gives a heading typed as 2017 as 2017.0),
    the first of a month at midnight as that month ("Jul 2017", how a month heading reads) and
    any other date or time in ISO order, white space collapsed. With `cut`, text is cut to that
    many characters before it is collapsed, so a 32,767-character cell in every column costs no
    more than a short one."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    midnight = not isinstance(value, datetime) or value.time() == time.min
    if isinstance(value, date) and value.day == 1 and midnight:
        return value.strftime("%b %Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return " ".join((text if cut is None else text[:cut]).split())


def find_header(rows: Sequence[Row], score: Callable[[Row], Any], enough: Any = None) -> int:
    """Where a table's headings are: the one header-row search of every layout and of drafting
    a profile, over the first HEADER_SEARCH_ROWS rows. With `enough`, the first row scoring at
    least that (-1 when none does); without, the row scoring highest, the earliest of equals
    (-1 when there are no rows)."""
    searched = rows[:HEADER_SEARCH_ROWS]
    if enough is not None:
        return next((i for i, row in enumerate(searched) if score(row) >= enough), -1)
    if not searched:
        return -1
    scores = [score(row) for row in searched]
    return max(range(len(searched)), key=lambda i: (scores[i], -i))


def heading_key(value: object, longest: int | None = None) -> str:
    """Case- and spacing-insensitive form of a heading ("Date of  Contact" == "date of contact").

    With `longest`, text far longer than any wanted heading is cut first: it cannot match one,
    and a 32,767-character cell in every column must not cost seconds to compare.
    """
    return cell_text(value, None if longest is None else 4 * longest + 256).casefold()


def headings_of(row: Sequence[object], limit: int = SHOWN_CHARACTERS) -> list[str]:
    """The non-blank headings of a row, cleaned and each cut to `limit` characters."""
    return numbered_headings(row, limit=limit)[0]


def numbered_headings(
    row: Sequence[object], first_column: int = 1, limit: int = SHOWN_CHARACTERS
) -> tuple[list[str], tuple[int, ...]]:
    """headings_of the row, and each one's column number in the sheet (row[0] being in
    first_column)."""
    texts = ((number, cell_text(cell, 4 * limit)) for number, cell in enumerate(row, first_column))
    found = [(number, shorten(text, limit)) for number, text in texts if text]
    return [text for _, text in found], tuple(number for number, _ in found)


def _shown_headings(row: Sequence[object]) -> str:
    return shorten(", ".join(headings_of(row[:1000], SHOWN_HEADING)) or "none")


def _filled(row: Sequence[object]) -> int:
    return sum(1 for cell in row if cell_text(cell, SHOWN_CHARACTERS))


def find_header_row(rows: Rows, wanted: Sequence[str]) -> int:
    """0-based index of the first of the first 50 rows holding every wanted heading; -1 if none."""
    longest = max((len(w) for w in wanted), default=0)
    keys = {heading_key(w) for w in wanted}
    return find_header(rows, lambda row: keys <= {heading_key(c, longest) for c in row}, True)


def _missing(
    name: str, where: str, row: Sequence[object], wanted: Sequence[str], searched: bool
) -> FileRejected:
    present = {heading_key(c, max(map(len, wanted))) for c in row}
    missing = ", ".join(
        f'"{shorten(w, SHOWN_HEADING)}"' for w in wanted if heading_key(w) not in present
    )
    plural = "columns" if missing.count('", "') else "column"
    within = f" in its first {HEADER_SEARCH_ROWS} rows" if searched else ""
    hint = ", or set the profile's header_row if the headings are further down" if searched else ""
    return FileRejected(
        f"{name}: {where}has no {plural} {missing}{within} (headings found: "
        f"{_shown_headings(row)}). Fix the heading or the profile's [columns]{hint}."
    )


def locate_columns(
    name: str,
    where: str,
    rows: Rows,
    wanted: Sequence[str],
    header: HeaderRow,
    *,
    first_row: int = 1,
    total_rows: int | None = None,
    profile_id: str = "",
) -> tuple[int, list[int]]:
    """The header row's index in `rows` and each wanted heading's column, or why there are none.

    `first_row` is the row number of rows[0] and `total_rows` the sheet's last row number, so
    a header_row the file does not reach is reported as the profile's mistake.
    """
    longest = max((len(w) for w in wanted), default=0)
    if header == "auto":
        index = find_header_row(rows, wanted)
        if index < 0:  # show the row that came closest, so the partner sees the near miss
            keys = {heading_key(w) for w in wanted}
            best = find_header(
                rows, lambda r: (len(keys & {heading_key(c, longest) for c in r}), _filled(r))
            )
            raise _missing(name, where, rows[best] if best >= 0 else [], wanted, searched=True)
    else:
        index, last = header - first_row, total_rows if total_rows is not None else len(rows)
        if header > last:
            profile = f"Partner profile {profile_id}.toml" if profile_id else "The partner profile"
            raise ConfigurationError(
                f"{profile} says the headings are on row {header} (header_row), but {name}: "
                f"{where}ends at row {last}; set header_row to the headings' row, or to "
                '"auto" to find them.'
            )
        where = f"{where}row {header} "
        row = rows[index] if 0 <= index < len(rows) else []
        if find_header_row([row], wanted) != 0:
            raise _missing(name, where, row, wanted, searched=False)
    found = [heading_key(cell, longest) for cell in rows[index]]
    positions = []
    for heading in wanted:
        matches = [i for i, key in enumerate(found) if key == heading_key(heading)]
        if len(matches) > 1:
            raise FileRejected(
                f'{name}: {where}has the heading "{shorten(heading, SHOWN_HEADING)}" '
                f"{len(matches)} times; rename the extra columns so each heading is unique."
            )
        positions.append(matches[0])
    return index, positions


def is_total_label(text: str) -> bool:
    return TOTAL_LABEL.match(text) is not None


def first_filled(blank: np.ndarray) -> np.ndarray:
    """Each row's first non-blank column (0 for a blank row: check blank rows apart)."""
    return np.asarray((~blank).argmax(axis=1))


def table_below_header(
    where: tuple[str, str],
    grid: CellGrid,
    wanted: Sequence[str],
    positions: list[int],
    header: tuple[int, Sequence[object]],
    sheet: str | None,
    first_column: int = 1,
) -> CellTable:
    """The wanted cells of the data rows and their row numbers in the partner's file.

    `grid` holds the cells below the header, columns 0 to the last wanted one, so a "Total"
    label in a helper column on the left still ends the table. `header` is the header row's
    number (1-based) and its cells; `first_column` is the sheet column (1-based) of the grid's
    column 0 and of the header's first cell.
    """
    (name, place), first = where, header[0] + 1
    filled = ~grid.blank
    totals = np.flatnonzero(grid.totals)
    end = int(totals[0]) if totals.size else len(filled)
    # Everything after the total is dropped, so complete rows there mean data would be lost.
    lost = np.flatnonzero(filled[end:][:, positions].all(axis=1))
    if lost.size:
        raise FileRejected(
            f'{name}: {place}has data below its "Total" row (row {first + end}), e.g. row '
            f"{first + end + int(lost[0])}; delete the total row or move it to the end."
        )
    # Notes: below the last row with two or more wanted cells, from the first blank row on.
    filled_counts = filled[:end][:, positions].sum(axis=1)
    dense = np.flatnonzero(filled_counts > 1)
    after = int(dense[-1]) + 1 if dense.size else end
    gaps = np.flatnonzero(filled_counts[after:] == 0)
    end = after + int(gaps[0]) if gaps.size else end
    kept = np.flatnonzero(filled_counts[:end] > 0)
    if not kept.size:
        raise FileRejected(f"{name}: {place}has no data rows below the headings.")
    # With no blank rows (the usual case) a slice keeps the columns' buffers as they are.
    rows = slice(0, end) if len(kept) == end else kept
    # on two threads: a CSV's columns are built by pyarrow's kernels, which release the
    # interpreter (flows.intake.reading.csv_tables); every grid's column() only reads
    with ThreadPoolExecutor(2, thread_name_prefix="columns") as pool:
        built = pool.map(lambda position: grid.column(position, rows), positions)
        columns = dict(zip(wanted, built, strict=True))
    numbers = (first + kept).astype(np.int64)
    headings, heading_numbers = numbered_headings(header[1], first_column)
    at = {heading: first_column + p for heading, p in zip(wanted, positions, strict=True)}
    return CellTable(columns, numbers, sheet, header[0], headings, at, heading_numbers)
