"""Reading a partner's sheet or CSV into the wanted columns, below title rows and above notes.

Spreadsheets (.xlsx, .xlsm, .xls, .ods) are read with calamine, CSV files in
flows.intake.csv_tables.
Both become a grid of cells that flows.intake.header_tables turns into the partner's table."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected, HelplineError
from flows.intake.cell_parsing import blank_cells
from flows.intake.csv_tables import BOMS, csv_error, read_csv_table
from flows.intake.guards import check_file_before_parsing
from flows.intake.header_tables import (
    HeaderRow,
    RawTable,
    locate_columns,
    table_below_header,
)

DEFAULT_MAX_UNCOMPRESSED_BYTES = 512 * 2**20
MergedRange = tuple[tuple[int, int], tuple[int, int]]  # first and last cell, 0-based (row, col)


@contextmanager
def _calamine_errors(path: Path) -> Iterator[None]:
    """Whatever calamine raises on a bad file becomes one sentence about that file."""
    from python_calamine import PasswordError

    try:
        yield
    except HelplineError:
        raise
    except PasswordError:
        raise FileRejected(
            f"{path.name} is password-protected; ask the partner to send it without a password."
        ) from None
    except Exception as error:  # noqa: BLE001 - calamine signals bad files many ways
        detail = " ".join(str(error).split())[:120] or type(error).__name__
        raise FileRejected(
            f"{path.name} is corrupt and cannot be read ({detail}); ask the partner to save it "
            "again and resend it."
        ) from None


def sheet_names(path: Path) -> list[str]:
    """Every sheet of a workbook in order, hidden ones included (none for a CSV)."""
    check_file_before_parsing(path, max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES)
    if path.suffix.lower() == ".csv":
        return []
    from python_calamine import CalamineWorkbook

    with _calamine_errors(path):
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def read_sheet_grids(
    path: Path,
    choose: Callable[[list[tuple[str, bool]]], Sequence[str]],
    *,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> list[tuple[str, Sequence[Sequence[object]], list[MergedRange]]]:
    """The whole cell grid of each sheet `choose` picks from the workbook's (name, visible)
    sheets, chart sheets left out, with its merged ranges (none for .ods); for layouts that
    read several sheets. Guards run first."""
    check_file_before_parsing(path, max_uncompressed_bytes=max_uncompressed_bytes)
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    with _calamine_errors(path):
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = [
            (m.name, m.visible == SheetVisibleEnum.Visible)
            for m in workbook.sheets_metadata
            if m.typ != SheetTypeEnum.ChartSheet
        ]
        grids: list[tuple[str, Sequence[Sequence[object]], list[MergedRange]]] = []
        for name in choose(sheets):
            found = workbook.get_sheet_by_name(name)
            merged = list(found.merged_cell_ranges or [])
            grids.append((name, found.to_python(skip_empty_area=False), merged))
        return grids


def _read_sheet(
    path: Path, wanted: Sequence[str], sheet: str | None, header: HeaderRow
) -> RawTable:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    with _calamine_errors(path):
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if sheet is None:  # the first sheet a person opening the file would see
            sheet = next(
                (
                    m.name
                    for m in workbook.sheets_metadata
                    if m.visible == SheetVisibleEnum.Visible and m.typ != SheetTypeEnum.ChartSheet
                ),
                None,
            )
            if sheet is None:
                raise FileRejected(
                    f"{path.name} has no visible sheet; unhide the data sheet or name it in the "
                    "profile's sheet."
                )
        elif sheet not in names:
            found = ", ".join(f'"{n}"' for n in names)
            raise FileRejected(
                f'{path.name} has no sheet "{sheet}" (sheets found: {found}); fix the profile\'s '
                "sheet or ask the partner to restore it."
            )
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    name, where = path.name, f'sheet "{sheet}" '
    # The whole sheet is looked at only when its first rows are blank (rarely), to be sure.
    if all(blank_cells(np.array(part, dtype=object)).all() for part in (rows[:50], rows)):
        raise FileRejected(f"{name}: {where}is empty; ask the partner to send the data.")
    index, positions = locate_columns(name, where, rows, wanted, header)
    # calamine rows all have the sheet's width, so numpy stacks them in one C loop.
    width, body = max(positions) + 1, rows[index + 1 :]
    grid = np.array(body, dtype=object)[:, :width] if body else np.empty((0, width), object)
    header_cells = (index + 1, rows[index])
    return table_below_header(
        (name, where), grid, blank_cells(grid), wanted, positions, header_cells, sheet
    )


def read_table(
    path: Path,
    *,
    wanted: Sequence[str],
    sheet: str | None = None,
    header_row: int | Literal["auto"] = "auto",
    encoding: str = "utf-8",
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> RawTable:
    """The wanted columns of the partner's table, one row per data row, with their row numbers.

    The pre-parse guards run first; any problem with the file is one FileRejected sentence.
    """
    check_file_before_parsing(path, max_uncompressed_bytes=max_uncompressed_bytes)
    wanted = list(dict.fromkeys(wanted))  # two roles may share one heading
    try:  # the guard let through only the accepted extensions
        if path.suffix.lower() != ".csv":
            return _read_sheet(path, wanted, sheet, header_row)
        with path.open("rb") as handle:  # a byte-order mark outranks the profile's encoding
            start = handle.read(3)
        encoding = next((enc for bom, enc in BOMS if start.startswith(bom)), encoding)
        try:
            return read_csv_table(path, wanted, encoding, header_row)
        except (UnicodeError, LookupError, csv.Error, pd.errors.ParserError) as error:
            raise csv_error(path, encoding, error) from None
    except HelplineError:
        raise
    except Exception as error:  # noqa: BLE001 - the promise is one sentence, never a traceback
        detail = " ".join(f"{type(error).__name__}: {error}".split())[:160]
        raise FileRejected(
            f"{path.name} could not be read ({detail}); ask the partner to save it again."
        ) from None
