"""Reading a workbook's sheet (.xlsx .xlsm .xls .ods) with calamine into the partner's table.

The declared sizes are checked first (flows.intake.reading.size_guards); then the sheet's rows come
from calamine in chunks, each turned into a numpy object array once and cut to the columns up
to the last wanted one, so the cells of columns nobody reads are freed as they arrive.
Runs in the reading child: numpy, python_calamine and the standard library only.
"""

from __future__ import annotations

import itertools
import operator
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from flows.core.errors import FileRejected, HelplineError
from flows.intake.reading.arrow_tables import read_typed_table
from flows.intake.reading.cell_columns import TEXT, CellColumn, CellTable
from flows.intake.reading.column_building import (
    blank_cells,
    cell_column,
    cell_kinds,
    concat_columns,
    text_lengths,
)
from flows.intake.reading.header_tables import (
    HEADER_SEARCH_ROWS,
    HeaderRow,
    first_filled,
    is_total_label,
    locate_columns,
    shorten,
    table_below_header,
)
from flows.intake.reading.panics import is_panic
from flows.intake.reading.size_guards import (
    SheetSize,
    SizeLimits,
    check_extent,
    check_ods,
    check_shared_strings,
    check_xlsx_sheet,
    file_size,
)

CHUNK_ROWS = 65_536
MergedRange = tuple[tuple[int, int], tuple[int, int]]  # first and last cell, 0-based (row, col)
_XLSX = (".xlsx", ".xlsm")
_TOTAL_STARTS = np.array(["t", "T", "g", "G"])


