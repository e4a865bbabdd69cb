"""Vectorised parsing of partner cells (dates, months, counts): bad cells are marked, not raised.

The cells come as a CellColumn (flows.intake.reading.cell_columns), already sorted by kind in the
reading child: spreadsheet dates arrive as datetime64, numbers as floats, text in one Arrow
buffer. Each kind is converted in whole-array steps; text is parsed once per distinct value
(one pandas call per candidate format). Blank cells are invalid too; `is_blank` tells the two
apart. The pd.Series functions take a column of Python values, for tests and small callers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.intake.reading.cell_columns import DATE, NUMBER, TEXT, CellColumn
from flows.intake.reading.column_building import blank_cells, cell_column
from flows.intake.text_dates import read_format

DateOrder = Literal["DMY", "MDY", "YMD"]

# Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 is the fictitious 1900-02-29,
# so serials from 61 on count from 1899-12-30 and those below 60 from 1899-12-31.
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_FAKE_LEAP_DAY, _MAX_SERIAL = 60, 2958465  # 2958465 is 9999-12-31
# datetime64[ns] cannot hold dates outside these; such cells are invalid rather than an error.
_NS_FIRST, _NS_LAST = np.datetime64("1677-09-22", "D"), np.datetime64("2262-04-10", "D")

_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
_ISO = (
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
)
_NUMERIC_DAYS: dict[str, tuple[str, ...]] = {
    "DMY": ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%d-%m-%y", "%d.%m.%y"),
    "MDY": ("%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%d/%y", "%m-%d-%y", "%m.%d.%y"),
    "YMD": ("%Y/%m/%d", "%Y.%m.%d"),
}
# Month names make these unambiguous, so they are read whatever the profile's date order.
_NAMED_DAYS = (
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %y",
    "%b %d %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%B %d, %Y",
)
_MONTHS = (
    "%b-%y",
    "%b %Y",
    "%B %Y",
    "%b-%Y",
    "%B-%y",
    "%B-%Y",
    "%b %y",
    "%Y-%m",
    "%m/%Y",
    "%m-%Y",
    "%Y/%m",
    "%m.%Y",
)
_WHOLE_NUMBER_TEXT = r"[+-]?(?:\d{1,3}(?:[, \u00a0\u202f]\d{3})+|\d+)(?:\.\d+)?"
_SAMPLE_SIZE = 200
_HALVES_FROM = 100_000  # cells: below this a second thread costs more than it saves
_SEPARATOR = r"[-/.\s]"
_SPACES = r"(?:\s|\pZ)+"
_LARGEST_EXACT = 2**53  # beyond this a float no longer tells whole numbers apart


def is_blank(values: pd.Series) -> pd.Series:
    """None, NaN, NaT and whitespace-only text: cells the partner left empty."""
    blank = values.isna().to_numpy() | blank_cells(values.to_numpy(dtype=object))
    return pd.Series(blank, index=values.index, dtype=bool)


def _serial_days(numbers: np.ndarray) -> np.ndarray:
    """Excel serial numbers in the 1900 date system as datetime64[s]; implausible ones NaT."""
    with np.errstate(invalid="ignore"):
        days = np.floor(numbers)
        plausible = (days >= 1) & (days <= _MAX_SERIAL) & (days != _FAKE_LEAP_DAY)
    offsets = np.where(days < _FAKE_LEAP_DAY, days + 1, days)
    result = np.full(len(numbers), np.datetime64("NaT"), dtype="datetime64[s]")
    result[plausible] = _EXCEL_EPOCH + offsets[plausible].astype(np.int64)
    return result


def _by_sample_hits(text: pa.Array, formats: tuple[str, ...]) -> list[str]:
    """The formats, those that read most of a sample first: a file mostly uses one or two, and
    every failed pass over a million cells costs as much as a successful one."""
    sample = text.take(pa.array(np.arange(0, len(text), max(1, len(text) // _SAMPLE_SIZE))))
    hits = [int((~np.isnat(read_format(sample, f))).sum()) for f in formats]
    return [formats[i] for i in sorted(range(len(formats)), key=lambda i: (-hits[i], i))]


def _true(mask: pa.Array) -> np.ndarray:
    return np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _read_formats(text: pa.Array, ordered: list[str] | tuple[str, ...]) -> np.ndarray:
    """Try each format on the cells no earlier format could read; stop when all are read."""
    result = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[s]")
    pending = np.arange(len(text))
    for number, layout in enumerate(ordered):
        if pending.size == 0:
            break
        days = read_format(text.take(pa.array(pending)), layout)
        read = ~np.isnat(days)
        result[pending[read]] = days[read]
        pending = pending[~read]
        if number == 0 and pending.size:
            # Cells the best format missed: one without a digit and a separator ("R12345",
            # "soon") is no date, and would otherwise take a failed pass for every format.
            left = text.take(pa.array(pending))
            shaped = pc.and_(
                pc.match_substring_regex(left, r"\d"), pc.match_substring_regex(left, _SEPARATOR)
            )
            pending = pending[_true(shaped)]
    return result


def distinct_text(column: CellColumn) -> tuple[np.ndarray, pd.Series]:
    """For each cell, its index among the column's distinct texts (-1 if not text), and those
    texts: a column of counts holds a few hundred distinct texts, each is then read once."""
    encoded = pc.dictionary_encode(column.text())
    codes = encoded.indices.fill_null(pa.scalar(-1, encoded.indices.type))
    distinct = pd.Series(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    return codes.to_numpy().astype(np.int64, copy=False), distinct


def _text_days(column: CellColumn, formats: tuple[str, ...]) -> np.ndarray:
    """Each text cell's date, every distinct text parsed once, in whole-array steps.

    Dates with a time of day are nearly all distinct: finding the distinct ones would cost more
    than it saves, so a sample decides."""
    text = column.text()
    sample = text.take(pa.array(np.linspace(0, len(text) - 1, min(len(text), 1000), dtype=int)))
    if pc.count_distinct(sample).as_py() > len(sample) // 2:
        return _distinct_text_days(text, formats)
    encoded = pc.dictionary_encode(text)
    days = _distinct_text_days(encoded.dictionary, formats)
    codes = encoded.indices.fill_null(pa.scalar(-1, encoded.indices.type)).to_numpy()
    result = np.full(len(column), np.datetime64("NaT"), dtype="datetime64[s]")
    text = codes >= 0
    result[text] = days[codes[text]]
    return result


def _read_formats_in_halves(text: pa.Array, formats: tuple[str, ...]) -> np.ndarray:
    """_read_formats over the two halves of a long column at once: pyarrow's kernels release
    the interpreter, so on two cores a million dates take about half the time. Every cell is
    tried with the same formats in the same order, so the halves read as the whole would."""
    ordered = _by_sample_hits(text, formats) if len(text) > _SAMPLE_SIZE else formats
    if len(text) < _HALVES_FROM:
        return _read_formats(text, ordered)
    middle = len(text) // 2
    halves = (text.slice(0, middle), text.slice(middle))
    with ThreadPoolExecutor(2, thread_name_prefix="dates") as pool:
        return np.concatenate(list(pool.map(lambda half: _read_formats(half, ordered), halves)))


def _distinct_text_days(values: pa.Array, formats: tuple[str, ...]) -> np.ndarray:
    stripped = pc.utf8_trim_whitespace(values)
    result = _read_formats_in_halves(stripped, formats)
    pending = np.flatnonzero(np.isnat(result))
    if pending.size:
        # Odd inner spacing ("3  Jul 2017") is rare, so only unread cells are respaced and retried.
        before = stripped.take(pa.array(pending))
        respaced = pc.replace_substring_regex(before, _SPACES, " ")
        changed = _true(pc.not_equal(respaced, before))
        if changed.any():
            respaced = respaced.filter(pa.array(changed))
            result[pending[changed]] = _read_formats_in_halves(respaced, formats)
    return result


def _cell_days(column: CellColumn, text_formats: tuple[str, ...]) -> np.ndarray:
    """Each cell's day (datetime64[D]); NaT for blanks and cells that are no date."""
    kinds = column.kinds
    result = np.full(len(column), np.datetime64("NaT"), dtype="datetime64[s]")
    if column.dates is not None:
        native = kinds == DATE
        result[native] = column.dates[native]
    if column.numbers is not None:
        number = kinds == NUMBER
        result[number] = _serial_days(column.numbers[number])
    if (kinds == TEXT).any():
        text = kinds == TEXT
        result[text] = _text_days(column, text_formats)[text]
    days = result.astype("datetime64[D]")
    days[(days < _NS_FIRST) | (days > _NS_LAST)] = np.datetime64("NaT")
    return days


