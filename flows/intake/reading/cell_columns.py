"""A column of partner cells in compact, typed form: what the reading child sends the parent.

calamine hands back Python objects, one per cell; a million of them cost seconds to pickle and
hundreds of megabytes to hold. A CellColumn holds a kind per cell, the numbers, the dates
(datetime64), and the text of every text cell in one UTF-8 buffer with offsets, which pyarrow
reads without a copy (flows.intake.reading.column_building makes them from calamine's cells).

This module runs in the reading child: numpy and the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

BLANK, TEXT, NUMBER, DATE, OTHER = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class CellColumn:
    """One column's cells: kinds[i] says where cell i's value is (BLANK cells have none)."""

    kinds: np.ndarray  # int8: BLANK, TEXT, NUMBER, DATE or OTHER
    utf8: np.ndarray  # uint8: the text of TEXT and OTHER cells (str() of OTHER), concatenated
    offsets: np.ndarray  # int64, len + 1: cell i's text is utf8[offsets[i]:offsets[i + 1]]
    numbers: np.ndarray | None = None  # float64 (NaN where not NUMBER); None if there are none
    dates: np.ndarray | None = None  # datetime64[s] (NaT where not DATE); None if there are none

    def __len__(self) -> int:
        return len(self.kinds)

    def take(self, rows: np.ndarray | slice) -> CellColumn:
        """The cells at these positions (a slice or an index array), as a new column."""
        kinds = self.kinds[rows]
        starts, ends = self.offsets[:-1][rows], self.offsets[1:][rows]
        lengths = ends - starts
        offsets = np.zeros(len(kinds) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if isinstance(rows, slice) and rows.step in (None, 1) and len(kinds):
            utf8 = self.utf8[starts[0] : ends[-1]]  # contiguous: a view, no copy
        else:
            utf8 = _gather(self.utf8, starts, lengths, int(offsets[-1]))
        return CellColumn(
            kinds,
            utf8,
            offsets,
            None if self.numbers is None else self.numbers[rows],
            None if self.dates is None else self.dates[rows],
        )

    def text(self, *kinds: int) -> pa.Array:
        """The text as a pyarrow string array, null where a cell's kind is not among `kinds`
        (TEXT by default). Made from the buffers without copying them."""
        import pyarrow as pa

        wanted = np.isin(self.kinds, kinds or (TEXT,))
        validity = pa.array(wanted, pa.bool_()).buffers()[1] if not wanted.all() else None
        return pa.LargeStringArray.from_buffers(
            len(self.kinds),
            pa.py_buffer(np.ascontiguousarray(self.offsets)),
            pa.py_buffer(self.utf8),
            validity,
        )

    def value(self, position: int) -> object:
        """The cell as a Python value: str, float, date or datetime, or None when blank."""
        kind = int(self.kinds[position])
        if kind in (TEXT, OTHER):
            start, end = self.offsets[position], self.offsets[position + 1]
            return bytes(self.utf8[start:end]).decode("utf-8")
        if kind == NUMBER and self.numbers is not None:
            return float(self.numbers[position])
        if kind == DATE and self.dates is not None:
            stamp = self.dates[position].astype("datetime64[s]").item()
            return stamp.date() if stamp.time() == datetime.min.time() else stamp
        return None

    def shown(self, position: int, limit: int = 80) -> str:
        """The cell as the partner typed it, for feedback: "(blank)" when empty."""
        value = self.value(position)
        return "(blank)" if value is None else str(value)[:limit]

    def values(self) -> np.ndarray:
        """Every cell as a Python value (an object array): for small tables and tests only."""
        values = np.empty(len(self), dtype=object)
        values[:] = [self.value(i) for i in range(len(self))]
        return values


@dataclass(frozen=True)
class CellTable:
    """The partner's table: the wanted columns' data rows and where they are in the file."""

    columns: dict[str, CellColumn]  # keyed by the profile's heading text
    row_numbers: np.ndarray  # int64: each row as a spreadsheet numbers it
    sheet: str | None  # None for a CSV
    header_row: int  # 1-based
    headings: list[str]  # every heading of the header row, cleaned and shortened
    # Where the columns are in the sheet (1-based, A is 1), so that what the workbook hides can
    # be matched to them (flows.intake.hidden_cells): each read column's, by its key in
    # `columns`, and each heading's, in the order of `headings`. Empty for a table built in the
    # parent (a melted crosstab), whose hidden cells were dealt with in its grids.
    column_numbers: dict[str, int] = field(default_factory=dict)
    heading_numbers: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.row_numbers)

    @property
    def frame(self) -> pd.DataFrame:
        """The cells as Python values in a DataFrame (blanks None): for small tables only, such
        as a profile draft's sample. The pipeline works on the columns themselves."""
        import pandas as pd

        values = {heading: column.values() for heading, column in self.columns.items()}
        return pd.DataFrame(values, columns=list(self.columns), dtype=object)


@dataclass(frozen=True)
class ReadResult:
    """What the reading child returns: one table for records and counts."""

    tables: tuple[CellTable, ...]
    details: dict[str, Any] = field(default_factory=dict)  # layout-specific extras

    @property
    def table(self) -> CellTable:
        return self.tables[0]


def _gather(utf8: np.ndarray, starts: np.ndarray, lengths: np.ndarray, total: int) -> np.ndarray:
    """The byte ranges [start, start + length) of utf8, one after another, in whole-array steps."""
    if total == 0:
        return np.empty(0, np.uint8)
    nonzero = lengths > 0
    starts, lengths = starts[nonzero], lengths[nonzero]
    # Each output byte's source is its range's start plus its position within the range.
    run_starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    source = np.repeat(starts, lengths) + (np.arange(total) - run_starts)
    return np.asarray(utf8[source])
