"""From a grid of cells to the partner's table: the header row, the wanted columns, and the
data rows between the headings and a "Total" row or the notes under the table.

Both spreadsheets and CSV files arrive here as an object array of cells under the header row;
whole-array steps drop blank rows, a trailing "Total" row and notes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected

HEADER_SEARCH_ROWS = 50
# "Total", "Totals:", "Grand total", "TOTAL contacts"; not a reference such as "TOTAL-0001".
_TOTAL_LABEL = re.compile(r"\s*(?:grand\s+)?totals?(?![\w-])", re.IGNORECASE)
HeaderRow = int | Literal["auto"]
Rows = Sequence[Sequence[object]]


@dataclass(frozen=True)
class RawTable:
    frame: pd.DataFrame  # one object column per wanted heading (keyed by the profile's text)
    row_numbers: np.ndarray  # int64: each row's number in the partner's own file
    sheet: str | None  # None for csv
    header_row: int  # 1-based
    headings: list[str]  # every heading in the header row, for messages and personal-data checks


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # calamine gives a heading typed as 2017 as 2017.0
    return str(value)


def heading_key(value: object) -> str:
    """Case- and spacing-insensitive form of a heading ("Date of  Contact" == "date of contact")."""
    return " ".join(_cell_text(value).split()).casefold()


def _headings(row: Sequence[object]) -> list[str]:
    return [" ".join(_cell_text(c).split()) for c in row if _cell_text(c).strip()]


def find_header_row(rows: Rows, wanted: Sequence[str]) -> int:
    """0-based index of the first of the first 50 rows holding every wanted heading; -1 if none."""
    keys = {heading_key(w) for w in wanted}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if keys <= {heading_key(cell) for cell in row}:
            return index
    return -1


def _missing(name: str, where: str, row: Sequence[object], wanted: Sequence[str]) -> FileRejected:
    present = {heading_key(c) for c in row}
    missing = ", ".join(f'"{w}"' for w in wanted if heading_key(w) not in present)
    plural = "columns" if missing.count('", "') else "column"
    return FileRejected(
        f"{name}: {where}has no {plural} {missing} (headings found: "
        f"{', '.join(_headings(row)) or 'none'}). Fix the heading or the profile's [columns]."
    )


def locate_columns(
    name: str, where: str, rows: Rows, wanted: Sequence[str], header: HeaderRow
) -> tuple[int, list[int]]:
    """The header row's index and each wanted heading's column, or why there are none."""
    if header == "auto":
        index = find_header_row(rows, wanted)
        if index < 0:  # show the row that came closest, so the partner sees the near miss
            keys, searched = {heading_key(w) for w in wanted}, rows[:HEADER_SEARCH_ROWS]
            score = [(len(keys & {heading_key(c) for c in r}), len(_headings(r))) for r in searched]
            best = max(range(len(searched)), key=lambda i: (score[i], -i))
            raise _missing(name, where, searched[best], wanted)
    else:
        index, where = header - 1, f"{where}row {header} "
        if not 0 <= index < len(rows) or find_header_row([rows[index]], wanted) != 0:
            raise _missing(name, where, rows[index] if 0 <= index < len(rows) else [], wanted)
    found = [heading_key(cell) for cell in rows[index]]
    positions = []
    for heading in wanted:
        matches = [i for i, key in enumerate(found) if key == heading_key(heading)]
        if len(matches) > 1:
            raise FileRejected(
                f'{name}: {where}has the heading "{heading}" {len(matches)} times; '
                "rename the extra columns so each heading is unique."
            )
        positions.append(matches[0])
    return index, positions


def _is_total_label(value: object) -> bool:
    return (
        value.__class__ is str
        and value[:1] in "tTgG \t"  # the first letter rules out nearly every cell cheaply
        and _TOTAL_LABEL.match(value) is not None
    )


_total_labels = np.frompyfunc(_is_total_label, 1, 1)


def table_below_header(
    where: tuple[str, str],
    grid: np.ndarray,
    blank: np.ndarray,
    wanted: Sequence[str],
    positions: list[int],
    header: tuple[int, Sequence[object]],
    sheet: str | None,
) -> RawTable:
    """The wanted cells of the data rows (blanks as None) and their rows in the partner's file.

    `grid` holds the cells below the header, columns 0 to the last wanted one, so a "Total"
    label in a helper column on the left still ends the table; `blank` marks its empty cells.
    """
    (name, place), first = where, header[0] + 1
    filled = ~blank
    first_cells = grid[np.arange(len(grid)), filled.argmax(axis=1)]
    totals = np.flatnonzero(filled.any(axis=1) & _total_labels(first_cells).astype(bool))
    end = int(totals[0]) if totals.size else len(grid)
    # Everything after the total is dropped, so complete rows there mean data would be lost.
    lost = np.flatnonzero(filled[end:][:, positions].all(axis=1))
    if lost.size:
        raise FileRejected(
            f'{name}: {place}has data below its "Total" row (row {first + end}), e.g. row '
            f"{first + end + int(lost[0])}; delete the total row or move it to the end."
        )
    cropped, cropped_blank = grid[:end][:, positions], blank[:end][:, positions]
    # Notes: below the last row with two or more wanted cells, from the first blank row on.
    filled_counts = (~cropped_blank).sum(axis=1)
    dense = np.flatnonzero(filled_counts > 1)
    after = int(dense[-1]) + 1 if dense.size else end
    gaps = np.flatnonzero(filled_counts[after:] == 0)
    end = after + int(gaps[0]) if gaps.size else end
    kept = np.flatnonzero(filled_counts[:end] > 0)
    if not kept.size:
        raise FileRejected(f"{name}: {place}has no data rows below the headings.")
    # With no blank rows (the usual case) a slice avoids copying a million rows again.
    rows = slice(0, end) if len(kept) == end else kept
    cells = cropped[rows]
    cells[cropped_blank[rows]] = None
    columns = pd.Index(list(wanted), dtype=object)
    frame = pd.DataFrame(cells, columns=columns, dtype=object, copy=False)
    numbers = (first + kept).astype(np.int64)
    return RawTable(frame, numbers, sheet, header[0], _headings(header[1]))
