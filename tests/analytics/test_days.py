"""Daily counts read once serve a period only where cutting by day is exact: bounds at
midnights (UTC) or the read's own, and the same filter of countries, sectors, exercises."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rcsc.analytics.aggregates import Filters
from rcsc.analytics.days import Days, midnight
from rcsc.storage.repos.analytics import Daily, DayCount, HeatDay

START = datetime.fromisoformat("2026-09-01T00:00:00+00:00")
END = START + timedelta(days=10)
DAILY = Daily(
    {None: [DayCount(date(2026, 9, d), None, d) for d in (1, 5, 10)],
     "sector": [DayCount(date(2026, 9, d), "energy", d) for d in (1, 5, 10)]},
    [HeatDay(date(2026, 9, 1), "LV", "energy", 1), HeatDay(date(2026, 9, 5), "LV", None, 2),
     HeatDay(date(2026, 9, 5), "PL", None, 3), HeatDay(date(2026, 9, 10), "LV", "energy", 4)])
DAYS = Days(START, END, frozenset(), frozenset(), False, DAILY)


def test_midnight_is_judged_in_utc() -> None:
    assert midnight(START)
    assert midnight(datetime.fromisoformat("2026-09-01T02:00:00+02:00"))
    assert not midnight(START + timedelta(microseconds=1))


def test_a_period_inside_at_midnights_is_served_and_cut_by_day() -> None:
    inner = Filters(START + timedelta(days=2), START + timedelta(days=9))
    assert DAYS.covers(inner)
    by, heat = DAYS.within(inner)
    assert by[None] == [DayCount(date(2026, 9, 5), None, 5)]
    assert sorted(by["country"], key=lambda r: str(r.key)) == [
        DayCount(date(2026, 9, 5), "LV", 2), DayCount(date(2026, 9, 5), "PL", 3)]
    assert sorted(heat, key=str) == [("LV", None, 2), ("PL", None, 3)]


def test_the_reads_own_bounds_are_kept_whole() -> None:
    by, heat = DAYS.within(Filters(START, END))
    assert [r.count for r in by[None]] == [1, 5, 10]
    assert sum(n for _c, _s, n in heat) == 10


def test_no_period_is_served_where_a_day_would_have_to_be_split_or_filtered_otherwise(
) -> None:
    assert not DAYS.covers(Filters(START + timedelta(hours=5), END))
    assert not DAYS.covers(Filters(START, END - timedelta(hours=5)))
    assert not DAYS.covers(Filters(START - timedelta(days=1), END))
    assert not DAYS.covers(Filters(START, END + timedelta(days=1)))
    assert not DAYS.covers(Filters(START, END, countries=frozenset({"LV"})))
    assert not DAYS.covers(Filters(START, END, sectors=frozenset({"energy"})))
    assert not DAYS.covers(Filters(START, END, exercise=None))
