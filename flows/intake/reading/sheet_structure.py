"""What a workbook shows its reader beside its cells, as plain data: hidden rows, columns and
sheets, and its date system. The structure scans fill it (flows.intake.workbook_structure and
ods_structure in the parent, flows.intake.reading.xls_structure in the reading child) and
flows.intake.hidden_cells and date_system apply it. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SheetStructure:
    name: str
    state: str = "visible"  # or "hidden", "veryHidden"
    hidden_rows: frozenset[int] = frozenset()  # 1-based row numbers
    hidden_columns: frozenset[int] = frozenset()  # 1-based column numbers (A is 1)

    @property
    def hides_cells(self) -> bool:
        return bool(self.hidden_rows or self.hidden_columns)


@dataclass(frozen=True)
class WorkbookStructure:
    date1904: bool = False
    sheets: tuple[SheetStructure, ...] = ()
    scanned: bool = False  # False: a format this scan does not read (see the module's notes)
    hidden_sheets: tuple[str, ...] = field(default=())

    def sheet(self, name: str | None) -> SheetStructure | None:
        return next((s for s in self.sheets if s.name == name), None)


NOT_SCANNED = WorkbookStructure()
