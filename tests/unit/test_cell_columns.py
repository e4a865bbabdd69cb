"""Compact typed columns: every calamine cell kind kept exactly, text cleaned, slices exact."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.core.safe_text import UNSAFE_CHARACTERS, UNSAFE_CHARACTERS_RE2, clean_text
from flows.intake.reading.cell_columns import BLANK, DATE, NUMBER, OTHER, TEXT
from flows.intake.reading.column_building import blank_cells, cell_column, cell_kinds
from flows.intake.reading.csv_tables import TOTAL_RE2
from flows.intake.reading.header_tables import TOTAL_LABEL
from flows.intake.reading.sheet_tables import object_grid


def objects(values: Sequence[object]) -> np.ndarray:
    cells = np.empty(len(values), dtype=object)
    cells[:] = values
    return cells


MIXED = [
    "R1",
    "  ",
    "",
    None,
    2.5,
    7,
    datetime(2018, 1, 3, 9, 30, 15),
    date(2018, 1, 4),
    True,
    time(10, 0),
    timedelta(hours=1),
    "Ωmega ünïcödé 😀",
    "tab\there\x1b[2J\u202eend",
]


def test_each_kind_of_cell_is_kept_with_its_value() -> None:
    column = cell_column(objects(MIXED))
    assert column.kinds.tolist() == [
        TEXT, BLANK, BLANK, BLANK, NUMBER, NUMBER, DATE, DATE, OTHER, OTHER, OTHER, TEXT, TEXT
    ]  # fmt: skip
    assert column.values().tolist() == [
        "R1",
        None,
        None,
        None,
        2.5,
        7.0,
        datetime(2018, 1, 3, 9, 30, 15),
        date(2018, 1, 4),
        "True",
        "10:00:00",
        "1:00:00",
        "Ωmega ünïcödé 😀",
        "tab\\there\\x1b[2J\\u202eend",
    ]
    assert column.shown(1) == "(blank)" and column.shown(6) == "2018-01-03 09:30:15"


def test_text_reaches_arrow_without_a_copy_and_nulls_where_not_text() -> None:
    column = cell_column(objects(MIXED))
    text = column.text()
    assert isinstance(text, pa.LargeStringArray)
    assert text.to_pylist()[:5] == ["R1", None, None, None, None]
    assert text.to_pylist()[11] == "Ωmega ünïcödé 😀"
    assert column.text(TEXT, OTHER).to_pylist()[8] == "True"


@given(
    st.lists(st.one_of(st.text(max_size=12), st.none(), st.floats(allow_nan=False)), max_size=40)
)
def test_slices_and_index_arrays_take_the_same_cells(values: list[object]) -> None:
    column = cell_column(objects(values))
    expected = column.values().tolist()
    rows = np.arange(len(values))[::2]
    assert column.take(rows).values().tolist() == expected[::2]
    assert column.take(slice(1, len(values))).values().tolist() == expected[1:]
    assert column.take(rows).text().to_pylist() == column.text().take(pa.array(rows)).to_pylist()


@given(st.lists(st.text(), max_size=30))
def test_any_text_round_trips_cleaned(values: list[str]) -> None:
    column = cell_column(objects(values))
    shown = [v for v in column.values().tolist()]
    assert shown == [clean_text(v) if v.strip() else None for v in values]


def test_blank_cells_are_none_and_white_space_only() -> None:
    grid = objects([None, "", " \t\n", "\u00a0", "x", 0.0, False]).reshape(7, 1)
    assert blank_cells(grid).ravel().tolist() == [True, True, True, True, False, False, False]
    assert cell_kinds(grid).shape == (7, 1)


def test_the_csv_pattern_for_unsafe_characters_matches_the_python_one() -> None:
    import pyarrow.compute as pc

    # Every code point UTF-8 can carry (surrogates cannot be in a CSV's decoded text).
    points = [p for p in range(0x110000) if not 0xD800 <= p <= 0xDFFF]
    texts = pa.array([chr(p) for p in points])
    arrow = pc.match_substring_regex(texts, UNSAFE_CHARACTERS_RE2).to_numpy(zero_copy_only=False)
    python = np.array([UNSAFE_CHARACTERS.search(chr(p)) is not None for p in points])
    assert (arrow == python).all()
    # C0 and C1 with DEL, line and paragraph separators, bidi embeddings, isolates, U+FFFE/FFFF
    assert python.sum() == 65 + 2 + 5 + 4 + 2


def test_every_unsafe_character_is_unprintable_so_printable_text_skips_the_search() -> None:
    unsafe = [chr(p) for p in range(0x110000) if UNSAFE_CHARACTERS.search(chr(p))]
    assert len(unsafe) == 65 + 2 + 5 + 4 + 2 + 2048  # and the surrogates
    assert not any(character.isprintable() for character in unsafe)


def test_an_unsafe_character_in_text_that_is_otherwise_printable_is_escaped() -> None:
    column = cell_column(objects(["R1", "caf\u00e9\u202e", "ok"]))
    assert column.values().tolist() == ["R1", "caf\u00e9\\u202e", "ok"]


def test_calamine_rows_become_the_sameobject_grid_however_they_are_shaped() -> None:
    rows: list[list[object]] = [["R1", 2.0, date(2018, 1, 3)], [None, "", True]]
    grid = object_grid(rows)
    assert grid.shape == (2, 3) and grid.tolist() == rows
    assert object_grid([[]]).shape == (1, 0)
    # never from calamine: converted as numpy always did
    ragged: list[list[object]] = [["R1", 2.0], ["R2"]]
    assert object_grid(ragged).shape == np.array(ragged, dtype=object).reshape(2, -1).shape


@pytest.mark.parametrize(
    "label",
    ["Total", "TOTAL", "Totals:", " total contacts", "Grand total", "grand  Total", "Total-1",
     "TOTAL-0001", "Totalcare", "totals_x", "Subtotal", "Totalé", "Tot", ""],
)  # fmt: skip
def test_the_csv_pattern_for_total_labels_matches_the_python_one(label: str) -> None:
    import pyarrow.compute as pc

    arrow = pc.match_substring_regex(pa.array([label]), TOTAL_RE2)[0].as_py()
    assert arrow is (TOTAL_LABEL.match(label) is not None), label
