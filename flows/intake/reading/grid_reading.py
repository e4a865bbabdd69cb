"""Whole sheet grids from a partner file: the crosstab layout's read and a profile draft's sample.

Both run in the reading child like every other read (readers.EXTRACTIONS), so a file that makes
the spreadsheet reader panic, abort or swell ends that child, never the command. A crosstab is a
few small grids (force areas by months) read whole from A1 with their merged ranges; the parent
melts them (flows.intake.crosstab.melted_file). The child sends the grids back as plain data in
ReadResult.details. No pandas here.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from flows.core.errors import FileRejected
from flows.intake.reading.cell_columns import ReadResult
from flows.intake.reading.csv_tables import BOMS, csv_error, sniff_delimiter
from flows.intake.reading.guards import check_file_before_parsing
from flows.intake.reading.header_tables import HEADER_SEARCH_ROWS
from flows.intake.reading.read_request import (
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    DEFAULT_READ_MEMORY_BYTES,
    ReadRequest,
)
from flows.intake.reading.sheet_tables import MergedRange, open_workbook, sheet_grid, sheet_list
from flows.intake.reading.sheets import SheetChoice, SheetSelection, choose_sheets
from flows.intake.reading.size_guards import SizeLimits
from flows.intake.reading.xls_structure import XLS, scan_xls_structure

# Force areas down a sheet are a few dozen rows and months down some hundreds: a "crosstab" of
# more rows is a long table under the wrong profile, and is refused before any row is melted.
MAX_CROSSTAB_ROWS = 10_000

Grid = tuple[str | None, list[list[object]], list[MergedRange]]  # sheet (None: CSV), rows, merged


def read_sheet_grids(
    path: Path,
    choose: Callable[[list[tuple[str, bool]]], Sequence[str]],
    *,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    useful_columns: int = 0,
    memory_bytes: int = DEFAULT_READ_MEMORY_BYTES,
) -> list[Grid]:
    """The whole cell grid (from A1) of each sheet `choose` picks from the workbook's (name,
    visible) sheets, chart sheets left out, with its merged ranges (none for .ods). Every guard
    runs first, on each sheet chosen."""
    limits = SizeLimits(useful_columns, memory_bytes)
    check_file_before_parsing(
        path,
        max_uncompressed_bytes=max_uncompressed_bytes,
        max_columns=limits.max_columns,
        why=limits.too_wide,
    )
    workbook = open_workbook(path, limits)
    return [
        (name, *sheet_grid(path, workbook, name, limits)) for name in choose(sheet_list(workbook))
    ]


def csv_grid(path: Path, encoding: str, max_rows: int, errors: str = "strict") -> Grid:
    """A CSV file's first max_rows rows, every cell text; a byte-order mark outranks encoding."""
    with path.open("rb") as handle:
        start = handle.read(3)
    encoding = next((enc for bom, enc in BOMS if start.startswith(bom)), encoding)
    try:
        with path.open(encoding=encoding, errors=errors, newline="") as handle:
            lines = list(itertools.islice(handle, max_rows))
        delimiter = sniff_delimiter(lines[:50])
        rows: list[list[object]] = [list(row) for row in csv.reader(lines, delimiter=delimiter)]
    except (UnicodeError, LookupError, csv.Error) as error:
        raise csv_error(path, encoding, error) from None
    return None, rows, []


def extract_crosstab(request: ReadRequest) -> ReadResult:
    """The sheets the profile chooses, whole: details["choice"] (a SheetChoice) and
    details["grids"]. Options: "sheets" (the profile's selection) and "months_from_sheet_names"."""
    path = request.path
    selection: SheetSelection = request.options.get("sheets")  # type: ignore[assignment]
    if path.suffix.lower() == ".csv":
        check_file_before_parsing(path, max_uncompressed_bytes=request.max_uncompressed_bytes)
        if request.options.get("months_from_sheet_names"):
            raise FileRejected(
                f"{path.name} is a CSV file, which has no sheet names to take months from; ask "
                "the partner for the workbook, or change the profile's [crosstab] months."
            )
        choice, grids = SheetChoice([]), [csv_grid(path, request.encoding, MAX_CROSSTAB_ROWS + 1)]
    else:
        chosen: list[SheetChoice] = []

        def choose(sheets: list[tuple[str, bool]]) -> list[str]:
            chosen.append(choose_sheets(path.name, sheets, request.sheet, selection))
            return chosen[0].read

        grids = read_sheet_grids(
            path,
            choose,
            max_uncompressed_bytes=request.max_uncompressed_bytes,
            useful_columns=request.useful,
            memory_bytes=request.memory_bytes,
        )
        choice = chosen[0]
    for name, rows, _ in grids:
        if len(rows) > MAX_CROSSTAB_ROWS:
            where = f'sheet "{name}"' if name else "it"
            raise FileRejected(
                f"{path.name}: {where} has {len(rows):,} rows, more than a crosstab of "
                f"{MAX_CROSSTAB_ROWS:,} rows can be; check the profile's layout."
            )
    details = {"choice": choice, "grids": grids}
    if path.suffix.lower() == XLS:  # see xls_structure: scanned here, not in the parent
        details["structure"] = scan_xls_structure(path, [name for name, _, _ in grids])
    return ReadResult((), details)


def extract_sample(request: ReadRequest) -> ReadResult:
    """The first rows of every visible sheet (of the file, for a CSV), for drafting a profile:
    details["sheets"] as (sheet, rows)."""
    path = request.path
    if path.suffix.lower() == ".csv":
        check_file_before_parsing(path, max_uncompressed_bytes=request.max_uncompressed_bytes)
        name, rows, _ = csv_grid(path, "utf-8", HEADER_SEARCH_ROWS, errors="replace")
        return ReadResult((), {"sheets": [(name, rows)]})
    grids = read_sheet_grids(
        path,
        lambda sheets: [name for name, visible in sheets if visible],
        max_uncompressed_bytes=request.max_uncompressed_bytes,
        memory_bytes=request.memory_bytes,
    )
    sheets = [(name, [list(row) for row in rows[:HEADER_SEARCH_ROWS]]) for name, rows, _ in grids]
    return ReadResult((), {"sheets": sheets})
