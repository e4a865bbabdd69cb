"""Guards on what a workbook says about its size, checked before calamine builds any grid.

calamine sizes its grid from the cells it finds, one 32-byte value per cell of the used area,
and reserves the shared strings a workbook declares before reading one: a 2 KB file with a cell
at XFD1048576, or a `uniqueCount` of four billion, asks for hundreds of gigabytes. These checks
read the XML as a stream, in bounded memory, and refuse such a file with a sentence a person can
act on. They model calamine; the child's memory limit remains the guarantee.

Runs in the reading child: numpy and the standard library only.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, NamedTuple
from xml.etree import ElementTree

from flows.core.errors import FileRejected
from flows.intake.reading.ods_extent import ods_extent
from flows.intake.reading.read_request import SPARE_COLUMNS

BYTES_PER_CELL = 64  # calamine's 32-byte value, plus room for the rows handed to Python
SHARED_STRING_BYTES = 24  # calamine reserves a Rust String per declared shared string
SMALLEST_SHARED_STRING = len(b"<si><t/></si>")
SMALLEST_CELL_BYTES = len(b"<c><v>1</v></c>")  # an .xlsx cell with a value, at its shortest
# The Arrow read (flows.intake.reading.arrow_tables) holds two parses of a sheet at once,
# calamine's 32-byte values each, and then the typed columns: measured at 1M rows by 5 columns,
# about 190 bytes per cell with the text; estimated here as 112 per cell plus the text twice.
ARROW_BYTES_PER_CELL = 112
EXCEL_ROWS = 1_048_576
MB = 2**20
_CHUNK = 4 << 20
FULL_SCAN_BYTES = 64 * MB
_OVERLAP = 64  # longer than any cell reference with its attribute name
_ROW_WINDOW = 64 * 1024  # the end of a chunk, where its last row tag is
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?\bref=[\"']([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?")
_SST = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\buniqueCount=[\"'](\d+)")
_LAST_ROW = re.compile(rb"<(?:\w+:)?row\s[^>]*?\br=[\"'](\d+)")
_CELL_LETTERS = re.compile(rb" r=[\"']([A-Z]+)\d")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ROW_NUMBER = re.compile(rb"\br=[\"'](\d+)[\"']")
_CELL_COLUMN = re.compile(rb"\br=[\"']([A-Z]{1,3})\d+[\"']")
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")


@dataclass(frozen=True)
class FirstRow:
    """An xlsx sheet's first row holding a value: where calamine's table starts."""

    number: int  # as the sheet numbers rows, from 1
    columns: frozenset[int]  # those holding a value there, from 0


@dataclass(frozen=True)
class SheetSize:
    """What parsing a sheet takes in: its cells, and the bytes of the parts holding its text."""

    cells: int
    text_bytes: int
    first_row: FirstRow | None = None  # an xlsx sheet's, when its XML tells (first_row)

    def fits_twice(self, limits: SizeLimits) -> bool:
        """Whether two parses at once and the Arrow table stay within three quarters of the
        reading child's memory: a child that runs out inside the reader is aborted, not told,
        so a sheet that might not fit is read cell by cell instead."""
        need = self.cells * ARROW_BYTES_PER_CELL + 2 * self.text_bytes
        return need <= limits.memory_bytes * 3 // 4


@dataclass(frozen=True)
class SizeLimits:
    """How big a sheet this read may take on: from the profile and the memory limit."""

    useful_columns: int  # the profile's layout decides (PartnerProfile.max_useful_columns)
    memory_bytes: int  # HELPLINE_READ_MEMORY_MB

    @property
    def max_columns(self) -> int:
        return self.useful_columns + SPARE_COLUMNS

    @property
    def too_wide(self) -> str:
        """What a sheet wider than max_columns is, in the partner's terms."""
        if not self.useful_columns:
            return f"more than the {SPARE_COLUMNS:,} columns a sheet may have here"
        return f"more than {SPARE_COLUMNS:,} columns beyond the {self.useful_columns:,} " + (
            "this partner's profile uses"
        )

    @property
    def max_cells(self) -> int:
        return self.memory_bytes // BYTES_PER_CELL

    @property
    def memory_text(self) -> str:
        return f"{self.memory_bytes / MB:,.0f} MB"


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


@cache
def _wider_than(letters: str) -> re.Pattern[bytes]:
    """Cell references in a column after `letters` (e.g. after "E": F to Z, then AA on)."""
    longer = f"[A-Z]{{{len(letters) + 1},}}"
    same = [
        letters[:i] + f"[{chr(ord(letter) + 1)}-Z]" + "[A-Z]" * (len(letters) - i - 1)
        for i, letter in enumerate(letters)
        if letter != "Z"
    ]
    return re.compile(rf" r=[\"'](?:{'|'.join([longer, *same])})\d".encode())


