"""Dates, months and counts as partners type them: exact values, or marked invalid."""

from __future__ import annotations

import time
from datetime import date, datetime
from datetime import time as clock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.intake.cell_parsing import is_blank, parse_counts, parse_dates, parse_months

JULY_3 = pd.Timestamp("2017-07-03")
MARCH_7 = pd.Timestamp("2017-03-07")

DATES = [
    # (cell, date order, expected date or None for invalid)
    (datetime(2018, 1, 3, 9, 30), "DMY", "2018-01-03"),
    (date(2018, 1, 4), "MDY", "2018-01-04"),
    (pd.Timestamp("2018-01-05 23:59"), "DMY", "2018-01-05"),
    (np.datetime64("2018-01-06T12:00"), "DMY", "2018-01-06"),
    (43103, "DMY", "2018-01-03"),  # Excel serial
    (43145.7, "MDY", "2018-02-14"),  # serial with a time of day
    (1, "DMY", "1900-01-01"),
    (59, "DMY", "1900-02-28"),
    (60, "DMY", None),  # Excel's fictitious 29 February 1900
    (61, "DMY", "1900-03-01"),
    (0, "DMY", None),
    (-5, "DMY", None),
    (2958466, "DMY", None),  # past Excel's last day
    (2958465, "DMY", None),  # 9999-12-31: beyond what datetime64[ns] holds
    (True, "DMY", None),
    ("03/07/2017", "DMY", "2017-07-03"),
    ("03/07/2017", "MDY", "2017-03-07"),
    ("03/07/2017", "YMD", None),
    ("3/7/2017 14:05", "DMY", "2017-07-03"),
    ("3/7/2017 14:05:59", "MDY", "2017-03-07"),
    ("3/7/2017 2:05 PM", "DMY", "2017-07-03"),
    ("03-07-2017", "DMY", "2017-07-03"),
    ("03.07.2017", "DMY", "2017-07-03"),
    ("03/07/17", "DMY", "2017-07-03"),
    ("2017-07-03", "MDY", "2017-07-03"),  # ISO whatever the order
    ("2017-07-03T14:05:00", "DMY", "2017-07-03"),
    ("2017-07-03 14:05:00.250", "MDY", "2017-07-03"),
    ("2017/07/03", "YMD", "2017-07-03"),
    ("3 Jul 2017", "MDY", "2017-07-03"),
    ("3 July 2017", "DMY", "2017-07-03"),
    ("03-Jul-2017", "DMY", "2017-07-03"),
    ("July 3, 2017", "DMY", "2017-07-03"),
    ("  3  Jul   2017 ", "DMY", "2017-07-03"),
    ("31/02/2017", "DMY", None),
    ("13/13/2017", "MDY", None),
    ("43103", "DMY", None),  # a serial typed as text is not guessed at
    ("soon", "DMY", None),
    ("", "DMY", None),
    ("   ", "DMY", None),
    (None, "DMY", None),
    (float("nan"), "DMY", None),
    (clock(10, 0), "DMY", None),
]


@pytest.mark.parametrize(("cell", "order", "expected"), DATES, ids=[repr(d[:2]) for d in DATES])
def test_parse_dates(cell: object, order: str, expected: str | None) -> None:
    values, invalid = parse_dates(pd.Series([cell], dtype=object), date_order=order)  # type: ignore[arg-type]
    assert values.dtype == "datetime64[ns]"
    assert bool(invalid.iloc[0]) is (expected is None)
    if expected is None:
        assert pd.isna(values.iloc[0])
    else:
        assert values.iloc[0] == pd.Timestamp(expected)


def test_mixed_column_parses_like_single_cells_and_keeps_the_index() -> None:
    cells = [case[0] for case in DATES if case[1] == "DMY"]
    index = pd.Index([f"row{i}" for i in range(len(cells))])
    values, invalid = parse_dates(pd.Series(cells, index=index, dtype=object), date_order="DMY")
    assert values.index.equals(index) and invalid.index.equals(index)
    for cell, value, bad in zip(cells, values, invalid, strict=True):
        single, single_bad = parse_dates(pd.Series([cell], dtype=object), date_order="DMY")
        assert bad == single_bad.iloc[0]
        assert (pd.isna(value) and pd.isna(single.iloc[0])) or value == single.iloc[0]


def test_dates_time_of_day_dropped_and_order_matters_only_for_ambiguous_text() -> None:
    cells = pd.Series(["03/07/2017 23:59", "2017-07-03", datetime(2017, 7, 3, 18)], dtype=object)
    dmy, _ = parse_dates(cells, date_order="DMY")
    mdy, _ = parse_dates(cells, date_order="MDY")
    assert dmy.tolist() == [JULY_3, JULY_3, JULY_3]
    assert mdy.tolist() == [MARCH_7, JULY_3, JULY_3]


def test_is_blank_tells_empty_cells_from_bad_ones() -> None:
    cells = pd.Series([None, np.nan, "", "  \t", "soon", 0, datetime(2018, 1, 1)], dtype=object)
    assert is_blank(cells).tolist() == [True, True, True, True, False, False, False]
    _, invalid = parse_dates(cells, date_order="DMY")
    assert invalid.tolist() == [True, True, True, True, True, True, False]


MONTHS = [
    ("Jul-17", "2017-07-01"),
    ("JUL-17", "2017-07-01"),
    ("July 2017", "2017-07-01"),
    ("Jul 2017", "2017-07-01"),
    ("2017-07", "2017-07-01"),
    ("07/2017", "2017-07-01"),
    ("7/2017", "2017-07-01"),
    ("2017-07-15", "2017-07-01"),
    ("15/07/2017", "2017-07-01"),
    (datetime(2017, 7, 15, 10, 30), "2017-07-01"),
    (date(2017, 8, 3), "2017-08-01"),
    (42917, "2017-07-01"),  # serial for 1 July 2017
    ("2017-13", None),
    ("Q3 2017", None),
    (None, None),
    ("", None),
]


