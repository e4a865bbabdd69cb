"""Reading a partner's CSV: encoding, delimiter and header search on the first rows with the
csv module, then the body with pyarrow's CSV reader, which keeps every cell in Arrow buffers.

Rows are numbered as a spreadsheet shows the file (a quoted cell over two lines is one row, a
blank line is a row), so messages and feedback name the row the partner sees. Rows with more
or fewer cells than the table (notes, a "Total" line) are handed to us by pyarrow, read with the
csv module, and put back in their place. Runs in the reading child: no pandas.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from flows.core.errors import FileRejected
from flows.core.safe_text import UNSAFE_CHARACTERS_RE2, escape_character, unsafe_characters_in
from flows.intake.reading.cell_columns import CellColumn, CellTable
from flows.intake.reading.column_building import text_column
from flows.intake.reading.header_tables import (
    HEADER_SEARCH_ROWS,
    HeaderRow,
    find_header_row,
    first_filled,
    locate_columns,
    shorten,
    table_below_header,
)

DELIMITERS = (",", ";", "\t", "|")
BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# RE2 (pyarrow) spellings of flows.core.safe_text's patterns; a test checks they agree.
TOTAL_RE2 = "(?i)^\\s*(?:grand\\s+)?totals?(?:$|[^\\pL\\pN_-])"
_BLOCK_BYTES = 16 << 20  # a block must hold the longest record


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The candidate delimiter seen most often on one line (comma if none is seen)."""
    counts = {d: max((line.count(d) for line in lines), default=0) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] else ","


def _csv_head(
    path: Path, encoding: str, header: HeaderRow, wanted: Sequence[str]
) -> tuple[str, list[list[str]], bool]:
    """The delimiter, the first records, and whether the file ends within them."""
    limit = HEADER_SEARCH_ROWS if header == "auto" else max(header, HEADER_SEARCH_ROWS)
    with path.open(encoding=encoding, newline="") as handle:
        lines = list(itertools.islice(handle, limit + 1))
    whole = len(lines) <= limit
    lines = lines[:limit]
    best = sniff_delimiter(lines)
    # A delimiter that turns some row into the wanted headings beats a raw count.
    for delimiter in (best, *(d for d in DELIMITERS if d != best)) if header == "auto" else ():
        rows = list(csv.reader(lines, delimiter=delimiter))
        if find_header_row(rows, wanted) >= 0:
            return delimiter, rows, whole
    return best, list(csv.reader(lines, delimiter=best)), whole


