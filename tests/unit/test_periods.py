from datetime import UTC, date, datetime

import pytest

from flows.core.errors import HelplineError
from flows.core.periods import LONDON, Period, last_complete_period, periods_between


def test_parse_and_describe_a_half_year() -> None:
    period = Period.parse("2017-H2")
    assert str(period) == "2017-H2"
    assert period.first_month == date(2017, 7, 1)
    assert period.last_month == date(2017, 12, 1)
    assert period.label == "Jul to Dec 2017"
    assert period.long_label == "July to December 2017"
    assert period.previous() == Period(2017, 1)
    assert Period(2018, 1).previous() == period
    assert period.next() == Period(2018, 1)
    assert len(period.months) == 6


@pytest.mark.parametrize("text", ["2018-H3", "2018H1", "18-H1", "", "2018-h1; drop table"])
def test_bad_period_is_one_clear_sentence(text: str) -> None:
    with pytest.raises(HelplineError) as raised:
        Period.parse(text)
    assert raised.value.message == (
        f"{text!r} is not a reporting period; write a half-year such as 2018-H1 or 2017-H2."
    )


def test_range_of_periods_and_backwards_range() -> None:
    assert [str(p) for p in periods_between(Period(2017, 2), Period(2018, 2))] == [
        "2017-H2",
        "2018-H1",
        "2018-H2",
    ]
    with pytest.raises(HelplineError, match="runs backwards"):
        periods_between(Period(2018, 2), Period(2017, 2))


def test_last_complete_period_uses_london_time() -> None:
    # 30 June 23:30 UTC is already 1 July in London (BST), so H1 has ended.
    assert last_complete_period(datetime(2018, 6, 30, 23, 30, tzinfo=UTC)) == Period(2018, 1)
    assert last_complete_period(datetime(2018, 7, 1, 0, 30, tzinfo=LONDON)) == Period(2018, 1)
    assert last_complete_period(datetime(2018, 6, 30, 12, 0, tzinfo=LONDON)) == Period(2017, 2)