@pytest.mark.parametrize(("cell", "expected"), MONTHS, ids=[repr(m[0]) for m in MONTHS])
def test_parse_months(cell: object, expected: str | None) -> None:
    values, invalid = parse_months(pd.Series([cell], dtype=object))
    assert values.dtype == "datetime64[ns]"
    assert bool(invalid.iloc[0]) is (expected is None)
    if expected is not None:
        assert values.iloc[0] == pd.Timestamp(expected)


def test_month_from_a_full_text_date_follows_the_date_order() -> None:
    cells = pd.Series(["01/08/2017"], dtype=object)
    assert parse_months(cells)[0].iloc[0] == pd.Timestamp("2017-08-01")
    assert parse_months(cells, date_order="MDY")[0].iloc[0] == pd.Timestamp("2017-01-01")


COUNTS = [
    (7, 7),
    (2.0, 2),
    (np.int64(5), 5),
    (-3, -3),  # validation, not parsing, refuses negatives
    ("1,234", 1234),
    (" 12 ", 12),
    ("-3", -3),
    ("12.0", 12),
    ("1 234", 1234),
    ("1\u00a0234", 1234),
    ("1,234,567.00", 1234567),
    ("+8", 8),
    (2.5, None),
    ("2.5", None),
    ("1,23", None),
    ("12,34,567", None),
    ("1.234,5", None),
    ("x", None),
    ("", None),
    (None, None),
    (True, None),
    (float("nan"), None),
    (float("inf"), None),
    (10**30, None),
    (datetime(2018, 1, 1), None),
]


@pytest.mark.parametrize(("cell", "expected"), COUNTS, ids=[repr(c[0]) for c in COUNTS])
def test_parse_counts(cell: object, expected: int | None) -> None:
    values, invalid = parse_counts(pd.Series([cell], dtype=object))
    assert values.dtype == "Int64"
    assert bool(invalid.iloc[0]) is (expected is None)
    if expected is None:
        assert values.isna().iloc[0]
    else:
        assert values.iloc[0] == expected


def test_counts_column_of_mixed_cells_keeps_the_index() -> None:
    cells = pd.Series([1, "2", None, "x", 4.0], index=[10, 11, 12, 13, 14], dtype=object)
    values, invalid = parse_counts(cells)
    assert values.index.tolist() == [10, 11, 12, 13, 14]
    assert values.tolist() == [1, 2, pd.NA, pd.NA, 4]
    assert invalid.tolist() == [False, False, True, True, False]


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_counts_round_trip_with_thousands_separators(number: int) -> None:
    cells = pd.Series([f"{number:,}", str(number), number, float(number)], dtype=object)
    values, invalid = parse_counts(cells)
    assert not invalid.any()
    assert values.tolist() == [number] * 4


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2200, 12, 31)))
def test_dates_round_trip_through_every_way_of_writing_them(day: date) -> None:
    serial = (day - date(1899, 12, 30)).days
    dmy = [day.strftime("%d/%m/%Y"), day.isoformat(), day.strftime("%d %b %Y"), serial, day]
    mdy = [day.strftime("%m/%d/%Y %H:%M"), f"{day.isoformat()}T08:15:00"]
    for cells, order in ((dmy, "DMY"), (mdy, "MDY")):
        values, invalid = parse_dates(pd.Series(cells, dtype=object), date_order=order)  # type: ignore[arg-type]
        assert not invalid.any()
        assert set(values) == {pd.Timestamp(day)}


def test_a_large_text_column_is_parsed_column_wise() -> None:
    """100,000 text dates (one bad) in well under the time a per-cell loop would take."""
    cells = pd.Series(["14/02/2018 17:05"] * 100_000, dtype=object)
    cells.iloc[12_345] = "not a date"
    started = time.perf_counter()
    values, invalid = parse_dates(cells, date_order="DMY")
    assert time.perf_counter() - started < 1.5
    assert invalid.sum() == 1 and bool(invalid.iloc[12_345])
    assert values.iloc[0] == pd.Timestamp("2018-02-14")


def test_a_long_column_of_text_dates_reads_as_its_parts_do() -> None:
    """A column this long is read in two halves at once: each cell's date must not depend on
    it. Mostly distinct texts in several formats, the odd cases of the table above among them."""
    odd = [case[0] for case in DATES if case[1] == "DMY" and isinstance(case[0], str)]
    written = ("%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%d %b %Y", "%d-%m-%y %H:%M")
    start = datetime(2016, 2, 20)
    cells = [
        odd[i // 7 % len(odd)]
        if i % 7 == 0
        else (start + pd.Timedelta(minutes=37 * i)).strftime(written[i % len(written)])
        for i in range(160_000)
    ]
    whole, whole_bad = parse_dates(pd.Series(cells, dtype=object), date_order="DMY")
    parts = [
        parse_dates(pd.Series(cells[i : i + 80_000], dtype=object), date_order="DMY")
        for i in (0, 80_000)
    ]
    assert whole.tolist() == [*parts[0][0].tolist(), *parts[1][0].tolist()]
    assert whole_bad.tolist() == [*parts[0][1].tolist(), *parts[1][1].tolist()]
    for i in (1, 2, 3, 4, 5, 6, 159_998):
        day = pd.Timestamp(start + pd.Timedelta(minutes=37 * i)).normalize()
        assert (whole.iloc[i], bool(whole_bad.iloc[i])) == (day, False)
    assert set(np.flatnonzero(whole_bad.to_numpy()) % 7) == {0}  # only odd cases are bad
