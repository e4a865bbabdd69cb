"""What an OpenDocument spreadsheet (.ods) shows its reader, beside its cells: hidden rows and
columns, hidden sheets, and its null date (a bare number counted from 1904 in a workbook
converted from the 1904 date system).

The same plain data as flows.intake.workbook_structure, from content.xml read as a stream: rows
and columns are counted with their repeats (table:number-rows-repeated), and a row or column is
hidden when its table:visibility is "collapse" or "filter". A hidden sheet's visibility lives in
its style; the cell reader reports it, so it is not read here."""

from __future__ import annotations

import re
import zipfile
from html import unescape
from pathlib import Path

from flows.intake.reading.sheet_structure import SheetStructure, WorkbookStructure
from flows.intake.workbook_structure import ScanBudget, part_blocks

# Tags by local name; the look-ahead keeps "table" from matching table-row, table:table-cell
# or table-row-group.
_TAG = re.compile(rb"<(/?)(?:\w+:)?(table|table-row|table-column|null-date)(?![-\w:])([^>]*)>")
_ATTRIBUTE = re.compile(rb"\b([\w:-]+)=[\"']([^\"']*)[\"']")
_HIDDEN = (b"collapse", b"filter")
MAX_REPEAT = 100_000  # longer runs are the empty rows an editor pads a sheet with


def scan_ods_structure(path: Path, budget: ScanBudget | None = None) -> WorkbookStructure:
    """Every sheet's hidden rows and columns, and whether bare numbers count from 1904."""
    counting = _Counting()
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
        for block in part_blocks(stream, budget or ScanBudget(1 << 62)):
            for closing, tag, text in _TAG.findall(block):
                counting.see(bool(closing), tag, _attributes(text))
    return WorkbookStructure(counting.date1904, tuple(counting.sheets), True, ())


class _Counting:
    """The rows and columns of the sheet being read, counted with their repeats."""

    def __init__(self) -> None:
        self.sheets: list[SheetStructure] = []
        self.date1904 = False
        self._start("")

    def _start(self, name: str) -> None:
        self.name, self.row, self.column = name, 0, 0
        self.rows: set[int] = set()
        self.columns: set[int] = set()

    def see(self, closing: bool, tag: bytes, attributes: dict[bytes, bytes]) -> None:
        if tag == b"null-date":
            self.date1904 = attributes.get(b"date-value", b"").startswith(b"1904-01-01")
        elif tag == b"table" and closing:
            found = frozenset(self.rows), frozenset(self.columns)
            self.sheets.append(SheetStructure(self.name, "visible", *found))
        elif tag == b"table":
            self._start(unescape(attributes.get(b"name", b"").decode("utf-8", "replace")))
        elif not closing:
            count = _repeat(attributes, tag)
            hidden = attributes.get(b"visibility", b"") in _HIDDEN and count <= MAX_REPEAT
            if tag == b"table-row":
                self.rows.update(range(self.row + 1, self.row + count + 1) if hidden else ())
                self.row += count
            else:
                self.columns.update(
                    range(self.column + 1, self.column + count + 1) if hidden else ()
                )
                self.column += count


def _attributes(text: bytes) -> dict[bytes, bytes]:
    return {key.split(b":")[-1]: value for key, value in _ATTRIBUTE.findall(text)}


def _repeat(attributes: dict[bytes, bytes], tag: bytes) -> int:
    key = b"number-rows-repeated" if tag == b"table-row" else b"number-columns-repeated"
    value = attributes.get(key, b"1")
    return int(value) if value.isdigit() and int(value) > 0 else 1
