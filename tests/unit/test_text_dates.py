"""Text dates read in whole-array steps agree with pandas (strptime) on every format we use."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.intake.cell_parsing import _MONTHS, _date_formats
from flows.intake.text_dates import pattern_of, read_format

FORMATS = sorted(set(_date_formats("DMY") + _date_formats("MDY") + _date_formats("YMD") + _MONTHS))


def pandas_days(texts: list[str], layout: str) -> list[str]:
    parsed = pd.to_datetime(pd.Series(texts, dtype=object), format=layout, errors="coerce")
    return [str(day) for day in parsed.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")]


def ours(texts: list[str], layout: str) -> list[str]:
    days = read_format(pa.array(texts, pa.large_string()), layout)
    return [str(day) for day in days.astype("datetime64[D]")]


@given(
    layout=st.sampled_from(FORMATS),
    moment=st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2199, 12, 31)),
    noise=st.sampled_from(["", " ", "x", "  ", "0"]),
)
def test_a_date_written_in_a_format_reads_as_pandas_reads_it(
    layout: str, moment: datetime, noise: str
) -> None:
    text = moment.strftime(layout)
    texts = [text, text.upper(), text.lower(), text + noise, noise + text, text.replace(" ", "  ")]
    assert ours(texts, layout) == pandas_days(texts, layout)


@pytest.mark.parametrize("layout", FORMATS)
def test_impossible_and_junk_texts_read_as_pandas_reads_them(layout: str) -> None:
    texts = [
        "31/02/2017", "29/02/2019", "29/02/2020", "00/01/2017", "13/13/2017", "02/30/2017",
        "2017-02-31", "0000-01-01", "Feb-29", "30 Feb 2017", "soon", "", "3/7/2017 25:00",
        "3/7/2017 2:05 PM", "3/7/2017 12:05 AM", "Jul-17", "July 2017", "2017-07", "07/2017",
        "03/07/17", "3 Sept 2017", "3 sep 2017",
    ]  # fmt: skip
    assert ours(texts, layout) == pandas_days(texts, layout)


def test_every_format_we_use_has_a_pattern() -> None:
    assert all(pattern_of(layout) for layout in FORMATS)
    assert (pattern_of("%d/%m/%Y %H:%M") or "").startswith("(?i)^(?P<d>")
    assert pattern_of("%j") is None  # a directive we do not use goes to pandas
