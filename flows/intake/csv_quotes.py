"""A CSV quote that is never closed: said as such, not as whatever the swallowed text breaks.

An opening quote with no closing one makes the reader take the rest of the file as one cell,
so the first thing to fail would be that cell's column ("not a police force area"), which
sends the partner to look in the wrong place. Checked after the read: the file holds an odd
number of quote characters and a cell read from it spans lines."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

from flows.core.errors import FileRejected
from flows.intake.reading.cell_columns import TEXT, CellTable

CHUNK = 1 << 20


def check_closed_quotes(path: Path, table: CellTable) -> None:
    """FileRejected naming the row whose quote is never closed, if there is one."""
    spanning = _first_spanning_row(table)
    if spanning is None or _quote_count(path) % 2 == 0:
        return
    raise FileRejected(
        f'{path.name}: row {spanning} opens a quote (") that is never closed, so the rest of '
        "the file was read as one cell; ask the partner to close or remove the quote, or to "
        "export the file again."
    )


def _first_spanning_row(table: CellTable) -> int | None:
    """The file row of the first cell holding a line break (kept as one, or escaped as \\n)."""
    first = None
    for column in table.columns.values():
        text = column.text(TEXT)
        hits = pc.or_(pc.match_substring(text, "\n"), pc.match_substring(text, "\\n"))
        found = pc.index(hits, True).as_py()
        if found is not None and found >= 0 and (first is None or found < first):
            first = found
    return None if first is None else int(table.row_numbers[first])


def _quote_count(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            count += chunk.count(b'"')
    return count
