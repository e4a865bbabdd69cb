"""Writing cells so that text from outside is always text, never a formula or an error value."""

from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet


def set_text(cell: Cell, text: str) -> Cell:
    """Store text exactly as given, typed as a string whatever it starts with.

    openpyxl would otherwise take "=..." for a formula and "#N/A"-style text for an error.
    """
    cell.value = text
    cell.data_type = "s"
    return cell


def set_value(cell: Cell, value: object) -> Cell:
    """Numbers as numbers; anything else as safe text."""
    if value is None:
        cell.value = None
    elif isinstance(value, bool):
        set_text(cell, "Yes" if value else "No")
    elif isinstance(value, int | float):
        cell.value = value
    else:
        set_text(cell, str(value))
    return cell


def append_row(sheet: Worksheet, values: list[object]) -> int:
    """Append a row cell by cell through set_value; return its row number."""
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet["A1"].value is not None else 1
    for column, value in enumerate(values, start=1):
        set_value(sheet.cell(row=row, column=column), value)
    return row
