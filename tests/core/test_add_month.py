"""`add_month` (the NIS2 final report's due date): one calendar month later, clamped."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from rcsc.core.incidents import add_month


def _reference(moment: datetime) -> datetime:
    month = moment.month % 12 + 1
    year = moment.year + (moment.month == 12)
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.just(UTC)))
def test_one_month_later_clamped_to_the_months_last_day(moment: datetime) -> None:
    assert add_month(moment) == _reference(moment)


def test_known_dates() -> None:
    assert add_month(datetime(2026, 1, 31, 9, tzinfo=UTC)) == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert add_month(datetime(2028, 1, 30, tzinfo=UTC)) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_month(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(2027, 1, 15, tzinfo=UTC)
    assert add_month(datetime(2026, 3, 31, tzinfo=UTC)) == datetime(2026, 4, 30, tzinfo=UTC)
