"""What a workbook shows its reader, beside its cells: hidden rows, columns and sheets, and its
date system (1900 or 1904).

A scan of the file's own XML, separate from the cell reader and run after it (the guards have
then checked the zip: its sizes, its parts' names, no DOCTYPE). It returns plain data
(flows.intake.reading.sheet_structure), which flows.intake.hidden_cells and
flows.intake.date_system apply to what was read.

What each format tells:
- .xlsx/.xlsm: everything here, from xl/workbook.xml and each sheet's part.
- .ods: the same, from content.xml (flows.intake.ods_structure).
- .xls: nothing here; the reading child reads its hidden rows and columns and its date system
  with xlrd (flows.intake.reading.xls_structure), as its cells are parsed there.
- .csv: nothing is hidden in a text file.
"""

from __future__ import annotations

import posixpath
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import IO

from flows.intake.reading.sheet_structure import (
    NOT_SCANNED,
    SheetStructure,
    WorkbookStructure,
)

_XLSX = (".xlsx", ".xlsm")
_CHUNK = 4 << 20
_CARRY = 64 * 1024  # longer than any one row or column tag
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\bhidden=[\"'](?:1|true)[\"']")
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
_ATTRIBUTE = re.compile(rb"\b([\w:]+)=[\"']([^\"']*)[\"']")
_TRUE = (b"1", b"true")
_WORKBOOK_PR = re.compile(rb"<(?:\w+:)?workbookPr\b([^>]*)>")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")


class ScanStopped(Exception):
    """The scan was asked to stop (the read failed), or inflated more than it may."""


@dataclass
class ScanBudget:
    """How many bytes the scan may inflate, and a flag the caller sets to stop it early: it
    runs beside the read, before the read's guards have vouched for the file's sizes."""

    max_bytes: int
    stop: threading.Event = field(default_factory=threading.Event)
    used: int = 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > self.max_bytes or self.stop.is_set():
            raise ScanStopped


def scan_structure(
    path: Path, sheets: Iterable[str | None] | None = None, budget: ScanBudget | None = None
) -> WorkbookStructure:
    """The workbook's date system and hidden sheets, and the hidden rows and columns of the
    sheets named (every sheet when None)."""
    if path.suffix.lower() not in _XLSX:
        return NOT_SCANNED
    budget = budget or ScanBudget(1 << 62)
    with zipfile.ZipFile(path) as archive:
        workbook = _small_part(archive, "xl/workbook.xml", budget)
        parts = _sheet_parts(archive, workbook, budget)
        properties = _attributes(_WORKBOOK_PR.search(workbook))
        date1904 = properties.get(b"date1904", b"").lower() in _TRUE
        wanted = set(parts) if sheets is None else {name for name in sheets if name is not None}
        names = set(archive.namelist())
        scanned = []
        for name, (state, part) in parts.items():
            if name in wanted and part is not None and part in names:
                with archive.open(part) as stream:
                    rows, columns = _hidden_rows_and_columns(stream, budget)
                scanned.append(SheetStructure(name, state, rows, columns))
            elif name in wanted:
                scanned.append(SheetStructure(name, state))
    hidden = tuple(name for name, (state, _) in parts.items() if state != "visible")
    return WorkbookStructure(date1904, tuple(scanned), True, hidden)


def _attributes(tag: re.Match[bytes] | None) -> dict[bytes, bytes]:
    """A tag's attributes by local name (a prefix such as r: dropped)."""
    if tag is None:
        return {}
    return {key.split(b":")[-1]: value for key, value in _ATTRIBUTE.findall(tag.group(1))}


def _small_part(archive: zipfile.ZipFile, name: str, budget: ScanBudget) -> bytes:
    """A part read whole (the workbook's list of sheets): its declared size counted first,
    which also bounds what zipfile will inflate."""
    budget.spend(archive.getinfo(name).file_size)
    return archive.read(name)


def _sheet_parts(
    archive: zipfile.ZipFile, workbook: bytes, budget: ScanBudget
) -> dict[str, tuple[str, str | None]]:
    """Each sheet's name -> (its state, the zip part holding it)."""
    try:
        rels = _small_part(archive, "xl/_rels/workbook.xml.rels", budget)
    except KeyError:
        rels = b""
    targets = {}
    for match in _RELATIONSHIP.finditer(rels):
        attributes = _attributes(match)
        target = attributes.get(b"Target", b"").decode("utf-8", "replace")
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = posixpath.normpath(posixpath.join("xl", target))
        targets[attributes.get(b"Id", b"")] = part
    parts = {}
    for match in _SHEET.finditer(workbook):
        attributes = _attributes(match)
        name = unescape(attributes.get(b"name", b"").decode("utf-8", "replace"))
        state = attributes.get(b"state", b"visible").decode("ascii", "replace")
        parts[name] = (state, targets.get(attributes.get(b"id", b"")))
    return parts


def _hidden_rows_and_columns(
    stream: IO[bytes], budget: ScanBudget
) -> tuple[frozenset[int], frozenset[int]]:
    """The rows and columns a sheet part marks hidden, read as a stream in bounded memory."""
    rows: set[int] = set()
    columns: set[int] = set()
    counted = 0  # the last row number seen, for row tags without r= (each is the next row)
    for block in part_blocks(stream, budget):
        # The usual block hides nothing (a plain search, at memory speed, says so): only its
        # last row's number matters, for a later block whose row tags leave r= out.
        hides = block.find(b"hidden") >= 0
        if not hides or _HIDDEN_ROW.search(block) is None:
            counted = _last_row(block, counted)
        else:
            counted = _rows_in(block, counted, rows)
        if not hides:
            continue
        for match in _COL.finditer(block):
            attributes = _attributes(match)
            if attributes.get(b"hidden", b"").lower() in _TRUE:
                first, last = int(attributes.get(b"min", b"0")), int(attributes.get(b"max", b"0"))
                columns.update(range(max(first, 1), min(last, 16_384) + 1))
    return frozenset(rows), frozenset(columns)


def part_blocks(stream: IO[bytes], budget: ScanBudget) -> Iterator[bytes]:
    """The part in blocks that each end at a tag's end: no tag is cut in two."""
    carried = b""
    while True:
        chunk = stream.read(_CHUNK)
        budget.spend(len(chunk))
        if not chunk:
            if carried:
                yield carried
            return
        data = carried + chunk
        cut = data.rfind(b">") + 1
        if cut == 0 and len(data) > _CARRY:
            cut = len(data) - _CARRY
        block = data[:cut]
        yield block
        carried = data[cut:]
        if b"sheetData>" in block and _SHEET_DATA_END.search(block) is not None:
            return  # nothing after the cells hides a row or a column


def _last_row(block: bytes, counted: int) -> int:
    """The last row number of a block with no hidden row: its last row tag's r=, or counted on
    by its row tags when they leave r= out."""
    window = _CARRY
    while True:  # a row tag cannot start inside another tag: any window's matches are real
        start = max(0, len(block) - window)
        tags = list(_ROW.finditer(block, start))
        if tags or start == 0:
            break
        window *= 4
    if not tags:
        return counted
    last = tags[-1]
    number = _attributes(last).get(b"r")
    if number is not None and number.isdigit():
        return int(number)
    return _rows_in(block, counted, set())


def _rows_in(block: bytes, counted: int, hidden: set[int]) -> int:
    for match in _ROW.finditer(block):
        attributes = _attributes(match)
        number = attributes.get(b"r")
        counted = int(number) if number is not None and number.isdigit() else counted + 1
        if attributes.get(b"hidden", b"").lower() in _TRUE:
            hidden.add(counted)
    return counted
