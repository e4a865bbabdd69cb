"""Hidden rows and columns of a records or counts table, applied after the read."""

from __future__ import annotations

import numpy as np
import pytest

from flows.core.errors import FileRejected
from flows.intake.hidden_cells import apply_to_table
from flows.intake.reading.cell_columns import CellTable
from flows.intake.reading.column_building import cell_column
from flows.intake.reading.sheet_structure import SheetStructure, WorkbookStructure


def table(caller: list[object]) -> CellTable:
    """Three rows (2 to 4) of a sheet whose headings are Ref (B), Caller (C) and Notes (D)."""
    columns = {
        "Ref": cell_column(np.array(["A1", "A2", "A3"], dtype=object)),
        "Caller": cell_column(np.array(caller, dtype=object)),
    }
    numbers = np.array([2, 3, 4], np.int64)
    at = {"Ref": 2, "Caller": 3}
    return CellTable(columns, numbers, "Log", 1, ["Ref", "Caller", "Notes"], at, (2, 3, 4))


def hiding(rows: set[int], columns: set[int]) -> WorkbookStructure:
    sheet = SheetStructure("Log", "visible", frozenset(rows), frozenset(columns))
    return WorkbookStructure(sheets=(sheet,), scanned=True)


CALLERS: list[object] = ["Child", None, "Parent"]


def test_nothing_hidden_leaves_the_table_as_it_is() -> None:
    read = table(CALLERS)
    assert apply_to_table("f.xlsx", read, hiding(set(), set()), "refuse") == (read, ())


def test_a_hidden_read_column_is_refused_by_default_with_its_heading() -> None:
    with pytest.raises(FileRejected, match=r'\(sheet "Log" column C "Caller"\), which'):
        apply_to_table("f.xlsx", table(CALLERS), hiding(set(), {3}), "refuse")


def test_a_hidden_column_left_out_is_blank_and_its_rows_stay() -> None:
    shown, notes = apply_to_table("f.xlsx", table(CALLERS), hiding({3}, {3}), "visible")
    assert shown.row_numbers.tolist() == [2, 4]
    assert shown.columns["Ref"].values().tolist() == ["A1", "A3"]
    assert shown.columns["Caller"].values().tolist() == [None, None]
    assert notes[0].startswith('Hidden figures not read (sheet "Log" row 3 and column C "Caller")')


def test_a_hidden_column_the_layout_needs_cannot_be_left_out() -> None:
    with pytest.raises(FileRejected, match="in a column the profile needs"):
        apply_to_table("f.xlsx", table(CALLERS), hiding(set(), {2}), "visible", ["Ref"])


def test_hidden_columns_not_read_or_blank_are_only_named() -> None:
    read = table([None, None, None])  # Caller hidden but empty: nothing would be loaded
    shown, notes = apply_to_table("f.xlsx", read, hiding(set(), {3, 4, 9}), "refuse")
    assert shown is read
    assert notes == (
        'Hidden columns not read (sheet "Log" column D "Notes"): the profile does not use them.',
    )
