""".xls workbooks: their hidden rows and columns and their date system, read with xlrd.

The structure scans of the other formats read the file's XML in the parent, a few bytes of
each tag (flows.intake.workbook_structure). An .xls is a binary file that xlrd parses whole,
each cell a Python object, so its scan runs here in the reading child, after the read, within
the child's memory and CPU limits: a hostile .xls ends that child, never the pipeline. The
parent takes the result from ReadResult.details["structure"].

Only the sheets read are parsed (xlrd's on_demand), so only they are said to be hidden or not;
the cell reader picks a visible sheet itself (flows.intake.reading.sheet_tables.choose_sheet).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from flows.core.errors import FileRejected
from flows.intake.reading.sheet_structure import SheetStructure, WorkbookStructure

XLS = ".xls"
_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}  # xlrd's Sheet.visibility


def scan_xls_structure(path: Path, sheets: Iterable[str | None]) -> WorkbookStructure:
    """The hidden rows and columns (1-based) of the sheets named, and whether the workbook
    counts its dates from 1904."""
    import xlrd

    try:
        # formatting_info: without it xlrd skips the ROW and COLINFO records that say hidden
        book = xlrd.open_workbook(
            str(path), formatting_info=True, on_demand=True, logfile=io.StringIO()
        )
        try:
            scanned = tuple(_sheet(book, name) for name in dict.fromkeys(sheets) if name)
            hidden = tuple(sheet.name for sheet in scanned if sheet.state != "visible")
            return WorkbookStructure(book.datemode == 1, scanned, True, hidden)
        finally:
            book.release_resources()
    except MemoryError:  # the reading child names its memory limit
        raise
    except Exception:  # noqa: BLE001 - xlrd signals a malformed file many ways (struct.error...)
        raise FileRejected(
            f"{path.name} is corrupt: its workbook structure cannot be read; ask the partner "
            "to save it again and resend it."
        ) from None


def _sheet(book: object, name: str) -> SheetStructure:
    sheet = book.sheet_by_name(name)  # type: ignore[attr-defined]
    rows = frozenset(r + 1 for r, info in sheet.rowinfo_map.items() if info.hidden)
    columns = frozenset(c + 1 for c, info in sheet.colinfo_map.items() if info.hidden)
    return SheetStructure(name, _STATES.get(sheet.visibility, "hidden"), rows, columns)