@cache
def _rows_longer_than(digits: int) -> re.Pattern[bytes]:
    return re.compile(rf" r=[\"'][A-Z]*(\d{{{digits + 1},}})[\"']".encode())


def _refuse(name: str, sheet: str, problem: str) -> FileRejected:
    return FileRejected(
        f'{name}: sheet "{sheet}" {problem}; ask the partner to save it again with only the '
        "contact table."
    )


def check_extent(
    name: str, sheet: str, rows: int, columns: int, limits: SizeLimits, reference: str = ""
) -> None:
    """Refuse a used area wider than the profile reads, taller than a sheet, or too big.

    `reference` names the widest cell when it is known (an xlsx scan finds it)."""
    if columns > limits.max_columns:
        where = (
            f"has a cell at {reference}, in column {columns:,}"
            if reference
            else f"has a cell in column {column_letters(columns)} ({columns:,})"
        )
        raise _refuse(name, sheet, f"{where}: {limits.too_wide}")
    if rows > EXCEL_ROWS:
        raise _refuse(
            name, sheet, f"has a row {rows:,}, below the last row a sheet can have ({EXCEL_ROWS:,})"
        )
    if rows * columns > limits.max_cells:
        raise _refuse(
            name,
            sheet,
            f"runs to {column_letters(columns)}{rows}, {rows * columns:,} cells, more than can "
            f"be read within {limits.memory_text} (HELPLINE_READ_MEMORY_MB)",
        )


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream in chunks, each starting with the end of the one before (no ref is cut)."""
    tail = b""
    while chunk := stream.read(_CHUNK):
        yield tail + chunk
        tail = chunk[-_OVERLAP:]


class SheetExtent(NamedTuple):
    declared: tuple[int, int] | None  # the <dimension>'s bottom-right (row, column), if any
    rows: int  # the last row present
    columns: int  # the widest column present
    widest: str  # the reference of a cell in that column, e.g. "XFD1"
    first_row: FirstRow | None  # the first row holding a value, if the first chunk shows it


def sheet_extent(stream: IO[bytes], most_bytes: int | None = None) -> SheetExtent:
    """A worksheet part's declared dimension and the largest cell reference actually present,
    in one streamed pass (of its first `most_bytes` only, if given).

    Rows come in order in every workbook a program writes, so the last row tag of each chunk
    gives the last row; a row number with more digits than any seen so far is looked for too.
    Columns are found exactly: a chunk that holds any column after the widest so far (the
    first chunk, or a wider sheet) has all its cell references read.
    """
    declared, last_row, widest, reference, first = None, 0, "", "", None
    for number, chunk in enumerate(_chunks(stream)):
        if most_bytes is not None and number * _CHUNK >= most_bytes:
            break
        if number == 0:
            first = first_row(chunk)
        if number == 0 and (dimension := _DIMENSION.search(chunk)):
            cols, rows = dimension[3] or dimension[1], dimension[4] or dimension[2]
            if cols and rows:
                declared = (int(rows), column_number(cols.decode()))
        if found := _LAST_ROW.findall(chunk, max(0, len(chunk) - _ROW_WINDOW)):
            last_row = max(last_row, int(found[-1]))
        while longer := _rows_longer_than(len(str(last_row))).search(chunk):
            last_row = max(last_row, int(longer[1]))
        if _wider_than(widest or "@").search(chunk):  # rare: the first chunk, or a wider sheet
            letters = {column.decode() for column in _CELL_LETTERS.findall(chunk)}
            widest = max(letters | {widest}, key=lambda column: (len(column), column))
            where = re.search(rb" r=[\"']" + widest.encode() + rb"(\d+)", chunk)
            reference = widest + (where[1].decode() if where else "")
    return SheetExtent(declared, last_row, column_number(widest), reference, first)


def first_row(head: bytes) -> FirstRow | None:
    """The first row holding a value in the start of a sheet part (a cell with a `<v>` or an
    inline string; a style, or a formula with no result, is none, as calamine reads it). None
    when no such row ends within `head`, or a row or a cell before it has no reference (the XML
    allows leaving them out)."""
    data = _SHEET_DATA.search(head)
    for row in _ROW.finditer(head, data.end()) if data else ():
        number = _ROW_NUMBER.search(row[1])
        cells = [(_CELL_COLUMN.search(cell[1]), cell[2]) for cell in _CELL.finditer(row[2] or b"")]
        if number is None or any(column is None for column, _ in cells):
            return None
        valued = frozenset(
            column_number(column[1].decode()) - 1
            for column, content in cells
            if column is not None and content and _VALUE.search(content)
        )
        if valued:
            return FirstRow(int(number[1]), valued)
    return None


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name -> its part in the zip, from xl/workbook.xml and its relationships."""
    # The guards refused any DOCTYPE or ENTITY before this (flows.intake.reading.guards), and expat
    # fetches no external entity, so these two small parts parse safely.
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
    try:
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    except KeyError:
        return {}
    targets = {item.get("Id"): item.get("Target", "") for item in relations}
    parts = {}
    for sheet in workbook.iter(f"{{{_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_RELATIONSHIPS}}}id")) or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        parts[sheet.get("name", "")] = posixpath.normpath(path)
    return parts