def total_flags(cells: np.ndarray, kinds: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """bool per row of an object grid: its first non-blank cell reads as a "Total" label."""
    rows = np.arange(len(cells))
    columns = first_filled(blank)
    labels = np.zeros(len(cells), bool)
    text = np.flatnonzero((kinds[rows, columns] == TEXT) & ~blank[rows, columns])
    if not text.size:
        return labels
    strings = cells[text, columns[text]]  # never empty: blank text is not "filled"
    first = np.array(list(map(operator.itemgetter(0), strings)), dtype="<U1")
    maybe = np.flatnonzero(np.isin(first, _TOTAL_STARTS) | np.strings.isspace(first))
    labels[text[maybe]] = [is_total_label(s) for s in strings[maybe]]  # a few rows at most
    return labels


class ChunkedGrid:
    """A CellGrid over calamine's cells, filled chunk by chunk: each chunk's Python objects
    become compact columns (and a blank mask) at once and are freed, so a million rows never
    exist as Python objects all together."""

    def __init__(self, positions: list[int]) -> None:
        self.positions = sorted(set(positions))
        self._blank: list[np.ndarray] = []
        self._totals: list[np.ndarray] = []
        self._pieces: dict[int, list[CellColumn]] = {p: [] for p in self.positions}
        self._columns: dict[int, CellColumn] = {}

    def add(self, cells: np.ndarray) -> None:
        kinds = cell_kinds(cells)
        lengths = text_lengths(cells, kinds)
        blank = blank_cells(cells, kinds, lengths)
        self._blank.append(blank)
        self._totals.append(total_flags(cells, kinds, blank))
        for p in self.positions:
            piece = cell_column(cells[:, p], kinds[:, p], blank[:, p], lengths[:, p])
            self._pieces[p].append(piece)

    def finish(self) -> ChunkedGrid:
        width = max(self.positions) + 1
        self.blank = np.concatenate(self._blank) if self._blank else np.ones((0, width), bool)
        self.totals = np.concatenate(self._totals) if self._totals else np.zeros(0, bool)
        for p, pieces in self._pieces.items():
            self._columns[p] = (
                concat_columns(pieces) if pieces else cell_column(np.empty(0, dtype=object))
            )
        self._blank, self._totals, self._pieces = [], [], {}
        return self

    def column(self, position: int, rows: np.ndarray | slice) -> CellColumn:
        return self._columns[position].take(rows)


@contextmanager
def calamine_errors(name: str) -> Iterator[None]:
    """Whatever calamine (or the zip reader, for the guards) raises on a bad file becomes one
    sentence about that file."""
    from python_calamine import PasswordError

    try:
        yield
    except (HelplineError, MemoryError):
        raise
    except PasswordError:
        raise FileRejected(
            f"{name} is password-protected; ask the partner to send it without a password."
        ) from None
    except Exception as error:  # noqa: BLE001 - calamine signals bad files many ways
        detail = shorten(" ".join(str(error).split()), 120) or type(error).__name__
        raise FileRejected(
            f"{name} is corrupt and cannot be read ({detail}); ask the partner to save it "
            "again and resend it."
        ) from None


def open_workbook(path: Path, limits: SizeLimits) -> Any:
    """The calamine workbook, once the parts calamine reads on opening have been bounded."""
    from python_calamine import CalamineWorkbook

    suffix = path.suffix.lower()
    if suffix in (*_XLSX, ".ods"):
        with calamine_errors(path.name), zipfile.ZipFile(path) as archive:
            if suffix == ".ods":
                check_ods(path.name, archive, limits)
            else:
                check_shared_strings(path.name, archive, limits)
    with calamine_errors(path.name):
        return CalamineWorkbook.from_path(str(path))


def choose_sheet(workbook: Any, wanted: str | None, name: str) -> str:
    """The profile's sheet, or the first sheet a person opening the file would see."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    if wanted is None:
        for meta in workbook.sheets_metadata:
            if meta.visible == SheetVisibleEnum.Visible and meta.typ != SheetTypeEnum.ChartSheet:
                return str(meta.name)
        raise FileRejected(
            f"{name} has no visible sheet; unhide the data sheet or name it in the profile's sheet."
        )
    if wanted not in workbook.sheet_names:
        found = shorten(", ".join(f'"{n}"' for n in workbook.sheet_names))
        raise FileRejected(
            f'{name} has no sheet "{shorten(wanted, 60)}" (sheets found: {found}); fix the '
            "profile's sheet or ask the partner to restore it."
        )
    return wanted


def _unreadable_row(name: str, sheet: str, data: Any, start: int, error: BaseException) -> str:
    """Find, row by row from the chunk that failed, the row calamine cannot convert."""
    rows = itertools.islice(data.iter_rows(), start, None)
    number = start
    try:
        for number, _ in enumerate(rows, start + 1):  # noqa: B007 - the loop finds the row
            pass
    except BaseException as again:
        if not is_panic(again):
            raise
        number += 1
    detail = shorten(" ".join(str(error).split()), 100)
    return (
        f'{name}: sheet "{shorten(sheet, 60)}" row {number} has a cell that cannot be read '
        f"({detail}), such as a date far outside the calendar; ask the partner to correct it "
        "and send the file again."
    )


def row_chunks(name: str, sheet: str, data: Any) -> Iterator[np.ndarray]:
    """The sheet's rows from row 1, as 2-D object arrays of up to CHUNK_ROWS rows."""
    rows, start = data.iter_rows(), 0
    while True:
        try:
            chunk = list(itertools.islice(rows, CHUNK_ROWS))
        except BaseException as error:
            if not is_panic(error):
                raise
            raise FileRejected(_unreadable_row(name, sheet, data, start, error)) from None
        if not chunk:
            return
        yield object_grid(chunk)
        start += len(chunk)


def object_grid(rows: list[list[Any]]) -> np.ndarray:
    """Rows of equal width (as calamine gives them) as a 2-D object array: np.fromiter over
    the cells in order is about three times faster than np.array on the nested lists, which
    first works out the shape cell by cell."""
    width = len(rows[0])
    if set(map(len, rows)) != {width}:  # never from calamine: the general conversion
        return np.array(rows, dtype=object).reshape(len(rows), -1)
    cells = itertools.chain.from_iterable(rows)
    return np.fromiter(cells, dtype=object, count=len(rows) * width).reshape(len(rows), width)


def check_declared_size(path: Path, sheet: str, limits: SizeLimits) -> SheetSize:
    """An xlsx sheet's declared extent, read from its XML before anything parses the sheet;
    and what parsing it will take in, as far as the file tells."""
    if path.suffix.lower() in _XLSX:
        with calamine_errors(path.name), zipfile.ZipFile(path) as archive:
            size = check_xlsx_sheet(path.name, archive, sheet, limits)
        if size is not None:
            return size
    return file_size(path)


def sheet_data(
    path: Path, workbook: Any, sheet: str, limits: SizeLimits, declared_checked: bool = False
) -> Any:
    """calamine's sheet, its declared and actual extent checked before any Python cell exists."""
    if not declared_checked:
        check_declared_size(path, sheet, limits)
    with calamine_errors(path.name):
        data = workbook.get_sheet_by_name(sheet)
    if data.height:  # rows come from row 1, columns from the first used one
        check_extent(path.name, sheet, int(data.end[0]) + 1, int(data.width), limits)
    return data


def sheet_list(workbook: Any) -> list[tuple[str, bool]]:
    """Each worksheet's name and whether a person opening the file would see it."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    return [
        (str(meta.name), meta.visible == SheetVisibleEnum.Visible)
        for meta in workbook.sheets_metadata
        if meta.typ != SheetTypeEnum.ChartSheet
    ]


def sheet_grid(
    path: Path, workbook: Any, sheet: str, limits: SizeLimits
) -> tuple[list[list[object]], list[MergedRange]]:
    """A (small) sheet's cells from A1 as calamine gives them, and its merged ranges."""
    data = sheet_data(path, workbook, sheet, limits)
    try:
        rows = data.to_python(skip_empty_area=False)
    except BaseException as error:
        if not is_panic(error):
            raise
        raise FileRejected(_unreadable_row(path.name, sheet, data, 0, error)) from None
    with calamine_errors(path.name):
        merged = list(getattr(data, "merged_cell_ranges", None) or [])
    return rows, merged


def read_sheet_table(
    path: Path,
    wanted: list[str],
    sheet: str | None,
    header: HeaderRow,
    limits: SizeLimits,
    profile_id: str = "",
) -> CellTable:
    """The partner's table: a plain sheet read into Arrow (arrow_tables) when two parses of it
    would fit the child's memory at once (most take one), any other cell by cell
    (read_sheet_cells)."""
    workbook = open_workbook(path, limits)
    sheet = choose_sheet(workbook, sheet, path.name)
    size = check_declared_size(path, sheet, limits)
    needed = HEADER_SEARCH_ROWS if header == "auto" else max(header, HEADER_SEARCH_ROWS)
    if size.fits_twice(limits):
        first = size.first_row
        typed = read_typed_table(path, sheet, wanted, header, needed, limits, profile_id, first)
        if typed is not None:
            return typed
    return read_sheet_cells(path, (workbook, sheet), wanted, header, limits, profile_id)


def read_sheet_cells(
    path: Path,
    chosen: tuple[Any, str],
    wanted: list[str],
    header: HeaderRow,
    limits: SizeLimits,
    profile_id: str = "",
) -> CellTable:
    """The table read from calamine's cells, chunk by chunk: every sheet, with a message for
    whatever is wrong with it. `chosen` is the open workbook and the sheet's name."""
    workbook, sheet = chosen
    data = sheet_data(path, workbook, sheet, limits, declared_checked=True)
    name, where = path.name, f'sheet "{shorten(sheet, 60)}" '
    needed = HEADER_SEARCH_ROWS if header == "auto" else max(header, HEADER_SEARCH_ROWS)
    chunks = row_chunks(name, sheet, data)
    head: list[np.ndarray] = []
    while sum(map(len, head)) < needed and (chunk := next(chunks, None)) is not None:
        head.append(chunk)
    top = np.concatenate(head) if head else np.empty((0, 0), dtype=object)
    del head
    rows = top[:needed].tolist()
    last_row = int(data.end[0]) + 1 if data.height else 0
    try:
        index, positions = locate_columns(
            name, where, rows, wanted, header, total_rows=last_row, profile_id=profile_id
        )
    except HelplineError:
        if blank_cells(top).all() and all(blank_cells(chunk).all() for chunk in chunks):
            raise FileRejected(
                f"{name}: {where}is empty; ask the partner to send the data."
            ) from None
        raise
    width = max(positions) + 1
    grid = ChunkedGrid(positions)
    grid.add(top[index + 1 :, :width])
    del top
    for chunk in chunks:
        grid.add(chunk[:, :width])
    first_column = int(data.start[1]) + 1 if data.height else 1  # calamine's rows start there
    found = (index + 1, rows[index])
    return table_below_header(
        (name, where), grid.finish(), wanted, positions, found, sheet, first_column
    )
