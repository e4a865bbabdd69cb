"""The publication date: the first working day in England and Wales after a period ends."""

from __future__ import annotations

from datetime import date

import pytest

from flows.core.periods import Period
from flows.report.publication_calendar import first_working_day, publication_date

# Written out by hand from the bank holiday rules, not computed: New Year's Day on a Saturday
# or Sunday has its substitute on the Monday after, so the first working day is the Tuesday;
# on a Friday it is Monday 4 January. July has no bank holiday, only weekends.
JANUARY = {
    2018: 2, 2019: 2, 2020: 2, 2021: 4, 2022: 4, 2023: 3, 2024: 2, 2025: 2, 2026: 2,
    2027: 4, 2028: 4, 2029: 2, 2030: 2, 2031: 2, 2032: 2, 2033: 4, 2034: 3, 2035: 2,
}  # fmt: skip
JULY = {
    2018: 2, 2019: 1, 2020: 1, 2021: 1, 2022: 1, 2023: 3, 2024: 1, 2025: 1, 2026: 1,
    2027: 1, 2028: 3, 2029: 2, 2030: 1, 2031: 1, 2032: 1, 2033: 1, 2034: 3, 2035: 2,
}  # fmt: skip


@pytest.mark.parametrize("year", sorted(JANUARY))
def test_the_january_edition_is_published_on_the_first_working_day(year: int) -> None:
    assert publication_date(Period(year - 1, 2)) == date(year, 1, JANUARY[year])
    assert first_working_day(year, 1) == date(year, 1, JANUARY[year])


@pytest.mark.parametrize("year", sorted(JULY))
def test_the_july_edition_is_published_on_the_first_working_day(year: int) -> None:
    assert publication_date(Period(year, 1)) == date(year, 7, JULY[year])


def test_substitute_bank_holidays_move_the_january_date() -> None:
    # The years a weekend-only rule got wrong: New Year's Day on a Saturday or a Sunday.
    assert [publication_date(Period(y - 1, 2)).day for y in (2022, 2023, 2028, 2033, 2034)] == [
        4,
        3,
        4,
        4,
        3,
    ]