def shared_strings_part(archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The workbook's shared-strings part (its name's case varies between writers), if any."""
    return next(
        (i for i in archive.infolist() if i.filename.lower() == "xl/sharedstrings.xml"), None
    )


def check_shared_strings(name: str, archive: zipfile.ZipFile, limits: SizeLimits) -> None:
    """Refuse a shared-strings count the part could not hold, or memory could not."""
    part = shared_strings_part(archive)
    if part is None:
        return
    with archive.open(part) as stream:
        head = stream.read(64 * 1024)
    declared = _SST.search(head)
    if declared is None:
        return
    count = int(declared[1])
    room = part.file_size // SMALLEST_SHARED_STRING
    if count > room or count * SHARED_STRING_BYTES > limits.memory_bytes // 2:
        raise FileRejected(
            f"{name} declares {count:,} shared strings, more than its strings part can hold "
            f"({room:,}) or than can be read within {limits.memory_text}; ask the partner to "
            "save it again with only the contact table."
        )


def check_xlsx_sheet(
    name: str, archive: zipfile.ZipFile, sheet: str, limits: SizeLimits
) -> SheetSize | None:
    """The declared dimension and the largest cell reference present, before calamine reads;
    what parsing the sheet will take in, or None when the workbook names no such sheet part.

    A sheet part up to FULL_SCAN_BYTES (a few hundred thousand ordinary rows) is scanned
    whole, which costs a few per cent of calamine's own parse; of a larger one only the start
    is, and calamine's extent is checked again before any cell reaches Python (sheet_data).
    Either way the child's memory limit stays the guarantee.
    """
    part = sheet_parts(archive).get(sheet)
    if part is None or part not in archive.NameToInfo:
        return None  # calamine will say what is wrong with the workbook
    part_bytes = archive.getinfo(part).file_size
    whole = part_bytes <= FULL_SCAN_BYTES
    with archive.open(part) as stream:
        extent = sheet_extent(stream, None if whole else _CHUNK)
    check_extent(name, sheet, extent.rows, extent.columns, limits, extent.widest)
    if extent.declared is not None:
        check_extent(name, sheet, *extent.declared, limits)
    rows = extent.rows
    if extent.declared is None and not whole:  # only the first chunk's rows are known:
        rows = rows * part_bytes // _CHUNK  # scaled to the whole part
    declared = extent.declared or (0, 0)
    strings = shared_strings_part(archive)
    cells = max(rows * extent.columns, declared[0] * declared[1])
    return SheetSize(cells, part_bytes + (strings.file_size if strings else 0), extent.first_row)


def file_size(path: Path) -> SheetSize:
    """What parsing a workbook with no scanned extent takes in, at most: the most cells its
    bytes (uncompressed, for a zip such as an .ods) could hold."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            text = sum(info.file_size for info in archive.infolist())
    else:  # .xls records
        text = path.stat().st_size
    return SheetSize(text // SMALLEST_CELL_BYTES, text)


def check_ods(name: str, archive: zipfile.ZipFile, limits: SizeLimits) -> None:
    """calamine reads every sheet of an OpenDocument file as it opens it: bound them all first."""
    with archive.open("content.xml") as stream:
        extents = ods_extent(stream)
    for table, (rows, columns) in extents.items():
        check_extent(name, table, rows, columns, limits)
    total = sum(rows * columns for rows, columns in extents.values())
    if total > limits.max_cells:
        raise FileRejected(
            f"{name} has {total:,} cells in its sheets, more than can be read within "
            f"{limits.memory_text} (HELPLINE_READ_MEMORY_MB); ask the partner to save it again "
            "with only the contact table."
        )
