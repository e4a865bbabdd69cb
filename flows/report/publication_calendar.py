"""Working days in England and Wales, and the day an edition is published.

One calendar for the Cover's publication date and for the schedule's tests: weekends and the
bank holidays of England and Wales, with their substitute days (New Year's Day on a Saturday
moves the holiday to Monday 3 January), as the `holidays` package lists them.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

# Imported by module, not through holidays.country_holidays: the package loads its country
# modules lazily, on first use, which would put a second of importing inside the first build.
from holidays.countries.united_kingdom import UnitedKingdom

from flows.core.periods import Period

# Any fortnight holds a working day; the bound only keeps the loop finite.
_LONGEST_BREAK_DAYS = 14


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share one list of bank holidays (Scotland and Northern Ireland differ).
    return frozenset(UnitedKingdom(subdiv="ENG", years=year))  # type: ignore[no-untyped-call]


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def first_working_day(year: int, month: int) -> date:
    """The first working day of a month in England and Wales."""
    day = date(year, month, 1)
    for _ in range(_LONGEST_BREAK_DAYS):
        if is_working_day(day):
            return day
        day += timedelta(days=1)
    raise ValueError(f"no working day in the first fortnight of {year}-{month:02d}")


def publication_date(period: Period) -> date:
    """The first working day after the period ends: the scheduled edition's date.

    Derived from the period, not from the clock, so rebuilding an edition gives the same bytes.
    """
    following = period.end_date + timedelta(days=1)
    return first_working_day(following.year, following.month)
