"""The partner's cells kept after normalising, for the examples feedback quotes.

A rule's examples quote cells as the partner typed them, so each role's column is kept until
the file is validated. A column whose texts repeat (police force areas, caller types,
channels) is kept as each distinct text once and a code per cell: at 1M rows, about 4 MB in
place of 20 to 25 MB of text and offsets, held while validation and the copy run, when the
command's memory peaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow.compute as pc

from flows.core.canonical import PartnerCells
from flows.intake.reading.cell_columns import OTHER, TEXT, CellColumn

# Coded only when that holds the text in under half the memory: a column of references,
# nearly all different, stays as it is. Whether texts repeat is judged first on the column's
# first cells, so such a column is not encoded whole for nothing (0.4 s at 1M references).
CODED_SHARE = 0.5
SAMPLE_CELLS = 10_000
SAMPLE_DISTINCT_SHARE = 0.25


@dataclass(frozen=True)
class CodedTextCells:
    """A column's cells with each distinct text held once; numbers and dates as they were."""

    rest: CellColumn  # the column with no text: its kinds, numbers and dates
    codes: np.ndarray  # int32: each text cell's text in `texts`; -1 elsewhere
    texts: list[str]

    def shown(self, position: int, limit: int = 80) -> str:
        """As CellColumn.shown: the cell as the partner typed it; "(blank)" when empty."""
        if int(self.rest.kinds[position]) in (TEXT, OTHER):
            return self.texts[int(self.codes[position])][:limit]
        return self.rest.shown(position, limit)


def kept_cells(column: CellColumn) -> PartnerCells:
    """The column, or the same cells coded when its texts repeat enough to save half."""
    held = column.utf8.nbytes + column.offsets.nbytes
    if held == 0 or _mostly_different(column):
        return column
    encoded = pc.dictionary_encode(column.text(TEXT, OTHER))
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(), np.int32)
    if codes.nbytes + encoded.dictionary.nbytes > CODED_SHARE * held:
        return column
    no_text = np.empty(0, np.uint8), np.broadcast_to(np.int64(0), (len(column) + 1,))
    rest = CellColumn(column.kinds, *no_text, column.numbers, column.dates)
    return CodedTextCells(rest, codes, encoded.dictionary.to_pylist())


def _mostly_different(column: CellColumn) -> bool:
    """Whether the first cells' texts are mostly different from one another."""
    sample = column.take(slice(0, SAMPLE_CELLS))
    distinct = pc.count_distinct(sample.text(TEXT, OTHER)).as_py()
    return bool(distinct > SAMPLE_DISTINCT_SHARE * len(sample))