def _blank_cells(column: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    length = pc.utf8_length(pc.utf8_trim_whitespace(column))
    return np.asarray(pc.equal(length, pa.scalar(0, pa.int32())).to_numpy(zero_copy_only=False))


class ArrowGrid:
    """A CellGrid over a CSV's columns, each a pyarrow string array. pyarrow's kernels release
    the interpreter, so the columns' blank cells are found on two threads."""

    def __init__(self, columns: list[Any]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self.columns = columns
        with ThreadPoolExecutor(2, thread_name_prefix="columns") as pool:
            self.blank = np.column_stack(list(pool.map(_blank_cells, columns)))
        self.totals = np.zeros(len(self.blank), bool)
        first = first_filled(self.blank)
        first[self.blank.all(axis=1)] = -1  # blank rows have no first cell
        for position, column in enumerate(columns):  # usually only column 0 is ever first
            rows = np.flatnonzero(first == position)
            if rows.size:
                label = pc.match_substring_regex(column.take(pa.array(rows)), TOTAL_RE2)
                self.totals[rows] = label.to_numpy(zero_copy_only=False)

    def column(self, position: int, rows: np.ndarray | slice) -> CellColumn:
        import pyarrow as pa
        import pyarrow.compute as pc

        values = self.columns[position]
        if isinstance(rows, slice):
            values = values.slice(rows.start or 0, (rows.stop or len(values)) - (rows.start or 0))
        else:
            values = values.take(pa.array(rows))
        unsafe = pc.match_substring_regex(values, UNSAFE_CHARACTERS_RE2)
        if pc.any(unsafe).as_py():  # rare: each distinct unsafe character escaped in one pass
            found = "".join(values.filter(unsafe).to_pylist())
            for character in sorted(unsafe_characters_in(found)):
                escaped = escape_character(character)
                values = pc.replace_substring(values, character, escaped)
        values = values.cast(pa.large_string())
        _, offsets, data = values.buffers()
        start = values.offset
        offsets = np.frombuffer(offsets, np.int64)[start : start + len(values) + 1]
        utf8 = np.frombuffer(data, np.uint8) if data is not None else np.empty(0, np.uint8)
        blank = self.blank[:, position][rows]
        return text_column(utf8, offsets, blank)


def _read_body(path: Path, delimiter: str, encoding: str, width: int, keep: int) -> list[Any]:
    """Every record of the file as its first `keep` text columns (of a table `width` wide; the
    rest are never converted), records of another width put back in place."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    odd: list[tuple[int, str]] = []

    def set_aside(row: Any) -> str:
        odd.append((row.number, row.text))
        return "skip"

    names = [f"c{i}" for i in range(width)]
    table = arrow_csv.read_csv(
        path,
        read_options=arrow_csv.ReadOptions(
            column_names=names, use_threads=False, block_size=_BLOCK_BYTES, encoding=encoding
        ),
        parse_options=arrow_csv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=set_aside,
        ),
        convert_options=arrow_csv.ConvertOptions(
            include_columns=names[:keep],
            column_types=dict.fromkeys(names[:keep], pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    columns = [table.column(i).combine_chunks() for i in range(keep)]
    if not odd:
        return columns
    numbers = np.array([number for number, _ in odd], np.int64)
    cells = [
        (row + [""] * keep)[:keep]
        for _, text in odd
        for row in [next(csv.reader(io.StringIO(text), delimiter=delimiter), [])]
    ]
    total = table.num_rows + len(odd)
    regular = np.setdiff1d(np.arange(1, total + 1), numbers)
    order = pa.array(np.argsort(np.concatenate([regular, numbers]), kind="stable"))
    return [
        pa.concat_arrays([column, pa.array([row[i] for row in cells], pa.string())]).take(order)
        for i, column in enumerate(columns)
    ]


def read_csv_table(
    path: Path, wanted: list[str], encoding: str, header: HeaderRow, profile_id: str = ""
) -> CellTable:
    name, where = path.name, "the file "
    delimiter, head_rows, whole = _csv_head(path, encoding, header, wanted)
    if not any(cell.strip() for row in head_rows for cell in row):
        raise FileRejected(f"{name} is empty; ask the partner to send the data.")
    total_rows = len(head_rows) if whole else None
    index, positions = locate_columns(
        name, where, head_rows, wanted, header, total_rows=total_rows, profile_id=profile_id
    )
    width = max(positions) + 1
    # The table is as wide as most of its first rows, so few rows need putting back.
    counts = [len(row) for row in head_rows[index + 1 :]] or [len(head_rows[index])]
    common = max(set(counts), key=counts.count)
    columns = _read_body(path, delimiter, encoding, max(common, width), width)
    found = [c[index].as_py() if index < len(c) else None for c in columns]
    if found != (head_rows[index] + [""] * width)[:width]:
        raise FileRejected(
            f"{name} is not readable CSV (its quoting is ambiguous above row {index + 1}); ask "
            "the partner to export it again."
        )
    body = [column.slice(index + 1) for column in columns]
    grid = ArrowGrid(body)
    return table_below_header(
        (name, where), grid, wanted, positions, (index + 1, head_rows[index]), None
    )


def record_of_offset(data: bytes, offset: int, encoding: str, delimiter: str) -> int:
    """The row (as a spreadsheet numbers a CSV's records) holding the byte at `offset`."""
    before = data[:offset].decode(encoding, errors="replace")
    rows = sum(1 for _ in csv.reader(io.StringIO(before, newline=""), delimiter=delimiter))
    return rows + 1 if not before or before.endswith(("\n", "\r")) else max(rows, 1)


def csv_error(path: Path, encoding: str, error: Exception) -> FileRejected:
    if isinstance(error, UnicodeDecodeError) or "invalid UTF8" in str(error):
        data = path.read_bytes()  # only on failure, and the guard capped the size
        try:
            data.decode(encoding)
            where = ""
        except UnicodeDecodeError as failure:
            head = data[: min(len(data), 64 * 1024)].decode(encoding, errors="replace")
            delimiter = sniff_delimiter(head.splitlines()[:HEADER_SEARCH_ROWS])
            where = f" (row {record_of_offset(data, failure.start, encoding, delimiter)})"
        return FileRejected(
            f"{path.name} is not valid {encoding} text{where}; set the profile's encoding (e.g. "
            'encoding = "cp1252") or ask the partner to save it as UTF-8.'
        )
    detail = shorten(" ".join(str(error).split()), 160)
    if isinstance(error, UnicodeError | LookupError):  # "rot13" and the like are not text
        return FileRejected(
            f"{path.name} cannot be read as {encoding} text ({detail}); set the profile's "
            'encoding to a text encoding, e.g. encoding = "cp1252".'
        )
    return FileRejected(
        f"{path.name} is not readable CSV ({detail}); ask the partner to export it again."
    )
