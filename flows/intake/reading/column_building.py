"""calamine's cells (Python objects) turned into CellColumns in whole-array steps.

No Python code runs per cell: each pass maps a C function (type, len, str.isspace,
date.toordinal...) over an object array, and numpy does the rest. Unsafe characters in the
text are escaped here (flows.core.safe_text), once, on the way in.

Runs in the reading child: numpy and the standard library only.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from datetime import date, datetime

import numpy as np

from flows.core.safe_text import UNSAFE_CHARACTERS, clean_text
from flows.intake.reading.cell_columns import BLANK, DATE, NUMBER, OTHER, TEXT, CellColumn

_UNIX_ORDINAL = date(1970, 1, 1).toordinal()
_SECONDS_PER_DAY = 86_400
_KIND_BY_TYPE: dict[type, int] = {
    str: TEXT,
    type(None): BLANK,
    float: NUMBER,
    int: NUMBER,
    np.float64: NUMBER,
    np.int64: NUMBER,
    datetime: DATE,
    date: DATE,
}  # anything else (bool, time of day, duration, a calamine error) is OTHER


def cell_kinds(cells: np.ndarray) -> np.ndarray:
    """Each cell's kind by its type (same shape, int8), in one C-level pass: every str is
    TEXT here, even white space; blank_cells tells those apart."""
    flat = cells.ravel()
    kinds = map(_KIND_BY_TYPE.get, map(type, flat), itertools.repeat(OTHER))
    return np.fromiter(kinds, np.int8, count=len(flat)).reshape(cells.shape)


def text_lengths(cells: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Each text cell's length in characters (0 for other cells), same shape."""
    lengths = np.zeros(cells.shape, np.int64)
    text = kinds == TEXT
    if text.any():
        strings = cells[text]
        lengths[text] = np.fromiter(map(len, strings), np.int64, count=len(strings))
    return lengths


def blank_cells(
    cells: np.ndarray, kinds: np.ndarray | None = None, lengths: np.ndarray | None = None
) -> np.ndarray:
    """Which cells are empty: None, or text that is empty or only white space."""
    kinds = cell_kinds(cells) if kinds is None else kinds
    blank = kinds == BLANK
    text = kinds == TEXT
    if text.any():
        lengths = text_lengths(cells, kinds) if lengths is None else lengths
        strings = cells[text]
        spaces = np.fromiter(map(str.isspace, strings), bool, count=len(strings))
        blank[text] = (lengths[text] == 0) | spaces
    return np.asarray(blank, dtype=bool)


