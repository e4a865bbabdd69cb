"""The Charts sheet: one series per chart, each drawing a whole column of a table.

Each chart takes its values and categories straight from the table's sheet, so what is drawn is
exactly what is published ([c], [z] and [x] cells are text and draw nothing), and says so in
its alt text. openpyxl 3.1 leaves an axis's `delete` flag unset, which Excel reads as deleted:
both axes are set visible explicitly.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from flows.core.safe_cells import set_text
from flows.core.workbook_layout import PORTRAIT_UNITS, fit_row, print_setup, wrapped
from flows.report.workbook_archive import ChartText

CHART_WIDTH_CM = 16  # fits A4 portrait at 100%
FORCE_COLUMNS = {"name": 2, "change_pct": 7}
ROWS_PER_CM = 2.4  # force-area bars per centimetre of chart height, labels included
LABEL_POINTS = 8  # force-area names small enough for one per bar
NOT_DRAWN = {
    "force": " Not drawn: in this edition no change is published as a figure other than 0.0 "
    "(the rest are [c], [z] or [x]), so there is no bar to draw.",
    "trend": " Not drawn: in this edition no month has a published count above zero (the rest "
    "are [c]), so there is no line to draw.",
}


def _text_size(points: int) -> RichText:
    size = CharacterProperties(sz=points * 100)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=size), r=[], endParaRPr=size)])


def _text_categories(
    chart: BarChart | LineChart, sheet: Worksheet, column: int, rows: tuple[int, int]
) -> None:
    """Categories as text (strRef): openpyxl's set_categories writes numRef, which Excel reads
    as numbers 1, 2, 3 for cells of text such as force area names."""
    reference = Reference(sheet, min_col=column, min_row=rows[0], max_row=rows[1])
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(reference)))


def table_rows(sheet: Worksheet) -> tuple[int, int]:
    """The header row and last row of the sheet's one table."""
    table = next(iter(sheet.tables.values()))
    first, last = table.ref.split(":")
    return int(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), int(
        last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    )


def _show_axes(chart: BarChart | LineChart) -> None:
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def force_chart(sheet: Worksheet, title: str) -> BarChart:
    """Horizontal bars of Change (%) for every force area, in table order from the top."""
    header, last = table_rows(sheet)
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.add_data(
        Reference(sheet, min_col=FORCE_COLUMNS["change_pct"], min_row=header, max_row=last),
        titles_from_data=True,
    )
    _text_categories(chart, sheet, FORCE_COLUMNS["name"], (header + 1, last))
    chart.x_axis.title = "Police force area"
    chart.y_axis.title = "Change (%)"
    chart.y_axis.number_format = "0"
    chart.y_axis.majorGridlines = ChartLines()
    # Categories run top to bottom in table order; the value axis then sits at the bottom.
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.tickLblSkip = 1  # every force area named, however many
    chart.x_axis.txPr = _text_size(LABEL_POINTS)
    chart.y_axis.crosses = "max"
    chart.legend = None
    chart.gapWidth = 40
    _show_axes(chart)
    chart.width = CHART_WIDTH_CM
    chart.height = max(7.0, 4.0 + (last - header) / ROWS_PER_CM)
    return chart


def trend_chart(sheet: Worksheet, title: str) -> LineChart:
    """One line through the twelve months of the monthly_trend table."""
    header, last = table_rows(sheet)
    chart = LineChart()
    chart.title = title
    chart.add_data(Reference(sheet, min_col=2, min_row=header, max_row=last), titles_from_data=True)
    for series in chart.series:
        series.smooth = False  # straight segments: a curve would invent values between months
    _text_categories(chart, sheet, 1, (header + 1, last))
    chart.x_axis.title = "Month"
    chart.y_axis.title = "Contacts"
    chart.y_axis.number_format = "#,##0"
    chart.y_axis.majorGridlines = ChartLines()
    chart.display_blanks = "gap"
    chart.legend = None
    _show_axes(chart)
    chart.width, chart.height = CHART_WIDTH_CM, 10.0
    return chart


def _caption(sheet: Worksheet, row: int, text: str) -> int:
    """A caption in column A, in rows no wider than the page; returns the next free row."""
    for line in wrapped(text, PORTRAIT_UNITS):
        set_text(sheet.cell(row=row, column=1), line)
        row += 1
    return row


def write_charts(
    workbook: Workbook, force_sheet: Worksheet, trend_sheet: Worksheet, alt: ChartText
) -> Worksheet:
    sheet = workbook.create_sheet("Charts")
    set_text(sheet["A1"], "Charts")
    sheet["A1"].font = Font(bold=True, size=15)
    fit_row(sheet, 1, [("Charts", PORTRAIT_UNITS)], 15)
    row = _caption(sheet, 2, "Every charted figure also appears in a table; each chart names it.")
    caption = f"Chart 1: {alt.force_title}, {alt.periods} (table force_areas, column G)."
    if alt.force_drawn:
        row = _caption(sheet, row, caption)
        bars = force_chart(force_sheet, alt.force_title)
        sheet.add_chart(bars, f"A{row}")
        # Rows are 15 points (0.53 cm) high by default: leave the chart's height of rows free,
        # and start the second chart on a new printed page.
        row += int(bars.height / 0.53) + 2
        sheet.row_breaks.append(Break(id=row - 1))
    else:
        row = _caption(sheet, row, caption + NOT_DRAWN["force"]) + 1
    caption = f"Chart 2: {alt.trend_title}, {alt.periods} (table monthly_trend, column B)."
    if alt.trend_drawn:
        row = _caption(sheet, row, caption)
        sheet.add_chart(trend_chart(trend_sheet, alt.trend_title), f"A{row}")
    else:
        _caption(sheet, row, caption + NOT_DRAWN["trend"])
    sheet.column_dimensions["A"].width = PORTRAIT_UNITS
    print_setup(sheet, landscape=False)
    return sheet
