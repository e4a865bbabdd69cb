"""Reporting periods: calendar half-years written like 2018-H1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flows.core.errors import HelplineError

_PERIOD = re.compile(r"^(?P<year>\d{4})-H(?P<half>[12])$")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    half: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if match is None:
            raise HelplineError(
                f"{text!r} is not a reporting period; write a half-year such as 2018-H1 or 2017-H2."
            )
        return cls(int(match["year"]), int(match["half"]))

    @classmethod
    def containing(cls, day: date) -> Period:
        return cls(day.year, 1 if day.month <= 6 else 2)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def first_month(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last_month(self) -> date:
        return date(self.year, 6 if self.half == 1 else 12, 1)

    @property
    def months(self) -> list[date]:
        start = self.first_month.month
        return [date(self.year, month, 1) for month in range(start, start + 6)]

    @property
    def end_date(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def previous(self) -> Period:
        return Period(self.year - 1, 2) if self.half == 1 else Period(self.year, 1)

    def next(self) -> Period:
        return Period(self.year, 2) if self.half == 1 else Period(self.year + 1, 1)

    @property
    def label(self) -> str:
        """The period in words, e.g. 'Jul to Dec 2017', for headings read aloud."""
        first, last = self.first_month.month, self.last_month.month
        return f"{_MONTH_NAMES[first - 1]} to {_MONTH_NAMES[last - 1]} {self.year}"

    @property
    def long_label(self) -> str:
        names = ("January", "June") if self.half == 1 else ("July", "December")
        return f"{names[0]} to {names[1]} {self.year}"


def periods_between(start: Period, end: Period) -> list[Period]:
    if end < start:
        raise HelplineError(
            f"The range {start} to {end} runs backwards; put the earlier period first."
        )
    periods = [start]
    while periods[-1] < end and len(periods) < 200:
        periods.append(periods[-1].next())
    return periods


def last_complete_period(now: datetime | None = None) -> Period:
    """The most recent half-year that has ended, in Europe/London time."""
    today = (now or datetime.now(LONDON)).astimezone(LONDON).date()
    return Period.containing(today).previous()
