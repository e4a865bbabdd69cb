"""Vectorised parsing of partner cells (dates, months, counts): bad cells are marked, not raised.

Each parser sorts the cells by kind (spreadsheet date, number, text), converts every kind in
one pandas call (one call per candidate text format) and returns the values with an `invalid`
mask on the caller's index. Blank cells are invalid too; `is_blank` tells the two apart.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

DateOrder = Literal["DMY", "MDY", "YMD"]

_NATIVE, _NUMBER, _TEXT, _OTHER = 0, 1, 2, 3
_KIND_BY_INFERENCE = {
    "string": _TEXT,
    "datetime": _NATIVE,
    "datetime64": _NATIVE,
    "date": _NATIVE,
    "integer": _NUMBER,
    "floating": _NUMBER,
    "mixed-integer-float": _NUMBER,
    "boolean": _OTHER,
    "empty": _OTHER,
}
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
_DATE_SHAPE = r"^(?=.*\d).*[-/.\s]"
_LARGEST_EXACT = 2**53  # beyond this a float no longer tells whole numbers apart


def _kind_of(value: object) -> int:
    if isinstance(value, str):
        return _TEXT
    if isinstance(value, bool | np.bool_):
        return _OTHER
    if isinstance(value, date | np.datetime64):  # datetime and pd.Timestamp are dates too
        return _NATIVE
    if isinstance(value, int | float | np.integer | np.floating):
        return _NUMBER
    return _OTHER  # datetime.time, timedelta, errors...


def _kinds(values: pd.Series) -> np.ndarray:
    """One kind code per cell; missing cells are _OTHER."""
    missing = values.isna().to_numpy()
    uniform = _KIND_BY_INFERENCE.get(infer_dtype(values, skipna=True))
    if uniform is not None:  # the usual case: a column of one kind, no per-cell work
        return np.where(missing, _OTHER, uniform).astype(np.int8)
    # Mixed columns (a few text dates among real dates) need a look at each cell.
    kinds = np.fromiter(map(_kind_of, values), dtype=np.int8, count=len(values))
    kinds[missing] = _OTHER
    return kinds


def _is_blank_cell(value: object) -> bool:
    # Runs once per cell of a sheet, so it tests the exact class before anything slower.
    if value.__class__ is str:
        return not value or value.isspace()
    return value is None


_blank_cell_array = np.frompyfunc(_is_blank_cell, 1, 1)


def blank_cells(cells: np.ndarray) -> np.ndarray:
    """Which cells of an object array are empty text, whitespace or None (calamine's blanks)."""
    return np.asarray(_blank_cell_array(cells), dtype=bool).reshape(cells.shape)


def is_blank(values: pd.Series) -> pd.Series:
    """None, NaN, NaT and whitespace-only text: cells the partner left empty."""
    blank = values.isna().to_numpy() | blank_cells(values.to_numpy(dtype=object))
    return pd.Series(blank, index=values.index, dtype=bool)


def _native_days(values: pd.Series) -> np.ndarray:
    """datetime/date cells as datetime64[s]; the time of day is kept for the caller to drop."""
    try:
        parsed = pd.to_datetime(values, errors="coerce")
    except (TypeError, ValueError, OverflowError):  # e.g. time-zone aware mixed with naive
        parsed = pd.to_datetime(values.map(_as_plain_date), errors="coerce")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy(dtype="datetime64[s]")


def _as_plain_date(value: object) -> date | None:
    return date(value.year, value.month, value.day) if isinstance(value, date) else None


def _serial_days(values: pd.Series) -> np.ndarray:
    """Excel serial numbers in the 1900 date system as datetime64[s]; implausible ones NaT."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    days = np.floor(numbers)
    plausible = (days >= 1) & (days <= _MAX_SERIAL) & (days != _FAKE_LEAP_DAY)
    offsets = np.where(days < _FAKE_LEAP_DAY, days + 1, days)
    result = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    result[plausible] = _EXCEL_EPOCH + offsets[plausible].astype(np.int64)
    return result


def _by_sample_hits(text: pd.Series, formats: tuple[str, ...]) -> list[str]:
    """The formats, those that read most of a sample first: a file mostly uses one or two, and
    every failed pass over a million cells costs as much as a successful one."""
    sample = text.iloc[:: max(1, len(text) // _SAMPLE_SIZE)]
    hits = [pd.to_datetime(sample, format=f, errors="coerce").notna().sum() for f in formats]
    return [formats[i] for i in sorted(range(len(formats)), key=lambda i: (-hits[i], i))]


def _read_formats(text: pd.Series, formats: tuple[str, ...]) -> np.ndarray:
    """Try each format on the cells no earlier format could read; stop when all are read."""
    result = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[s]")
    pending = np.arange(len(text))
    ordered = _by_sample_hits(text, formats) if len(text) > _SAMPLE_SIZE else formats
    for number, layout in enumerate(ordered):
        if pending.size == 0:
            break
        parsed = pd.to_datetime(text.iloc[pending], format=layout, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        days = parsed.to_numpy(dtype="datetime64[s]")
        read = ~np.isnat(days)
        result[pending[read]] = days[read]
        pending = pending[~read]
        if number == 0 and pending.size:
            # Cells the best format missed: one without a digit and a separator ("R12345",
            # "soon") is no date, and would otherwise take a failed pass for every format.
            shaped = text.iloc[pending].str.contains(_DATE_SHAPE, regex=True)
            pending = pending[shaped.to_numpy(dtype=bool)]
    return result


def _text_days(values: pd.Series, formats: tuple[str, ...]) -> np.ndarray:
    # A year of contacts holds a few hundred distinct date texts: each is parsed once.
    codes, distinct = pd.factorize(values.to_numpy(dtype=object))
    return _distinct_text_days(pd.Series(distinct, dtype=object), formats)[codes]


def _distinct_text_days(values: pd.Series, formats: tuple[str, ...]) -> np.ndarray:
    stripped = values.str.strip()
    result = _read_formats(stripped, formats)
    pending = np.flatnonzero(np.isnat(result))
    if pending.size:
        # Odd inner spacing ("3  Jul 2017") is rare, so only unread cells are respaced and retried.
        before = stripped.iloc[pending]
        respaced = before.str.split().str.join(" ")
        changed = (respaced != before).to_numpy(dtype=bool)
        if changed.any():
            result[pending[changed]] = _read_formats(respaced[changed], formats)
    return result


def _parse_days(values: pd.Series, text_formats: tuple[str, ...]) -> np.ndarray:
    kinds = _kinds(values)
    result = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    for kind, convert in ((_NATIVE, _native_days), (_NUMBER, _serial_days)):
        mask = kinds == kind
        if mask.any():
            result[mask] = convert(values[mask])
    text = kinds == _TEXT
    if text.any():
        result[text] = _text_days(values[text], text_formats)
    days = result.astype("datetime64[D]")
    days[(days < _NS_FIRST) | (days > _NS_LAST)] = np.datetime64("NaT")
    return days


def _date_formats(date_order: DateOrder) -> tuple[str, ...]:
    numeric = tuple(base + time for base in _NUMERIC_DAYS[date_order] for time in _TIMES)
    return _ISO + numeric + _NAMED_DAYS


def _as_series(days: np.ndarray, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    values = pd.Series(days.astype("datetime64[ns]"), index=index)
    return values, pd.Series(np.isnat(days), index=index, dtype=bool)


def parse_dates(values: pd.Series, *, date_order: DateOrder) -> tuple[pd.Series, pd.Series]:
    """Dates (time of day dropped) and a mask of cells that are not dates, blanks included.

    Spreadsheet dates, Excel serials, ISO text and text in the profile's date order are read;
    "3/7/2017" is 3 July under DMY and 7 March under MDY.
    """
    days = _parse_days(values, _date_formats(date_order))
    return _as_series(days, values.index)


def parse_months(
    values: pd.Series, *, date_order: DateOrder = "DMY"
) -> tuple[pd.Series, pd.Series]:
    """First day of each month: month labels ("Jul-17", "July 2017", "2017-07", "07/2017"),
    dates, datetimes and Excel serials; full text dates use the profile's date order."""
    days = _parse_days(values, _MONTHS + _date_formats(date_order))
    return _as_series(days.astype("datetime64[M]").astype("datetime64[D]"), values.index)


def parse_counts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers, including text such as "1,234" or " 12 "; fractions and words are invalid.

    Negative numbers are returned as they are: validation reports them with their row numbers.
    """
    kinds = _kinds(values)
    numbers = np.full(len(values), np.nan)
    number = kinds == _NUMBER
    if number.any():
        numbers[number] = pd.to_numeric(values[number], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
    text = kinds == _TEXT
    if text.any():
        stripped = values[text].str.strip()
        wellformed = stripped.str.fullmatch(_WHOLE_NUMBER_TEXT).fillna(False).astype(bool)
        digits = stripped.where(wellformed).str.replace(r"[,\s]", "", regex=True)
        numbers[text] = pd.to_numeric(digits, errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
        whole &= np.abs(numbers) <= _LARGEST_EXACT
    counts = pd.arrays.IntegerArray(np.where(whole, numbers, 0).astype(np.int64), ~whole)
    return pd.Series(counts, index=values.index), pd.Series(~whole, index=values.index)
