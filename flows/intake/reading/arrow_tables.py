"""A workbook sheet's table read into Arrow by fastexcel: the fast way to a CellTable.

calamine inside fastexcel parses the sheet and hands back Arrow columns, with no Python object
per cell. The table below the sheet's first used row is read with each column typed by every
one of its cells (`dtype_coercion="strict"` over all rows, so a column mixing numbers and text
is refused, never coerced), and named by that row's cells. When an xlsx sheet's XML shows the
headings there (the usual sheet), that one parse is the read. Otherwise two reads of the sheet
run at once on two threads (fastexcel releases the interpreter while it parses): the first rows
as text, from row 1, for the header search, and the typed table; when the headings are on the
first used row the typed read is the table, otherwise the table under them is read again.

This path answers only when the file is plain: every column the table spans holds one kind of
value (text, numbers, dates or booleans), the header row holds no dates or booleans (they read
differently as text), and the two reads agree on where the sheet starts and ends. Anything else
returns None and calamine's cell-by-cell reader (flows.intake.reading.sheet_tables) reads the
file, with its own messages for whatever is wrong. The columns this builds are the ones that
reader builds from the same cells (a test compares the two on every messy-file fixture).

Runs in the reading child: fastexcel, pyarrow, numpy and the standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from flows.intake.reading.cell_columns import (
    BLANK,
    DATE,
    NUMBER,
    OTHER,
    TEXT,
    CellColumn,
    CellTable,
)
from flows.intake.reading.column_building import utf8_with_offsets
from flows.intake.reading.header_tables import (
    HeaderRow,
    find_header_row,
    first_filled,
    is_total_label,
    locate_columns,
    shorten,
    table_below_header,
)
from flows.intake.reading.panics import is_panic
from flows.intake.reading.size_guards import FirstRow, SizeLimits, check_extent

# What a date, a boolean or a duration heading reads as in fastexcel's text (.xlsx and .ods
# spellings): calamine's reader shows them otherwise ("Jul 2017", "True"), so such a header
# row is left to it.
_TEXT_OF_TYPED_CELL = re.compile(
    r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?|true|false|-?P[\dT][\dHMS.T]*"
)
# The first byte of every character str.isspace accepts, and of "t", "T", "g" and "G": a
# string starting with none of them is neither blank nor a "Total" label.
_SPACE_LEADS = np.frombuffer(b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \xc2\xe1\xe2\xe3", np.uint8)
_TOTAL_LEADS = np.concatenate([_SPACE_LEADS, np.frombuffer(b"tTgG", np.uint8)])
_SECONDS_PER_DAY = 86_400
# Excel's first day (serial 1); fastexcel gives a serial below it as a moment of 30 or 31
# December 1899, where calamine's cell-by-cell reader gives a time of day.
_FIRST_DAY = np.datetime64("1900-01-01T00:00:00", "s")
_UNNAMED = re.compile(r"__UNNAMED__\d+")  # fastexcel's name for a column it could not name
_RENAMED = re.compile(r"(.*)_\d+", re.S)  # and for a repeated heading, "x_1"


@dataclass(frozen=True)
class LabelCells:
    """The cells of a text column that could be "Total" labels: their rows and text."""

    rows: np.ndarray
    texts: list[str]


Built = tuple[CellColumn, LabelCells | None]


class TypedGrid:
    """The CellGrid (flows.intake.reading.header_tables) of a typed Arrow table."""

    def __init__(self, built: list[Built]) -> None:
        self._columns = [column for column, _ in built]
        self.blank = np.column_stack([column.kinds == BLANK for column in self._columns])
        self.totals = _total_rows([labels for _, labels in built], self.blank)

    def column(self, position: int, rows: np.ndarray | slice) -> CellColumn:
        return self._columns[position].take(rows)


def read_typed_table(
    path: Path,
    sheet: str,
    wanted: Sequence[str],
    header: HeaderRow,
    needed: int,
    limits: SizeLimits,
    profile_id: str = "",
    first: FirstRow | None = None,
) -> CellTable | None:
    """The partner's table, or None when calamine's reader must read this file. `first` (an
    xlsx sheet's first row holding a value) lets a sheet whose headings are there be parsed
    once."""
    try:
        single = _read_once(path, sheet, wanted, header, (limits, profile_id), first)
        if single is not None:
            return single
        return _read(path, sheet, wanted, header, (needed, limits), profile_id)
    except Exception:  # noqa: BLE001 - any doubt goes to the reader with the messages
        return None
    except BaseException as error:  # a panic (see panics) is no Exception: that reader meets
        if is_panic(error):  # the cell again and names its row
            return None
        raise


def _read_once(
    path: Path,
    sheet: str,
    wanted: Sequence[str],
    header: HeaderRow,
    settings: tuple[SizeLimits, str],
    first: FirstRow | None,
) -> CellTable | None:
    """The table from one typed parse, when its headings are on the sheet's first row holding a
    value; None when that is not known or not so (then the two reads below tell).

    The parse names its columns by that row's cells, as the header search would read them,
    except where it could not: an empty or a date or boolean heading (named "__UNNAMED__n"), or
    a repeated one (renamed "x_1"). The named columns must be the very cells the XML shows
    holding a value, and none of those renamings may be present."""
    if first is None or len(first.columns) < len(wanted) or header not in ("auto", first.number):
        return None
    import fastexcel

    parsed = fastexcel.read_excel(path).load_sheet(
        sheet, header_row=0, dtype_coercion="strict", schema_sample_rows=None
    )
    columns = parsed.available_columns()
    headings = [None if _UNNAMED.fullmatch(c.name) else c.name for c in columns]
    named = {c.absolute_index for c, heading in zip(columns, headings, strict=True) if heading}
    if named != first.columns or not _as_read(headings) or find_header_row([headings], wanted) != 0:
        return None
    limits, profile_id = settings
    index, name = first.number - 1, path.name
    total_rows, where = first.number + int(parsed.total_height), f'sheet "{shorten(sheet, 60)}" '
    check_extent(name, sheet, total_rows, len(columns), limits)
    rows = [[None] * len(columns) for _ in range(index)] + [headings]
    index, positions = locate_columns(
        name, where, rows, wanted, header, total_rows=total_rows, profile_id=profile_id
    )
    table = parsed.to_arrow()
    del parsed  # it holds the parsed sheet
    located = (index, headings, positions, int(columns[0].absolute_index))
    return _table((name, where, sheet), table, wanted, located, total_rows)


def _as_read(headings: list[str | None]) -> bool:
    """Whether the parse's column names are the headings as the header search reads them."""
    given = set(headings)
    renamed = (_RENAMED.fullmatch(h or "") for h in headings)
    return not any(match and match[1] in given for match in renamed) and not _typed_heading(
        headings
    )


def _typed_heading(cells: Sequence[str | None]) -> bool:
    """Whether a header row holds a date, a boolean or a duration as fastexcel writes them as
    text: calamine's reader shows them otherwise, so the row is left to it."""
    return any(_TEXT_OF_TYPED_CELL.fullmatch(cell or "") for cell in cells)


def _read(
    path: Path,
    sheet: str,
    wanted: Sequence[str],
    header: HeaderRow,
    bounds: tuple[int, SizeLimits],
    profile_id: str,
) -> CellTable | None:
    with ThreadPoolExecutor(2, thread_name_prefix="read") as pool:
        typed_ahead = pool.submit(_typed, path, sheet, {"header_row": 0})
        head = pool.submit(_head, path, sheet, bounds[0]).result()
        rows = [list(row) for row in zip(*head.to_arrow().to_pydict().values(), strict=True)]
        total_rows, origin = int(head.total_height), int(head.available_columns()[0].absolute_index)
        name, where = path.name, f'sheet "{shorten(sheet, 60)}" '
        check_extent(name, sheet, total_rows, int(head.width), bounds[1])
        del head  # it holds the parsed sheet
        index, positions = locate_columns(
            name, where, rows, wanted, header, total_rows=total_rows, profile_id=profile_id
        )
        if _typed_heading(rows[index]):
            return None
        first_used = next(i for i, row in enumerate(rows) if any(c is not None for c in row))
        if index == first_used:
            table = typed_ahead.result()
            names = [cell if cell is not None else "__UNNAMED__" for cell in rows[index]]
        else:
            typed_ahead.cancel()
            table = _typed(path, sheet, {"header_row": None, "skip_rows": index + 1})
            names = [f"__UNNAMED__{i}" for i in range(len(rows[index]))]
    found_names = table.schema.names[: max(positions) + 1]  # fastexcel names a repeated
    if not all(map(str.startswith, found_names, names)):  # heading "x_1"
        return None  # the two reads disagree on the sheet's columns
    return _table(
        (name, where, sheet), table, wanted, (index, rows[index], positions, origin), total_rows
    )


def _table(
    place: tuple[str, str, str],
    table: Any,
    wanted: Sequence[str],
    located: tuple[int, list[Any], list[int], int],
    total_rows: int,
) -> CellTable | None:
    """The CellTable of a typed Arrow table below its header row: `located` is the header
    row's index, its cells, the wanted headings' columns and the first column's position."""
    name, where, sheet = place
    index, headings, positions, origin = located
    width = max(positions) + 1
    if table.num_rows != total_rows - index - 1 or table.num_columns < width:
        return None  # the reads disagree on the sheet's rows, or columns
    built = [_cell_column(table.column(i)) for i in range(width)]  # a RecordBatch's arrays
    if any(column is None for column in built):
        return None
    grid = TypedGrid([column for column in built if column is not None])
    found = (index + 1, headings)
    return table_below_header((name, where), grid, wanted, positions, found, sheet, origin + 1)


def _head(path: Path, sheet: str, rows: int) -> Any:
    """The sheet's first rows from row 1, every cell as text (None where empty)."""
    import fastexcel

    return fastexcel.read_excel(path).load_sheet(
        sheet, header_row=None, skip_rows=0, n_rows=rows, dtypes="string"
    )


def _typed(path: Path, sheet: str, where: dict[str, Any]) -> Any:
    """The rows below a header row as an Arrow RecordBatch, each column typed by all of its
    cells or refused."""
    import fastexcel

    return fastexcel.read_excel(path).load_sheet(
        sheet, dtype_coercion="strict", schema_sample_rows=None, eager=True, **where
    )


def _cell_column(array: Any) -> Built | None:
    """A typed Arrow column as the CellColumn calamine's reader builds from the same cells (and,
    for text, the cells that could be "Total" labels); None for any other type."""
    import pyarrow as pa

    kind = array.type
    valid = ~np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    count = len(array)
    no_text = (np.empty(0, np.uint8), np.zeros(count + 1, np.int64))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text_column(array, valid)
    if pa.types.is_null(kind):
        return CellColumn(np.full(count, BLANK, np.int8), *no_text), None
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        numbers = array.to_numpy(zero_copy_only=False).astype(np.float64)
        kinds = np.where(valid, NUMBER, BLANK).astype(np.int8)
        return CellColumn(kinds, *no_text, numbers if valid.any() else None), None
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        dates = _seconds(array, valid)
        if dates is not None and (dates[valid] < _FIRST_DAY).any():
            return None  # a serial below 1 is a time of day to calamine's reader, not a date
        kinds = np.where(valid, DATE, BLANK).astype(np.int8)
        return CellColumn(kinds, *no_text, None, dates), None
    if pa.types.is_boolean(kind):  # shown as Python writes them, like calamine's reader
        shown = ["" if value is None else str(value) for value in array.to_pylist()]
        kinds = np.where(valid, OTHER, BLANK).astype(np.int8)
        return CellColumn(kinds, *utf8_with_offsets(shown)), None
    return None


def _seconds(array: Any, valid: np.ndarray) -> np.ndarray | None:
    """Dates as datetime64[s], a moment's fraction of a second dropped (calamine's reader keeps
    hours, minutes and seconds)."""
    import pyarrow as pa

    if not valid.any():
        return None
    if pa.types.is_date(array.type):
        days = array.cast(pa.int32()).fill_null(0).to_numpy().astype(np.int64)
        seconds = days * _SECONDS_PER_DAY
    else:
        per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[array.type.unit]
        ticks = array.cast(pa.int64()).fill_null(0).to_numpy()
        seconds = np.floor_divide(ticks, per_second)
    dates = seconds.astype("datetime64[s]")
    dates[~valid] = np.datetime64("NaT")
    return np.asarray(dates)


def _text_column(array: Any, valid: np.ndarray) -> Built:
    """A text column: blank where empty or only white space (no text kept for those, as
    calamine's reader keeps none), unsafe characters escaped as that reader escapes them."""
    import pyarrow as pa

    array = array.fill_null("").cast(pa.large_string())
    count = len(array)
    _, offset_buffer, data = array.buffers()
    ends = np.frombuffer(offset_buffer, np.int64, count + 1, array.offset * 8)
    offsets = ends - ends[0]
    utf8 = np.frombuffer(data, np.uint8)[ends[0] : ends[-1]] if data else np.empty(0, np.uint8)
    filled = np.diff(offsets) > 0
    leads = np.zeros(count, np.uint8)
    leads[filled] = utf8[offsets[:-1][filled]]
    blank = ~valid | ~filled
    for position in np.flatnonzero(filled & np.isin(leads, _SPACE_LEADS)):
        text = bytes(utf8[offsets[position] : offsets[position + 1]]).decode("utf-8")
        blank[position] = text.isspace()  # exactly as calamine's reader decides
    if (blank & filled).any() or not bytes(utf8).decode("utf-8").isprintable():
        pieces = array.to_pylist()  # rare: white-space cells, or characters to escape
        utf8, offsets = utf8_with_offsets(["" if blank[i] else p for i, p in enumerate(pieces)])
    column = CellColumn(np.where(blank, BLANK, TEXT).astype(np.int8), utf8, offsets)
    maybe = np.flatnonzero(~blank & np.isin(leads, _TOTAL_LEADS))
    return column, LabelCells(maybe, [str(column.value(int(row))) for row in maybe])


def _total_rows(labels: list[LabelCells | None], blank: np.ndarray) -> np.ndarray:
    """bool per row: its first non-blank cell reads as a "Total" label."""
    first = first_filled(blank)
    totals = np.zeros(len(blank), bool)
    for position, cells in enumerate(labels):
        if cells is None:
            continue
        for row, text in zip(cells.rows, cells.texts, strict=True):
            if first[row] == position and is_total_label(text):
                totals[row] = True
    return totals