def _date_formats(date_order: DateOrder) -> tuple[str, ...]:
    numeric = tuple(base + time for base in _NUMERIC_DAYS[date_order] for time in _TIMES)
    return _ISO + numeric + _NAMED_DAYS


def _as_series(days: np.ndarray, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    values = pd.Series(days.astype("datetime64[ns]"), index=index)
    return values, pd.Series(np.isnat(days), index=index, dtype=bool)


def date_cells(column: CellColumn, date_order: DateOrder) -> np.ndarray:
    """Each cell's date (datetime64[D], time of day dropped); NaT where it is not a date.

    Spreadsheet dates, Excel serials, ISO text and text in the profile's date order are read;
    "3/7/2017" is 3 July under DMY and 7 March under MDY.
    """
    return _cell_days(column, _date_formats(date_order))


def month_cells(column: CellColumn, date_order: DateOrder = "DMY") -> np.ndarray:
    """First day of each cell's month: month labels ("Jul-17", "July 2017", "2017-07",
    "07/2017"), dates, datetimes and Excel serials; full text dates use the date order."""
    days = _cell_days(column, _MONTHS + _date_formats(date_order))
    return days.astype("datetime64[M]").astype("datetime64[D]")


def count_cells(column: CellColumn) -> tuple[pd.arrays.IntegerArray, np.ndarray]:
    """Whole numbers, including text such as "1,234" or " 12 ", and which cells are not one.

    Negative numbers are returned as they are: validation reports them with their row numbers.
    """
    numbers = np.full(len(column), np.nan)
    if column.numbers is not None:
        number = column.kinds == NUMBER
        numbers[number] = column.numbers[number]
    codes, distinct = distinct_text(column)
    if len(distinct):
        stripped = distinct.str.strip()
        wellformed = stripped.str.fullmatch(_WHOLE_NUMBER_TEXT).fillna(False).astype(bool)
        digits = stripped.where(wellformed).str.replace(r"[,\s]", "", regex=True)
        parsed = pd.to_numeric(digits, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        text = codes >= 0
        numbers[text] = parsed[codes[text]]
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
        whole &= np.abs(numbers) <= _LARGEST_EXACT
    counts = pd.arrays.IntegerArray(np.where(whole, numbers, 0).astype(np.int64), ~whole)
    return counts, ~whole


def parse_dates(values: pd.Series, *, date_order: DateOrder) -> tuple[pd.Series, pd.Series]:
    """date_cells for a column of Python values: the dates and a mask of cells that are not."""
    return _as_series(date_cells(cells_of(values), date_order), values.index)


def parse_months(
    values: pd.Series, *, date_order: DateOrder = "DMY"
) -> tuple[pd.Series, pd.Series]:
    """month_cells for a column of Python values."""
    return _as_series(month_cells(cells_of(values), date_order), values.index)


def parse_counts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """count_cells for a column of Python values."""
    counts, invalid = count_cells(cells_of(values))
    return pd.Series(counts, index=values.index), pd.Series(invalid, index=values.index)


def cells_of(values: pd.Series) -> CellColumn:
    """A column of Python values (str, numbers, dates, pandas Timestamps...) as a CellColumn."""
    cells = values.to_numpy(dtype=object, copy=True)
    cells[values.isna().to_numpy()] = None  # NaN, NaT and pd.NA are blanks, as calamine's are
    return cell_column(cells)
