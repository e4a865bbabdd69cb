"""The workbook's date system applied to bare numbers read as dates or months.

Excel keeps a date as a number of days: from 1900 in most workbooks, from 1904 in those made
with the 1904 date system (older Mac workbooks, and any with that option ticked). The cell
reader converts date-formatted cells itself; a bare number in a date or month column is read
later as a 1900 serial (flows.intake.cell_parsing), so in a 1904 workbook it is moved on by the
four years (1,462 days) between the two systems here, after the read."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from flows.intake.reading.cell_columns import NUMBER, CellColumn, CellTable

DAYS_1900_TO_1904 = 1_462


def serials_as_1900(column: CellColumn) -> CellColumn:
    """The column with its bare numbers counted from 1900, as flows.intake.cell_parsing reads."""
    if column.numbers is None:
        return column
    numbers = column.numbers.copy()
    bare = column.kinds == NUMBER
    numbers[bare] += DAYS_1900_TO_1904
    return replace(column, numbers=numbers)


def table_in_1900_system(table: CellTable, date_headings: list[str]) -> CellTable:
    """A records or counts table from a 1904 workbook, its date and month columns' bare numbers
    counted from 1900."""
    columns = dict(table.columns)
    for heading in dict.fromkeys(date_headings):
        if heading in columns:
            columns[heading] = serials_as_1900(columns[heading])
    return replace(table, columns=columns)


def months_in_1900_system(months: pd.Series) -> pd.Series:
    """A melted crosstab's month cells from a 1904 workbook: bare numbers counted from 1900."""

    def moved(value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value):
            return value + DAYS_1900_TO_1904
        return value

    return months.map(moved).astype(object)
