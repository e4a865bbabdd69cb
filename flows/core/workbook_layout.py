"""Row heights and print setup: what spreadsheet applications do not work out for themselves.

Excel grows a row to fit wrapped text when it opens a file; LibreOffice keeps the height the
file gives, and openpyxl gives none, so wrapped headings and paragraphs overprint the rows
below them. Heights are therefore computed here from the text and the column widths, erring
on the tall side: LibreOffice often substitutes a wider font (DejaVu Sans) for Calibri.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

BODY_POINTS = 11  # openpyxl's default font size
LINE_HEIGHT = 15.0  # points per line of 11-point text, as Excel's default row
PADDING = 3.0
# Characters of 11-point text per unit of column width. A width unit is one digit of the
# default font: about 1.2 characters of running text in Excel (Calibri) and 1.25 in
# LibreOffice with DejaVu Sans, so counting 1.05 wraps a little early and errs on the tall side.
CHARACTERS_PER_UNIT = 1.05
# Column width units that fit across A4 portrait at 100% inside half-inch margins when a unit is
# a DejaVu Sans digit (LibreOffice's stand-in for Calibri, wider than it): LibreOffice 7.4 does
# not apply "fit to width" to sheets of wrapped paragraphs, so those are laid out to fit without.
PORTRAIT_UNITS = 72
LANDSCAPE_UNITS = 140
LANDSCAPE_TABLE_COLUMNS = 6  # tables wider than this print landscape


def characters_across(width_units: float, points: float = BODY_POINTS) -> int:
    return max(8, math.floor(width_units * CHARACTERS_PER_UNIT * BODY_POINTS / points))


def wrapped(text: str, width_units: float, points: float = BODY_POINTS) -> list[str]:
    """Text broken into the lines it takes in a column this wide (at least one line)."""
    return textwrap.wrap(text, characters_across(width_units, points)) or [""]


def line_count(text: str, width_units: float, points: float = BODY_POINTS) -> int:
    return sum(len(wrapped(part, width_units, points)) for part in text.split("\n"))


def row_height(lines: int, points: float = BODY_POINTS) -> float:
    return round(lines * LINE_HEIGHT * points / BODY_POINTS + PADDING, 1)


def fit_row(sheet: Worksheet, row: int, texts: Sequence[tuple[str, float]], points: float) -> None:
    """Make a row tall enough for each (text, column width) in it when wrapped."""
    lines = max((line_count(text, width, points) for text, width in texts), default=1)
    sheet.row_dimensions[row].height = row_height(lines, points)


def print_setup(sheet: Worksheet, *, landscape: bool, header_row: int | None = None) -> None:
    """Fit to one page wide (as many pages down as needed), repeating the table's header row."""
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    if header_row is not None:
        sheet.print_title_rows = f"{header_row}:{header_row}"
