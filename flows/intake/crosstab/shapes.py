"""Recognising a crosstab in a sample's first rows, for `helpline profile draft`.

A table is a crosstab when force area names run down a column and month headings across a row
above them (or the reverse), perhaps with a second heading row of channels, and whole numbers
where they cross; a month's sheet holds force areas down and channels (or one count) across.
Pure functions over a sheet's cells."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from flows.intake.crosstab.headings import IsForceArea, is_total, months_of
from flows.intake.reading.column_building import blank_cells
from flows.intake.reading.header_tables import cell_text


@dataclass(frozen=True)
class SampleShape:
    down: str  # "force_area" or "month"
    header: int  # 0-based heading row
    labels_at: int
    label_heading: object  # the heading over the row labels, if any
    labels: list[object]  # the row labels below the headings
    headings: list[object]  # the heading row right of the labels
    sub_headings: list[object] | None  # a second heading row, if there is one
    blank: bool  # some figure is blank


def _force_column(grid: np.ndarray, is_force_area: IsForceArea) -> tuple[int, int] | None:
    """The column with the most force area names (at least two), and its first such row."""
    hits = np.array([[is_force_area(c) for c in row] for row in grid], dtype=bool).reshape(
        grid.shape
    )
    if not hits.size or hits.sum(axis=0).max() < 2:
        return None
    column = int(hits.sum(axis=0).argmax())
    return column, int(np.flatnonzero(hits[:, column])[0])


def across_shape(grid: np.ndarray, is_force_area: IsForceArea) -> SampleShape | None:
    """Force areas down with months across, or months down with force areas across."""
    for down, across_like in (("force_area", _months_like), ("month", _force_like(is_force_area))):
        for top in range(min(len(grid), 50)):
            across = np.flatnonzero(across_like(grid[top]))
            if len(across) < 2:
                continue
            labels_at = int(across[0]) - 1
            if labels_at < 0:
                break
            shape = _shape_below(grid, top, labels_at, down, is_force_area)
            if shape is not None:
                return shape
            break
    return None


def _months_like(row: np.ndarray) -> np.ndarray:
    read: np.ndarray = ~np.isnat(months_of(row))
    return read


def _month_cell(value: object) -> bool:
    return bool(_months_like(np.array([value], dtype=object))[0])


def _force_like(is_force_area: IsForceArea) -> Callable[[np.ndarray], np.ndarray]:
    return lambda row: np.array([is_force_area(c) for c in row], dtype=bool)


def _shape_below(
    grid: np.ndarray, top: int, labels_at: int, down: str, is_force_area: IsForceArea
) -> SampleShape | None:
    """The shape if labels of the right kind run down `labels_at` below row `top` (perhaps
    after a second heading row) with whole numbers beside them."""
    second = grid[top + 1] if top + 1 < len(grid) else None
    is_label = is_force_area if down == "force_area" else _month_cell
    sub = None
    if second is not None and not is_label(second[labels_at]):
        texts = [v for v in second[labels_at + 1 :] if isinstance(v, str) and v.strip()]
        plain = not _months_like(np.array(texts, dtype=object)).any()
        if len(texts) >= 2 and plain and not any(is_force_area(t) for t in texts):
            sub = list(second[labels_at + 1 :])
    body = top + (2 if sub is not None else 1)
    labels = grid[body:, labels_at]
    known = (
        np.array([is_force_area(v) for v in labels], dtype=bool)
        if down == "force_area"
        else ~np.isnat(months_of(labels))
    )
    if known.sum() < 1 or not _figures(grid[body:][known][:, labels_at + 1 :]):
        return None
    rows = grid[body:]
    # Labelled rows with figures: notes under the table have none.
    kept = [
        r for r in rows if cell_text(r[labels_at]) and not blank_cells(r[labels_at + 1 :]).all()
    ]
    block = np.array([r[labels_at + 1 :] for r in kept if not is_total(r[labels_at])], dtype=object)
    return SampleShape(
        down,
        top,
        labels_at,
        grid[top, labels_at],
        [r[labels_at] for r in kept],
        list(grid[top, labels_at + 1 :]),
        sub,
        bool(blank_cells(block).any()) if block.size else False,
    )


def _figures(block: np.ndarray) -> bool:
    """Mostly whole numbers: a crosstab's cells, not a long table's text and dates."""
    filled = block[~blank_cells(block)] if block.size else block
    if not filled.size:
        return False
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) for v in filled]
    texts = [isinstance(v, str) and v.strip().replace(",", "").isdigit() for v in filled]
    return (sum(numbers) + sum(texts)) / len(filled) >= 0.8


def month_sheet_shape(grid: np.ndarray, is_force_area: IsForceArea) -> SampleShape | None:
    """A month's sheet: force areas down, channels (or one count) across."""
    found = _force_column(grid, is_force_area)
    if found is None:
        return None
    labels_at, first_area = found
    top = next(
        (r for r in range(first_area - 1, -1, -1) if cell_text(grid[r, labels_at + 1])), None
    )
    if top is None:
        return None
    shape = _shape_below(grid, top, labels_at, "force_area", is_force_area)
    return shape if shape is not None and shape.sub_headings is None else None
