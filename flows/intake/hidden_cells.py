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

from collections.abc import Collection
from dataclasses import dataclass, replace

import numpy as np

from flows.core.errors import FileRejected
from flows.intake.reading.cell_columns import BLANK, CellColumn, CellTable
from flows.intake.reading.column_building import cell_column
from flows.intake.reading.grid_reading import Grid
from flows.intake.reading.header_tables import SHOWN_HEADING, shorten
from flows.intake.reading.sheet_structure import SheetStructure, WorkbookStructure
from flows.intake.reading.size_guards import column_letters

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
    headings: tuple[str, ...] = ()  # the columns' headings, when a table's (none for a grid)

    def __bool__(self) -> bool:
        return bool(self.rows or self.columns)

    def described(self) -> str:
        """'sheet "Data" rows 5, 9 and column C' as the partner would look for them (a
        table's columns with their headings: 'column D "Caller"')."""
        parts = []
        if self.rows:
            parts.append(_listed("row", [str(row) for row in self.rows]))
        if self.columns:
            letters = [column_letters(c) for c in self.columns]
            if self.headings:
                shown = [shorten(heading, SHOWN_HEADING) for heading in self.headings]
                letters = [f'{a} "{b}"' for a, b in zip(letters, shown, strict=True)]
            parts.append(_listed("column", letters))
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
    file_name: str,
    table: CellTable,
    structure: WorkbookStructure,
    mode: str,
    required: Collection[str] = (),
) -> tuple[CellTable, tuple[str, ...]]:
    """A records or counts table after the profile's hidden_cells: its hidden rows and read
    columns that hold data refused, left out or kept (with the feedback's note). A hidden
    column the profile does not read is only named. `required` are the headings the layout
    cannot do without: with "visible" a hidden one refuses the file, as nothing can stand in."""
    sheet = structure.sheet(table.sheet)
    if sheet is None or not sheet.hides_cells:
        return table, ()
    rows, columns = _hidden_in_table(table, sheet)
    unread = _unread_columns(table, sheet)
    if not (rows.any() or columns):
        return table, unread
    found = HiddenFigures(
        table.sheet,
        tuple(int(r) for r in table.row_numbers[rows]),
        tuple(table.column_numbers[heading] for heading in columns),
        tuple(columns),
    )
    if mode == "refuse":
        raise refusal(file_name, [found])
    if mode == "visible":
        needed = [heading for heading in columns if heading in required]
        if needed:
            raise _needed_refusal(file_name, table, needed)
        table = _visible_part(table, rows, columns)
    return table, (note(mode, [found]), *unread)


def _hidden_in_table(table: CellTable, sheet: SheetStructure) -> tuple[np.ndarray, list[str]]:
    """Which of the table's rows are hidden and hold data, and which of its read columns
    (by heading) are hidden and hold data."""
    filled = np.zeros(len(table), bool)
    for column in table.columns.values():
        filled |= column.kinds != BLANK
    rows = np.zeros(len(table), bool)
    if sheet.hidden_rows:
        rows = np.isin(table.row_numbers, np.fromiter(sheet.hidden_rows, np.int64)) & filled
    columns = [
        heading
        for heading, number in sorted(table.column_numbers.items(), key=lambda item: item[1])
        if number in sheet.hidden_columns and (table.columns[heading].kinds != BLANK).any()
    ]
    return rows, columns


def _unread_columns(table: CellTable, sheet: SheetStructure) -> tuple[str, ...]:
    """The feedback's note naming hidden columns with a heading that the profile does not
    read (helper columns, which are normal): they were left out anyway."""
    read = set(table.column_numbers.values())
    hidden = [
        (number, heading)
        for number, heading in zip(table.heading_numbers, table.headings, strict=False)
        if number in sheet.hidden_columns and number not in read
    ]
    if not hidden:
        return ()
    numbers, headings = zip(*hidden, strict=True)
    described = HiddenFigures(table.sheet, columns=numbers, headings=headings).described()
    return (f"Hidden columns not read ({described}): the profile does not use them.",)


def _needed_refusal(file_name: str, table: CellTable, needed: list[str]) -> FileRejected:
    columns = tuple(table.column_numbers[heading] for heading in needed)
    described = HiddenFigures(table.sheet, columns=columns, headings=tuple(needed)).described()
    return FileRejected(
        f"{file_name} has hidden figures ({described}) in a column the profile needs, so they "
        'cannot be left out (hidden_cells = "visible"); ask the partner to unhide it, or set '
        'hidden_cells = "include" in the profile to read it.'
    )


def _visible_part(table: CellTable, rows: np.ndarray, columns: list[str]) -> CellTable:
    """The table as a person sees it: hidden rows left out, hidden (optional) columns blank,
    which reads as a column the profile does not map."""
    keep = np.flatnonzero(~rows)
    shown: dict[str, CellColumn] = {}
    for heading, column in table.columns.items():
        if heading in columns:
            shown[heading] = cell_column(np.full(len(keep), None, dtype=object))
        else:
            shown[heading] = column.take(keep)
    return replace(table, columns=shown, row_numbers=table.row_numbers[keep])


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
