"""The partner's cells kept for feedback examples: coded when their texts repeat."""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from flows.intake.kept_cells import CodedTextCells, kept_cells
from flows.intake.reading.column_building import cell_column

FORCES: list[object] = [
    "Kent",
    "Essex",
    "Surrey Police",
    "  ",
    None,
    7,
    date(2018, 1, 4),
    True,
    "Kent",
    "é",
]


def objects(values: list[object]) -> np.ndarray:
    cells = np.empty(len(values), dtype=object)
    cells[:] = values
    return cells


def test_a_column_of_repeated_areas_is_coded_and_quoted_cell_for_cell_as_before() -> None:
    column = cell_column(objects(FORCES * 50))
    kept = kept_cells(column)
    assert isinstance(kept, CodedTextCells)
    assert sorted(kept.texts) == ["Essex", "Kent", "Surrey Police", "True", "é"]
    assert [kept.shown(i) for i in range(len(column))] == [
        column.shown(i) for i in range(len(column))
    ]
    assert [kept.shown(i) for i in range(10)] == [
        "Kent", "Essex", "Surrey Police", "(blank)", "(blank)", "7.0", "2018-01-04", "True",
        "Kent", "é",
    ]  # fmt: skip
    assert kept.shown(2, limit=6) == "Surrey"
    assert kept.rest.utf8.nbytes == 0 and kept.rest.offsets.strides == (0,)  # no text held
    assert kept.codes.nbytes < (column.utf8.nbytes + column.offsets.nbytes) / 2


def test_references_nearly_all_different_are_kept_as_they_are() -> None:
    column = cell_column(objects([f"REF-{n:06d}" for n in range(500)] + ["REF-000001", None]))
    assert kept_cells(column) is column


@given(
    st.lists(
        st.one_of(
            st.sampled_from(["a", "b", "Kent", " ", ""]),
            st.none(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)),
            st.times().map(lambda moment: moment.replace(microsecond=0)),
        ),
        max_size=60,
    )
)
def test_whatever_the_cells_every_one_is_quoted_as_the_column_quotes_it(
    cells: list[object],
) -> None:
    column = cell_column(objects(cells))
    kept = kept_cells(column)
    assert [kept.shown(i, 5) for i in range(len(cells))] == [
        column.shown(i, 5) for i in range(len(cells))
    ]


def test_numbers_and_dates_are_quoted_from_the_column_and_only_texts_coded() -> None:
    values: list[object] = [1.5, None, datetime(2019, 5, 1, 8, 0), time(9, 30)] * 100
    column = cell_column(objects(values))
    kept = kept_cells(column)
    assert [kept.shown(i) for i in range(4)] == [
        "1.5",
        "(blank)",
        "2019-05-01 08:00:00",
        "09:30:00",
    ]
    assert isinstance(kept, CodedTextCells) and kept.texts == ["09:30:00"]  # a time is text
    assert kept.rest.numbers is column.numbers and kept.rest.dates is column.dates
