"""Writing the six-monthly workbook to the Analysis Function's spreadsheet guidance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.worksheet.table import TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from flows.core.safe_cells import set_text, set_value
from flows.core.workbook_layout import (
    BODY_POINTS,
    LANDSCAPE_TABLE_COLUMNS,
    LANDSCAPE_UNITS,
    PORTRAIT_UNITS,
    fit_row,
    print_setup,
    row_height,
    wrapped,
)
from flows.report.tables import CONFIDENTIAL, NOT_AVAILABLE, NOT_MEANINGFUL, Table
from flows.report.workbook_archive import ChartText, save_deterministic
from flows.report.workbook_charts import write_charts

NUMBER_FORMATS = {"count": "#,##0", "percent": "0.0", "points": "0.0", "text": "@"}
TITLE_POINTS, HEADING_POINTS = 15, 13
NOTES: dict[int, str] = {
    1: "Counts from 1 to {t_minus_1} are shown as [c] to protect confidentiality, and so are "
    "other figures that would let them be worked out; zeros are shown as 0. The same figures "
    "are [c] in every edition of a release (national, regional and force area). Figures "
    "exclude contacts whose police force area was not recorded.",
    2: "Change (%) compares this six-month period with the previous one, rounded to one "
    "decimal place. A force area's difference from its region's change is its Change (%) minus "
    "the region's Change (%), both as published, in percentage points.",
    3: "Caller type and channel are as recorded by the partner service; values it did not "
    "record or that could not be matched are counted as unknown. Every category is listed, "
    "with 0 where there were no contacts.",
}
SHORTHAND = {
    CONFIDENTIAL: "[c] confidential (a small count, or a figure that would reveal one)",
    NOT_MEANINGFUL: "[z] not applicable (change from zero)",
    NOT_AVAILABLE: "[x] not available (no data for that period)",
}


def _title(sheet: Worksheet, text: str) -> None:
    set_text(sheet["A1"], text)
    sheet["A1"].font = Font(bold=True, size=TITLE_POINTS)
    fit_row(sheet, 1, [(text, 200)], TITLE_POINTS)


def shorthand_line(table: Table) -> str:
    used = table.symbols()
    if not used:
        return "Shorthand: none is used in this table."
    return "Shorthand: " + "; ".join(SHORTHAND[symbol] for symbol in used) + "."


def _paragraph_rows(sheet: Worksheet, row: int, paragraphs: Sequence[str], width: float) -> int:
    """Each paragraph in column A, broken into rows no wider than the table below it.

    Unwrapped text runs on across the empty cells to its right; kept within the table's width
    it prints on the same page as the table instead of forcing the page to shrink.
    """
    for paragraph in paragraphs:
        for line in wrapped(paragraph, width):
            set_text(sheet.cell(row=row, column=1), line)
            row += 1
    return row


def write_table_sheet(workbook: Workbook, table: Table, source: str) -> Worksheet:
    sheet = workbook.create_sheet(table.name)
    _title(sheet, table.title)
    notes = ", ".join(f"[note {n}]" for n in table.notes)
    landscape = len(table.columns) > LANDSCAPE_TABLE_COLUMNS
    width = max(sum(spec.width for spec in table.columns), PORTRAIT_UNITS)
    width = min(width, LANDSCAPE_UNITS)
    header_row = _paragraph_rows(
        sheet,
        2,
        [
            table.description,
            f"Source: {source}.",
            shorthand_line(table),
            f"Notes: see the Notes sheet for {notes}." if notes else "Notes: none.",
        ],
        width,
    )
    for column, spec in enumerate(table.columns, start=1):
        cell = set_text(sheet.cell(row=header_row, column=column), spec.heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[cell.column_letter].width = spec.width
    fit_row(sheet, header_row, [(s.heading, s.width) for s in table.columns], BODY_POINTS)
    for offset, values in enumerate(table.rows, start=1):
        for column, (spec, value) in enumerate(zip(table.columns, values, strict=True), start=1):
            cell = set_value(sheet.cell(row=header_row + offset, column=column), value)
            if isinstance(value, int | float):
                cell.number_format = NUMBER_FORMATS[spec.kind]
            elif spec.kind != "text":
                cell.alignment = Alignment(horizontal="right")
    last = sheet.cell(row=header_row + len(table.rows), column=len(table.columns))
    _register(
        sheet, table.name, f"A{header_row}:{last.coordinate}", [c.heading for c in table.columns]
    )
    print_setup(sheet, landscape=landscape, header_row=header_row)
    return sheet


def write_cover(workbook: Workbook, title: str, sections: Sequence[tuple[str, list[str]]]) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Cover"
    _title(sheet, title)
    width = PORTRAIT_UNITS
    sheet.column_dimensions["A"].width = width
    row = 2
    for heading, lines in sections:
        cell = set_text(sheet.cell(row=row, column=1), heading)
        cell.font = Font(bold=True, size=HEADING_POINTS)
        sheet.row_dimensions[row].height = row_height(1, HEADING_POINTS)
        row += 1
        for line in lines:
            cell = set_text(sheet.cell(row=row, column=1), line)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            fit_row(sheet, row, [(line, width)], BODY_POINTS)
            row += 1
    print_setup(sheet, landscape=False)


def write_contents(workbook: Workbook, tables: Sequence[Table]) -> None:
    sheet = workbook.create_sheet("Contents", 1)
    _title(sheet, "Table of contents")
    set_text(sheet["A2"], "This worksheet contains one table. Select a sheet name to go to it.")
    entries = [("Notes", "Notes that explain the tables")]
    entries += [(t.name, t.title) for t in tables]
    entries.append(("Charts", "Charts of change by force area and of the monthly trend"))
    rows = [["Sheet name", "Table description"], *[[name, text] for name, text in entries]]
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            cell = set_text(sheet.cell(row=3 + offset, column=column), value)
            if offset == 0:
                cell.font = Font(bold=True)
            elif column == 1:
                # A location inside this workbook, not a relationship to an external "#..." file.
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{value}'!A1")
                cell.font = Font(underline="single", color="0000EE")
        if offset:
            fit_row(sheet, 3 + offset, [(values[1], 56)], BODY_POINTS)
    _register(sheet, "contents", f"A3:B{3 + len(entries)}", ["Sheet name", "Table description"])
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 56
    print_setup(sheet, landscape=False)


def write_notes(workbook: Workbook, threshold: int) -> None:
    sheet = workbook.create_sheet("Notes", 2)
    _title(sheet, "Notes")
    set_text(sheet["A2"], "This worksheet contains one table of notes referred to in headings.")
    set_text(sheet.cell(row=3, column=1), "Note number").font = Font(bold=True)
    set_text(sheet.cell(row=3, column=2), "Note text").font = Font(bold=True)
    for offset, (number, template) in enumerate(sorted(NOTES.items()), start=1):
        text = template.format(t_minus_1=threshold - 1)
        set_text(sheet.cell(row=3 + offset, column=1), f"[note {number}]")
        set_text(sheet.cell(row=3 + offset, column=2), text)
        for column in (1, 2):
            sheet.cell(row=3 + offset, column=column).alignment = Alignment(
                wrap_text=True, vertical="top"
            )
        fit_row(sheet, 3 + offset, [(text, 60)], BODY_POINTS)
    _register(sheet, "notes", f"A3:B{3 + len(NOTES)}", ["Note number", "Note text"])
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 60
    print_setup(sheet, landscape=False, header_row=3)


def _register(sheet: Worksheet, name: str, ref: str, headings: list[str]) -> None:
    table = ExcelTable(displayName=name, ref=ref)
    # Naming the columns up front stops openpyxl adding an autofilter (no filter buttons).
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headings, start=1)]
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    sheet.add_table(table)


def write_workbook(
    path: Path,
    *,
    title: str,
    cover: Sequence[tuple[str, list[str]]],
    tables: Sequence[Table],
    source: str,
    threshold: int,
    published: datetime,
    organisation: str,
    alt: ChartText,
) -> Path:
    workbook = Workbook()
    write_cover(workbook, title, cover)
    sheets = {table.name: write_table_sheet(workbook, table, source) for table in tables}
    write_contents(workbook, tables)
    write_notes(workbook, threshold)
    write_charts(workbook, sheets["force_areas"], sheets["monthly_trend"], alt)
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = sheet.title == "Cover"
        sheet.sheet_view.selection[0].activeCell = "A1"
        sheet.sheet_view.selection[0].sqref = "A1"
    workbook.active = 0
    properties = workbook.properties
    properties.title = title
    properties.creator = organisation
    properties.lastModifiedBy = organisation
    properties.keywords = "helpline, contacts, police force area, official statistics"
    properties.subject = "Helpline contacts by police force area"
    properties.language = "en-GB"
    moment = datetime.combine(published.date(), time(9, 30))
    properties.created = moment
    properties.modified = moment
    return save_deterministic(workbook, path, alt, moment)
