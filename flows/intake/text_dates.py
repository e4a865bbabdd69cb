"""Text dates read in whole-array steps: a strptime format becomes one RE2 pattern (the one
Python's strptime itself builds), pyarrow extracts its fields from every cell in one pass, and
numpy checks them (31 February is no date). A million "14/02/2018 17:05" cells take a fraction
of a second, where pandas' strptime loop takes seconds.

The fields and their patterns follow CPython's _strptime (English month names, case ignored,
white space in a format matching any run of white space, the whole text consumed); ISO formats,
which pandas reads in C already, are left to pandas.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_FULL_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_FIELDS = {
    "d": r"3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]",
    "f": r"[0-9]{1,6}",
    "H": r"2[0-3]|[0-1]\d|\d",
    "I": r"1[0-2]|0[1-9]|[1-9]",
    "M": r"[0-5]\d|\d",
    "m": r"1[0-2]|0[1-9]|[1-9]",
    "S": r"6[0-1]|[0-5]\d|\d",
    "y": r"\d\d",
    "Y": r"\d\d\d\d",
    "b": "|".join(_MONTHS),
    "B": "|".join(sorted(_FULL_MONTHS, key=len, reverse=True)),
    "p": "am|pm",
}
_DIRECTIVE = re.compile(r"%(.)")


@cache
def pattern_of(layout: str) -> str | None:
    """The RE2 pattern matching exactly what strptime(layout) accepts; None if unsupported."""
    parts, position = ["(?i)^"], 0
    for directive in _DIRECTIVE.finditer(layout):
        literal = layout[position : directive.start()]
        parts.append(r"\s+".join(re.escape(piece) for piece in re.split(r"\s+", literal)))
        field = directive[1]
        if field not in _FIELDS:
            return None
        parts.append(f"(?P<{field}>{_FIELDS[field]})")
        position = directive.end()
    tail = layout[position:]
    parts.append(r"\s+".join(re.escape(piece) for piece in re.split(r"\s+", tail)))
    return "".join(parts) + "$"


def _numbers(fields: pa.StructArray, name: str) -> np.ndarray:
    values = pc.utf8_trim_whitespace(pc.struct_field(fields, name))
    return np.asarray(pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False))


def _month_numbers(fields: pa.StructArray, name: str, names: tuple[str, ...]) -> np.ndarray:
    text = pc.utf8_lower(pc.struct_field(fields, name))
    return np.asarray(pc.index_in(text, pa.array(names)).to_numpy(zero_copy_only=False)) + 1


def _days_from_fields(fields: pa.StructArray, present: set[str]) -> np.ndarray:
    count = len(fields)
    if "Y" in present:
        years = _numbers(fields, "Y")
    elif "y" in present:  # as strptime: 69-99 are the 1900s, 00-68 the 2000s
        short = _numbers(fields, "y")
        years = np.where(short >= 69, 1900 + short, 2000 + short)
    else:
        years = np.full(count, 1900)
    if "m" in present:
        months = _numbers(fields, "m")
    elif "b" in present or "B" in present:
        months = (
            _month_numbers(fields, "b", _MONTHS)
            if "b" in present
            else _month_numbers(fields, "B", _FULL_MONTHS)
        )
    else:
        months = np.ones(count, np.int64)
    days = _numbers(fields, "d") if "d" in present else np.ones(count, np.int64)
    valid = (years >= 1) & (months >= 1) & (months <= 12)
    first = np.full(count, np.datetime64("NaT"), "datetime64[D]")
    stamps = (years[valid] - 1970) * 12 + (months[valid] - 1)
    first[valid] = stamps.astype("datetime64[M]").astype("datetime64[D]")
    result = first + (days - 1).astype("timedelta64[D]")
    # 31 February would roll into March: strptime refuses it, and so do we.
    result[result.astype("datetime64[M]") != first.astype("datetime64[M]")] = np.datetime64("NaT")
    return np.asarray(result, dtype="datetime64[s]")


def _exact(text: pa.Array, pattern: str, seconds: bool) -> np.ndarray:
    """Every field extracted and checked in numpy: for the few cells Arrow may have rolled on."""
    fields = pc.extract_regex(text, pattern)
    present = set(re.findall(r"\(\?P<(\w)>", pattern))
    matched = fields.is_valid().to_numpy(zero_copy_only=False)
    result = np.full(len(text), np.datetime64("NaT"), "datetime64[s]")
    if matched.any():
        chosen = fields.filter(pa.array(matched))
        days = _days_from_fields(chosen, present)
        if seconds:  # strptime allows 60 and 61, which no datetime holds
            days[_numbers(chosen, "S") > 59] = np.datetime64("NaT")
        result[matched] = days
    return result


def read_format(text: pa.Array, layout: str) -> np.ndarray:
    """Each text's date (datetime64[s], time of day dropped) in `layout`; NaT if it does not
    fit. ISO layouts and any the pattern table lacks go to pandas, which reads them in C.

    The pattern decides which texts fit (Python's rules); Arrow's strptime converts them. It
    rolls an impossible date on (31 February becomes 3 March, second 61 the next minute), so
    the cells that may have rolled (a day of 1 to 3, or a second of 0 or 1) are read exactly.
    """
    pattern = pattern_of(layout)
    if pattern is None or layout.startswith("%Y-%m-%d"):
        parsed = pd.to_datetime(pd.Series(text), format=layout, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        return (
            parsed.to_numpy(dtype="datetime64[s]").astype("datetime64[D]").astype("datetime64[s]")
        )
    fits = pc.match_substring_regex(text, pattern)
    stamps = pc.strptime(text, format=layout, unit="s", error_is_null=True)
    stamps = pc.if_else(fits, stamps, pa.scalar(None, stamps.type))
    result = stamps.to_numpy(zero_copy_only=False).astype("datetime64[s]")
    read = ~np.isnat(result)
    day = (result.astype("datetime64[D]") - result.astype("datetime64[M]")).astype(np.int64) + 1
    suspect = read & (day <= 3)
    seconds = "%S" in layout
    if seconds:
        second = (result - result.astype("datetime64[m]")).astype(np.int64)
        suspect |= read & (second <= 1)
    if suspect.any():
        rows = np.flatnonzero(suspect)
        result[rows] = _exact(text.take(pa.array(rows)), pattern, seconds)
    return np.asarray(result.astype("datetime64[D]"), dtype="datetime64[s]")
