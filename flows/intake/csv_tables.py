"""Reading a partner's CSV: encoding, delimiter, header search and the body in one C pass."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected
from flows.intake.header_tables import (
    HEADER_SEARCH_ROWS,
    HeaderRow,
    RawTable,
    find_header_row,
    locate_columns,
    table_below_header,
)

DELIMITERS = (",", ";", "\t", "|")
BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
NEWLINE = b"\n"


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The candidate delimiter seen most often on one line (comma if none is seen)."""
    counts = {d: max((line.count(d) for line in lines), default=0) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] else ","


def _records(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on: a quoted cell may span lines."""
    reader = csv.reader(lines, delimiter=delimiter)
    consumed = 0
    for row in reader:
        yield consumed + 1, row
        consumed = reader.line_num


def _head_records(lines: list[str], delimiter: str) -> tuple[list[list[str]], list[int]]:
    pairs = list(_records(lines, delimiter))
    return [row for _, row in pairs], [start for start, _ in pairs]


def _csv_head(
    path: Path, encoding: str, header: HeaderRow, wanted: Sequence[str]
) -> tuple[str, list[list[str]], list[int]]:
    """The delimiter, and the first records with the line each starts on."""
    limit = HEADER_SEARCH_ROWS if header == "auto" else max(header, HEADER_SEARCH_ROWS)
    with path.open(encoding=encoding, newline="") as handle:
        lines = list(itertools.islice(handle, limit))
    best = sniff_delimiter(lines)
    # A delimiter that turns some row into the wanted headings beats a raw count.
    for delimiter in (best, *(d for d in DELIMITERS if d != best)) if header == "auto" else ():
        rows, starts = _head_records(lines, delimiter)
        if find_header_row(rows, wanted) >= 0:
            return delimiter, rows, starts
    return (best, *_head_records(lines, best))


def _csv_body(path: Path, delimiter: str, encoding: str, width: int, skip: int) -> pd.DataFrame:
    def read(usecols: range | None) -> pd.DataFrame:
        return pd.read_csv(
            path,
            sep=delimiter,
            header=None,
            names=range(width),
            usecols=usecols,
            skiprows=skip,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            encoding=encoding,
            engine="c",
        )

    try:  # usecols cuts rows longer than the header instead of refusing them...
        return read(range(width))
    except pd.errors.ParserError:  # ...but fails when every row is shorter; names alone pad those
        return read(None)


def read_csv_table(path: Path, wanted: Sequence[str], encoding: str, header: HeaderRow) -> RawTable:
    name, where = path.name, "the file "
    delimiter, head_rows, starts = _csv_head(path, encoding, header, wanted)
    if not any(cell.strip() for row in head_rows for cell in row):
        raise FileRejected(f"{name} is empty; ask the partner to send the data.")
    index, positions = locate_columns(name, where, head_rows, wanted, header)
    last = max(positions) + 1
    frame = _csv_body(path, delimiter, encoding, max(len(head_rows[index]), last), index + 1)
    header_line = starts[index]
    grid = frame.iloc[:, :last].to_numpy(dtype=object)
    # Arrow-backed text columns make this one vectorised pass per column, not per-cell Python.
    blank = np.column_stack([frame[c].str.strip().eq("").to_numpy(bool) for c in range(last)])
    header_cells = (header_line, head_rows[index])
    table = table_below_header((name, where), grid, blank, wanted, positions, header_cells, None)
    breaks = ("\n", "\r")  # plain substring searches: a regex costs twice as much here
    if any(frame[c].str.contains(b, regex=False).any() for c in frame for b in breaks):
        # A quoted cell holds a line break, so records and lines part: count lines again.
        with path.open(encoding=encoding, newline="") as handle:
            starts_all = np.fromiter((n for n, _ in _records(handle, delimiter)), dtype=np.int64)
        numbers = starts_all[index + 1 :][table.row_numbers - header_line - 1]
        table = RawTable(table.frame, numbers, None, header_line, table.headings)
    return table


def csv_error(path: Path, encoding: str, error: Exception) -> FileRejected:
    if isinstance(error, UnicodeDecodeError):
        data = path.read_bytes()  # only on failure, and the guard capped the size
        try:
            data.decode(encoding)
            where = ""
        except UnicodeDecodeError as failure:
            where = f" (line {data.count(NEWLINE, 0, failure.start) + 1})"
        return FileRejected(
            f"{path.name} is not valid {encoding} text{where}; set the profile's encoding (e.g. "
            'encoding = "cp1252") or ask the partner to save it as UTF-8.'
        )
    detail = " ".join(str(error).split())[:160]
    if isinstance(error, UnicodeError | LookupError):  # "rot13" and the like are not text
        return FileRejected(
            f"{path.name} cannot be read as {encoding} text ({detail}); set the profile's "
            'encoding to a text encoding, e.g. encoding = "cp1252".'
        )
    return FileRejected(
        f"{path.name} is not readable CSV ({detail}); ask the partner to export it again."
    )
