"""Reading a partner file's table in the calling process: the work the reading child does.

The guards run first (flows.intake.reading.guards, then the declared sizes in size_guards); then the
layout's extraction turns the file into compact columns (flows.intake.reading.cell_columns). Records
and counts read one table: spreadsheets with calamine (sheet_tables), CSV with pyarrow
(csv_tables); a crosstab, and a profile draft's sample, read whole grids (grid_reading). The
pipeline calls this through flows.intake.reading.contained_read, in a child process with limits;
tests and small tools may call it directly. No pandas here.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from flows.core.errors import FileRejected, HelplineError
from flows.intake.reading.cell_columns import CellTable, ReadResult
from flows.intake.reading.csv_tables import BOMS, csv_error, read_csv_table
from flows.intake.reading.grid_reading import extract_crosstab, extract_sample
from flows.intake.reading.guards import check_file_before_parsing
from flows.intake.reading.header_tables import shorten
from flows.intake.reading.read_request import (
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    DEFAULT_READ_MEMORY_BYTES,
    ReadRequest,
)
from flows.intake.reading.sheet_tables import calamine_errors, open_workbook, read_sheet_table
from flows.intake.reading.size_guards import SizeLimits
from flows.intake.reading.xls_structure import XLS, scan_xls_structure

Extraction = Callable[[ReadRequest], ReadResult]


def _csv_errors() -> tuple[type[Exception], ...]:
    from pyarrow import ArrowInvalid

    return (UnicodeError, LookupError, csv.Error, ArrowInvalid)


def extract_table(request: ReadRequest) -> ReadResult:
    """One table below a header row: the records and counts layouts."""
    path = request.path
    limits = SizeLimits(request.useful, request.memory_bytes)
    check_file_before_parsing(
        path,
        max_uncompressed_bytes=request.max_uncompressed_bytes,
        max_columns=limits.max_columns,
        why=limits.too_wide,
    )
    wanted = list(dict.fromkeys(request.wanted))  # two roles may share one heading
    try:  # the guard let through only the accepted extensions
        if path.suffix.lower() != ".csv":
            table = read_sheet_table(
                path, wanted, request.sheet, request.header_row, limits, request.profile_id
            )
            if path.suffix.lower() == XLS:  # see xls_structure: scanned here, not in the parent
                return ReadResult((table,), {"structure": scan_xls_structure(path, [table.sheet])})
            return ReadResult((table,))
        with path.open("rb") as handle:  # a byte-order mark outranks the profile's encoding
            start = handle.read(3)
        encoding = next((enc for bom, enc in BOMS if start.startswith(bom)), request.encoding)
        try:
            table = read_csv_table(path, wanted, encoding, request.header_row, request.profile_id)
        except _csv_errors() as error:
            raise csv_error(path, encoding, error) from None
        return ReadResult((table,))
    except (HelplineError, MemoryError):  # the reading child names its memory limit
        raise
    except Exception as error:  # noqa: BLE001 - the promise is one sentence, never a traceback
        detail = shorten(" ".join(f"{type(error).__name__}: {error}".split()), 160)
        raise FileRejected(
            f"{path.name} could not be read ({detail}); ask the partner to save it again."
        ) from None


# Each layout's way from a file to tables; a layout with its own shape adds an entry here.
# "sample" is no layout: it is what drafting a profile reads.
EXTRACTIONS: dict[str, Extraction] = {
    "records": extract_table,
    "counts": extract_table,
    "crosstab": extract_crosstab,
    "sample": extract_sample,
}


def read_file(request: ReadRequest) -> ReadResult:
    return EXTRACTIONS[request.layout](request)


def read_table(
    path: Path,
    *,
    wanted: Sequence[str],
    sheet: str | None = None,
    header_row: int | Literal["auto"] = "auto",
    encoding: str = "utf-8",
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    useful_columns: int | None = None,
) -> CellTable:
    """The wanted columns of the partner's table, read here (no child process, no limits)."""
    request = ReadRequest(
        path,
        "records",
        tuple(wanted),
        sheet,
        header_row,
        encoding,
        useful_columns,
        max_uncompressed_bytes,
    )
    return extract_table(request).table


def sheet_names(path: Path, memory_bytes: int = DEFAULT_READ_MEMORY_BYTES) -> list[str]:
    """Every sheet of a workbook in order, hidden ones included (none for a CSV)."""
    check_file_before_parsing(path, max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES)
    if path.suffix.lower() == ".csv":
        return []
    workbook = open_workbook(path, SizeLimits(0, memory_bytes))
    with calamine_errors(path.name):
        return list(workbook.sheet_names)
