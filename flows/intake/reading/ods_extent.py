"""How big calamine's grid of each sheet of an OpenDocument spreadsheet will be, from content.xml.

A row or cell may say it repeats (`table:number-rows-repeated`, `number-columns-repeated`), so
a 780-byte file can describe a billion cells. calamine keeps a sheet's rows from its first to
its last non-empty one, each as wide as its last non-empty cell; empty repeats at the end (how
LibreOffice pads a sheet) cost nothing. This bound follows those rules with whole-array steps
over the XML, read in chunks that end at a row boundary.

Runs in the reading child: numpy and the standard library only.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np

_CHUNK = 1 << 20
_ROW = b"<table:table-row"
_TABLE = re.compile(rb"<table:table\s[^>]*?table:name=\"([^\"]*)\"")
_REPEATS = re.compile(rb'table:number-(rows|columns)-repeated="(\d+)"')
_CELLS = (b"<table:table-cell", b"<table:covered-table-cell")
_FILLED = (b'office:value-type="', b"<text:p")
_TAG_ENDS = np.frombuffer(b" >/\t\n\r", np.uint8)


@dataclass
class _Sheet:
    first: int | None = None  # first non-empty row (0-based, repeats counted)
    last: int = 0  # one after the last non-empty row
    width: int = 0
    rows: int = 0  # rows seen so far, repeats counted


def _find_all(data: np.ndarray, pattern: bytes) -> np.ndarray:
    hits = np.flatnonzero(data[: len(data) - len(pattern) + 1] == pattern[0])
    for offset in range(1, len(pattern)):
        hits = hits[data[hits + offset] == pattern[offset]]
    return hits


def _tags(data: np.ndarray, pattern: bytes) -> np.ndarray:
    """Start tags named exactly `pattern` (not a longer name that begins with it)."""
    hits = _find_all(data, pattern)
    after = data[np.minimum(hits + len(pattern), len(data) - 1)]
    return hits[np.isin(after, _TAG_ENDS)]


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The XML in chunks that each end just before a row tag (a row never spans two)."""
    tail = b""
    while True:
        data = stream.read(_CHUNK)
        if not data:
            if tail:
                yield tail
            return
        data = tail + data
        cut = data.rfind(_ROW)
        if cut <= 0:
            tail = data  # one row longer than a chunk: read on
            continue
        yield data[:cut]
        tail = data[cut:]


def _repeat_counts(buffer: bytes, kind: bytes) -> tuple[np.ndarray, np.ndarray]:
    found = [(m.start(), int(m[2])) for m in _REPEATS.finditer(buffer) if m[1] == kind]
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    positions, counts = zip(*found, strict=True)
    return np.array(positions, np.int64), np.array(counts, np.int64)


def _per_item(starts: np.ndarray, positions: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each item's repeat count: a repeat attribute belongs to the last item starting before it."""
    counts = np.ones(len(starts), np.int64)
    if len(positions) and len(starts):
        owner = np.searchsorted(starts, positions, side="right") - 1
        keep = owner >= 0
        counts[owner[keep]] = values[keep]
    return counts


def _rows_of(buffer: bytes, data: np.ndarray, rows: np.ndarray, sheet: _Sheet) -> None:
    cells = np.sort(np.concatenate([_tags(data, tag) for tag in _CELLS]))
    row_repeats = _per_item(rows, *_repeat_counts(buffer, b"rows"))
    column_repeats = _per_item(cells, *_repeat_counts(buffer, b"columns"))
    filled = np.zeros(len(cells), bool)
    for marker in _FILLED:
        owner = np.searchsorted(cells, _find_all(data, marker), side="right") - 1
        filled[owner[owner >= 0]] = True
    row_of_cell = np.searchsorted(rows, cells, side="right") - 1
    ends = np.cumsum(column_repeats)
    before = np.concatenate([[0], ends])[np.searchsorted(cells, rows)]
    keep = filled & (row_of_cell >= 0)
    if keep.any():
        sheet.width = max(sheet.width, int((ends - before[row_of_cell])[keep].max()))
        row_ends = sheet.rows + np.cumsum(row_repeats)
        used = np.unique(row_of_cell[keep])
        if sheet.first is None:
            sheet.first = int(row_ends[used[0]] - row_repeats[used[0]])
        sheet.last = int(row_ends[used[-1]])
    sheet.rows += int(row_repeats.sum())


def ods_extent(stream: IO[bytes]) -> dict[str, tuple[int, int]]:
    """Each sheet's name -> (rows, columns) of the grid calamine will build for it."""
    sheets: dict[str, _Sheet] = {}
    current: _Sheet | None = None
    for buffer in _chunks(stream):
        data = np.frombuffer(buffer, np.uint8)
        rows = _tags(data, _ROW)
        starts = [(m.start(), m[1].decode("utf-8", "replace")) for m in _TABLE.finditer(buffer)]
        bounds = [0, *(start for start, _ in starts), len(buffer)]
        names = [None, *(name for _, name in starts)]
        for (low, high), name in zip(itertools.pairwise(bounds), names, strict=True):
            if name is not None:
                current = sheets.setdefault(name, _Sheet())
            part = rows[(rows >= low) & (rows < high)]
            if current is not None and len(part):
                window = data[:high]
                _rows_of(buffer[:high], window, part, current)
    return {
        name: (sheet.last - (sheet.first or 0), sheet.width)
        for name, sheet in sheets.items()
        if sheet.first is not None
    }
