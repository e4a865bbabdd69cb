"""Writing the six-monthly workbook to the Analysis Function's spreadsheet guidance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.worksheet.table import TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from flows.core.safe_cells import set_text, set_value
from flows.report.tables import Table
from flows.report.workbook_archive import ChartText, save_deterministic

NUMBER_FORMATS = {"count": "#,##0", "percent": "0.0", "points": "0.0", "text": "@"}
NOTES: dict[int, str] = {
    1: "Counts from 1 to {t_minus_1} are shown as [c] to protect confidentiality, and so are "
    "other figures that would let them be worked out. Figures exclude contacts whose police "
    "force area was not recorded.",
    2: "Change (%) compares this six-month period with the previous one. A force area is "
    "compared with its region's change in percentage points.",
    3: "Caller type and channel are as recorded by the partner service; values it did not "
    "record or that could not be matched are counted as unknown.",
}
SHORTHAND = (
    "[c] confidential (a small count, or a figure that would reveal one); "
    "[z] not applicable (change from zero); [x] not available (no data for that period)."
)


def _title(sheet: Worksheet, text: str) -> None:
    set_text(sheet["A1"], text)
    sheet["A1"].font = Font(bold=True, size=15)


def _text_lines(sheet: Worksheet, first_row: int, lines: Sequence[str], bold: bool = False) -> int:
    row = first_row
    for line in lines:
        cell = set_text(sheet.cell(row=row, column=1), line)
        if bold:
            cell.font = Font(bold=True, size=13)
        row += 1
    return row


def write_table_sheet(workbook: Workbook, table: Table, source: str, threshold: int) -> Worksheet:
    sheet = workbook.create_sheet(table.name)
    _title(sheet, table.title)
    notes = ", ".join(f"[note {n}]" for n in table.notes)
    header_row = _text_lines(
        sheet,
        2,
        [
            table.description,
            f"Source: {source}",
            f"Shorthand: {SHORTHAND}",
            f"Notes: see the Notes sheet for {notes}." if notes else "Notes: none.",
        ],
    )
    for column, spec in enumerate(table.columns, start=1):
        cell = set_text(sheet.cell(row=header_row, column=column), spec.heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[cell.column_letter].width = spec.width
    for offset, values in enumerate(table.rows, start=1):
        for column, (spec, value) in enumerate(zip(table.columns, values, strict=True), start=1):
            cell = set_value(sheet.cell(row=header_row + offset, column=column), value)
            if isinstance(value, int | float):
                cell.number_format = NUMBER_FORMATS[spec.kind]
            elif spec.kind != "text":
                cell.alignment = Alignment(horizontal="right")
    last = sheet.cell(row=header_row + len(table.rows), column=len(table.columns))
    ref = f"A{header_row}:{last.coordinate}"
    excel_table = ExcelTable(displayName=table.name, ref=ref)
    # Naming the columns up front stops openpyxl adding an autofilter (no filter buttons).
    excel_table.tableColumns = [
        TableColumn(id=i, name=spec.heading) for i, spec in enumerate(table.columns, start=1)
    ]
    excel_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    sheet.add_table(excel_table)
    return sheet


def write_cover(workbook: Workbook, title: str, sections: Sequence[tuple[str, list[str]]]) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Cover"
    _title(sheet, title)
    row = 2
    for heading, lines in sections:
        row = _text_lines(sheet, row, [heading], bold=True)
        first = row
        row = _text_lines(sheet, row, lines)
        for number in range(first, row):
            sheet.cell(row=number, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 100


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
                cell.hyperlink = f"#'{value}'!A1"
                cell.font = Font(underline="single", color="0000EE")
    _register(sheet, "contents", f"A3:B{3 + len(entries)}", ["Sheet name", "Table description"])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 90


def write_notes(workbook: Workbook, threshold: int) -> None:
    sheet = workbook.create_sheet("Notes", 2)
    _title(sheet, "Notes")
    set_text(sheet["A2"], "This worksheet contains one table of notes referred to in headings.")
    set_text(sheet.cell(row=3, column=1), "Note number").font = Font(bold=True)
    set_text(sheet.cell(row=3, column=2), "Note text").font = Font(bold=True)
    for offset, (number, text) in enumerate(sorted(NOTES.items()), start=1):
        set_text(sheet.cell(row=3 + offset, column=1), f"[note {number}]")
        set_text(sheet.cell(row=3 + offset, column=2), text.format(t_minus_1=threshold - 1))
        sheet.cell(row=3 + offset, column=2).alignment = Alignment(wrap_text=True)
    _register(sheet, "notes", f"A3:B{3 + len(NOTES)}", ["Note number", "Note text"])
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 100


def _register(sheet: Worksheet, name: str, ref: str, headings: list[str]) -> None:
    table = ExcelTable(displayName=name, ref=ref)
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headings, start=1)]
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    sheet.add_table(table)


def write_charts(
    workbook: Workbook, force_sheet: Worksheet | None, trend_sheet: Worksheet, alt: ChartText
) -> None:
    sheet = workbook.create_sheet("Charts")
    _title(sheet, "Charts")
    set_text(sheet["A2"], "Every charted figure also appears in a table; see the sheet named.")
    anchor_row = 4
    if force_sheet is not None:
        header = _header_row(force_sheet)
        last = force_sheet.max_row
        chart = BarChart()
        chart.type = "bar"
        chart.title = alt.force_title
        chart.y_axis.title = "Change (%)"
        chart.add_data(Reference(force_sheet, min_col=7, min_row=header, max_row=last), True)
        chart.set_categories(Reference(force_sheet, min_col=2, min_row=header + 1, max_row=last))
        chart.legend = None
        chart.height, chart.width = 22, 18
        set_text(sheet.cell(row=3, column=1), f"Chart 1: {alt.force_title} (table force_areas)")
        sheet.add_chart(chart, f"A{anchor_row}")
        anchor_row += 46
    line = LineChart()
    line.title = alt.trend_title
    line.y_axis.title = "Contacts"
    header = _header_row(trend_sheet)
    line.add_data(
        Reference(trend_sheet, min_col=2, min_row=header, max_row=trend_sheet.max_row), True
    )
    line.set_categories(
        Reference(trend_sheet, min_col=1, min_row=header + 1, max_row=trend_sheet.max_row)
    )
    line.legend = None
    set_text(
        sheet.cell(row=anchor_row - 1, column=1),
        f"Chart 2: {alt.trend_title} (table monthly_trend)",
    )
    sheet.add_chart(line, f"A{anchor_row}")
    sheet.column_dimensions["A"].width = 100


def _header_row(sheet: Worksheet) -> int:
    table = next(iter(sheet.tables.values()))
    return int(table.ref.split(":")[0][1:])


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
    sheets = {table.name: write_table_sheet(workbook, table, source, threshold) for table in tables}
    write_contents(workbook, tables)
    write_notes(workbook, threshold)
    write_charts(workbook, sheets.get("force_areas"), sheets["monthly_trend"], alt)
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
