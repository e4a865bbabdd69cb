"""Hidden rows and columns holding figures: never counted without the partner's knowing.

Applied after the read, to what it returned, from the workbook's structure
(flows.intake.workbook_structure). The profile's `hidden_cells` says what to do:
- "refuse" (the default): a file with hidden rows or columns holding figures in the range read
  is refused, naming them;
- "visible": only what a person opening the file sees is read;
- "include": the hidden figures are read too.
Either of the last two is said in the feedback report, with the rows and columns concerned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from flows.core.errors import FileRejected
from flows.intake.reading.cell_columns import BLANK, CellTable
from flows.intake.reading.grid_reading import Grid
from flows.intake.reading.size_guards import column_letters
from flows.intake.workbook_structure import SheetStructure, WorkbookStructure

MAX_LISTED = 8
ADVICE = (
    'ask the partner to unhide them and check their Totals, or set hidden_cells = "visible" '
    '(read only what is visible) or hidden_cells = "include" (read the hidden figures too) in '
    "the profile"
)


@dataclass(frozen=True)
class HiddenFigures:
    """The hidden rows and columns of one sheet that hold figures (1-based numbers)."""

    sheet: str | None
    rows: tuple[int, ...] = ()
    columns: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rows or self.columns)

    def described(self) -> str:
        """'sheet "Data" rows 5, 9 and column C' as the partner would look for them."""
        parts = []
        if self.rows:
            parts.append(_listed("row", [str(row) for row in self.rows]))
        if self.columns:
            parts.append(_listed("column", [column_letters(c) for c in self.columns]))
        where = f'sheet "{self.sheet}" ' if self.sheet else ""
        return where + " and ".join(parts)


def _listed(noun: str, items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    more = f" and {len(items) - MAX_LISTED:,} more" if len(items) > MAX_LISTED else ""
    return f"{noun}{'s' if len(items) > 1 else ''} {shown}{more}"


def _is_figure(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and value.strip().replace(",", "").isdigit()


def hidden_in_grid(sheet: SheetStructure, rows: list[list[object]]) -> HiddenFigures:
    """The hidden rows and columns of a sheet's grid (cells from A1) that hold a figure."""
    hidden_rows = [r for r in sorted(sheet.hidden_rows) if r <= len(rows)]
    with_figures = tuple(r for r in hidden_rows if any(map(_is_figure, rows[r - 1])))
    columns = []
    for column in sorted(sheet.hidden_columns):
        cells = (row[column - 1] for row in rows if len(row) >= column)
        if any(map(_is_figure, cells)):
            columns.append(column)
    return HiddenFigures(sheet.name, with_figures, tuple(columns))


def blank_hidden(rows: list[list[object]], hidden: HiddenFigures) -> list[list[object]]:
    """The grid as a person sees it: hidden rows and columns blank (row numbers unchanged)."""
    shown = [list(row) for row in rows]
    for number in hidden.rows:
        shown[number - 1] = [""] * len(shown[number - 1])
    for column in hidden.columns:
        for cells in shown:
            if len(cells) >= column:
                cells[column - 1] = ""
    return shown


def refusal(file_name: str, hidden: list[HiddenFigures]) -> FileRejected:
    described = "; ".join(h.described() for h in hidden)
    return FileRejected(
        f"{file_name} has hidden figures ({described}), which a person reading the file "
        f"cannot see; {ADVICE}."
    )


LEFT_OUT = "Hidden figures not read"


def note(mode: str, hidden: list[HiddenFigures]) -> str:
    described = "; ".join(h.described() for h in hidden)
    if mode == "visible":
        return (
            f"{LEFT_OUT} ({described}): the profile reads only what is visible, "
            "so a Total that counts them will not add up."
        )
    return f"Hidden figures read ({described}): the profile includes hidden rows and columns."


def apply_to_grids(
    file_name: str, grids: list[Grid], structure: WorkbookStructure, mode: str
) -> tuple[list[Grid], tuple[str, ...]]:
    """A crosstab's grids after the profile's hidden_cells, and the feedback's note."""
    found: list[HiddenFigures] = []
    shown: list[Grid] = []
    for name, rows, merged in grids:
        sheet = structure.sheet(name)
        hidden = hidden_in_grid(sheet, rows) if sheet is not None else HiddenFigures(name)
        if hidden:
            found.append(hidden)
            if mode == "visible":
                rows = blank_hidden(rows, hidden)
        shown.append((name, rows, merged))
    if not found:
        return grids, ()
    if mode == "refuse":
        raise refusal(file_name, found)
    return shown, (note(mode, found),)


def apply_to_table(
    file_name: str, table: CellTable, structure: WorkbookStructure, mode: str
) -> tuple[CellTable, tuple[str, ...]]:
    """A records or counts table after the profile's hidden_cells: its hidden rows that hold
    data refused, left out or kept (with the feedback's note)."""
    sheet = structure.sheet(table.sheet)
    if sheet is None or not sheet.hidden_rows:
        return table, ()
    hidden = np.isin(table.row_numbers, np.fromiter(sheet.hidden_rows, np.int64))
    filled = np.zeros(len(table), bool)
    for column in table.columns.values():
        filled |= column.kinds != BLANK
    hidden &= filled
    if not hidden.any():
        return table, ()
    found = [HiddenFigures(table.sheet, tuple(int(r) for r in table.row_numbers[hidden]))]
    if mode == "refuse":
        raise refusal(file_name, found)
    if mode == "include":
        return table, (note(mode, found),)
    keep = np.flatnonzero(~hidden)
    columns = {heading: column.take(keep) for heading, column in table.columns.items()}
    return replace(table, columns=columns, row_numbers=table.row_numbers[keep]), (
        note(mode, found),
    )


def totals_explained(reason: str, notes: tuple[str, ...]) -> str:
    """A Totals refusal of a file whose hidden figures were left out, said in those terms."""
    left_out = [n for n in notes if n.startswith(LEFT_OUT)]
    if not left_out or "Total" not in reason:
        return reason
    where = left_out[0].removeprefix(LEFT_OUT).split(":")[0].strip()
    return (
        f'{reason}; the hidden figures {where} were not read (hidden_cells = "visible"): if '
        'these Totals count them, set hidden_cells = "include" in the profile'
    )