def utf8_with_offsets(
    pieces: Sequence[str], lengths: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The pieces as one UTF-8 buffer (unsafe characters escaped) and their byte offsets."""
    if lengths is None:
        lengths = np.fromiter(map(len, pieces), np.int64, count=len(pieces))
    characters = np.zeros(len(pieces) + 1, np.int64)
    np.cumsum(lengths, out=characters[1:])
    joined = "".join(pieces)
    # Every unsafe character is unprintable, and str.isprintable (one C pass) is about twice
    # as fast as the pattern's search: the search runs only on text that fails it.
    if not joined.isprintable() and UNSAFE_CHARACTERS.search(joined):  # rare: only the
        # pieces holding one are rewritten
        found = [match.start() for match in UNSAFE_CHARACTERS.finditer(joined)]
        affected = np.unique(np.searchsorted(characters, found, side="right") - 1)
        rewritten = list(pieces)
        for position in affected:
            rewritten[position] = clean_text(rewritten[position])
        lengths = np.fromiter(map(len, rewritten), np.int64, count=len(rewritten))
        np.cumsum(lengths, out=characters[1:])
        joined = "".join(rewritten)
    encoded = joined.encode("utf-8")
    if len(encoded) == len(joined):  # ASCII: bytes and characters line up
        return np.frombuffer(encoded, np.uint8), characters
    points = np.frombuffer(joined.encode("utf-32-le"), np.uint32)
    widths = 1 + (points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000)
    ends = np.zeros(len(points) + 1, np.int64)
    np.cumsum(widths, out=ends[1:])
    return np.frombuffer(encoded, np.uint8), ends[characters]


def _date_seconds(cells: np.ndarray) -> np.ndarray:
    """date and datetime cells as seconds since 1970 (time of day kept)."""
    days = np.fromiter(map(date.toordinal, cells), np.int64, count=len(cells)) - _UNIX_ORDINAL
    seconds = days * _SECONDS_PER_DAY
    classes = np.fromiter(map(type, cells), dtype=object, count=len(cells))
    timed = np.asarray(classes == datetime, dtype=bool)
    if timed.any():
        moments = cells[timed]
        for unit, name in ((3600, "hour"), (60, "minute"), (1, "second")):
            part = map(operator.attrgetter(name), moments)
            seconds[timed] += unit * np.fromiter(part, np.int64, count=len(moments))
    return seconds


def _as_plain_dates(cells: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Date-like values of other classes (pandas Timestamps, numpy datetime64) as datetimes;
    calamine never gives these, so this looks at the few cells of unusual classes only."""
    cells = cells.copy()
    for position in np.flatnonzero(kinds == OTHER):
        value = cells[position]
        if isinstance(value, np.datetime64):
            value = None if np.isnat(value) else value.astype("datetime64[us]").item()
        if isinstance(value, datetime):
            value = value.replace(tzinfo=None) if value.tzinfo else value
            cells[position], kinds[position] = datetime(*value.timetuple()[:6]), DATE
        elif value is None:
            cells[position], kinds[position] = None, BLANK
    return cells


def cell_column(
    cells: np.ndarray,
    kinds: np.ndarray | None = None,
    blank: np.ndarray | None = None,
    lengths: np.ndarray | None = None,
) -> CellColumn:
    """A 1-D object array of calamine cells (str, float, date, datetime, bool, time...) typed.

    `kinds`, `blank` and `lengths` may be given from cell_kinds, blank_cells and text_lengths
    (a grid computes them once for all its columns)."""
    count = len(cells)
    kinds = cell_kinds(cells) if kinds is None else kinds.copy()
    if (kinds == OTHER).any():
        cells = _as_plain_dates(cells, kinds)
        blank = lengths = None
    lengths = text_lengths(cells, kinds) if lengths is None else lengths
    kinds[blank_cells(cells, kinds, lengths) if blank is None else blank] = BLANK
    text, other = kinds == TEXT, kinds == OTHER
    if text.all():  # the usual column of references or spellings: every cell is text already
        pieces = cells.tolist()
    else:
        shown = np.where(text, cells, "")
        lengths = np.where(text, lengths, 0)
        if other.any():  # booleans, times of day, durations: rare, shown as Python writes them
            shown[other] = list(map(str, cells[other]))
            lengths[other] = [len(piece) for piece in shown[other]]
        pieces = shown.tolist()
    utf8, offsets = utf8_with_offsets(pieces, lengths)
    numbers = dates = None
    number, when = kinds == NUMBER, kinds == DATE
    if number.any():
        numbers = np.full(count, np.nan)
        numbers[number] = cells[number].astype(np.float64)
    if when.any():
        dates = np.full(count, np.datetime64("NaT"), "datetime64[s]")
        dates[when] = _date_seconds(cells[when]).astype("datetime64[s]")
    return CellColumn(kinds, utf8, offsets, numbers, dates)


def concat_columns(pieces: list[CellColumn]) -> CellColumn:
    """One column from consecutive pieces (a sheet read chunk by chunk)."""
    if len(pieces) == 1:
        return pieces[0]
    kinds = np.concatenate([piece.kinds for piece in pieces])
    utf8 = np.concatenate([piece.utf8[piece.offsets[0] : piece.offsets[-1]] for piece in pieces])
    lengths = np.concatenate([np.diff(piece.offsets) for piece in pieces])
    offsets = np.zeros(len(kinds) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])

    def joined(part: str, empty: object) -> np.ndarray | None:
        arrays = [getattr(piece, part) for piece in pieces]
        if all(array is None for array in arrays):
            return None
        return np.concatenate(
            [
                array if array is not None else np.full(len(piece), empty)
                for array, piece in zip(arrays, pieces, strict=True)
            ]
        )

    return CellColumn(
        kinds,
        utf8,
        offsets,
        joined("numbers", np.nan),
        joined("dates", np.datetime64("NaT", "s")),
    )


def text_column(utf8: np.ndarray, offsets: np.ndarray, blank: np.ndarray) -> CellColumn:
    """A column whose cells are all text (a CSV's), from a UTF-8 buffer and its offsets."""
    kinds = np.where(blank, BLANK, TEXT).astype(np.int8)
    return CellColumn(kinds, utf8, offsets.astype(np.int64, copy=False))
