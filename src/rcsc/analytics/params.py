"""The analytics filters as clients send them: a period of whole days (`from`, `to`, both
inclusive, in UTC), countries, sectors and whether exercises count. Checked by the incident
list's own rules, so the dashboard, the API and the exports refuse the same values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from rcsc.analytics.aggregates import Filters
from rcsc.errors import ValidationFailed
from rcsc.incidents import fields as f
from rcsc.incidents.filters import build_query

DEFAULT_WEEKS = 16


def _day(name: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed.field(name, f"{text!r} is not a date such as 2026-11-23") \
            from None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def default_period(now: datetime) -> tuple[date, date]:
    """Sixteen ISO weeks: from the Monday fifteen weeks before this one, to today."""
    today = now.astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=DEFAULT_WEEKS - 1), today


def parse(now: datetime, *, date_from: str | None = None, date_to: str | None = None,
          countries: Iterable[str] = (), sectors: Iterable[str] = (),
          exercise: str = "false") -> Filters:
    """The filters, or ValidationFailed naming every bad parameter."""
    c = f.Collector()
    first, last = default_period(now)
    start = c.check("from", lambda v: _day("from", v), date_from) or first
    end = c.check("to", lambda v: _day("to", v), date_to) or last
    checked = c.check("country", lambda v: build_query(country=[x for x in v if x.strip()]),
                      list(countries))
    sector = c.check("sector", lambda v: build_query(sector=[x for x in v if x.strip()]),
                     list(sectors))
    mode = c.check("exercise", lambda v: build_query(exercise=v), exercise)
    c.raise_if_any()
    if end < start:
        raise ValidationFailed.field("to", "must not be before the start of the period")
    assert checked is not None and sector is not None and mode is not None
    return Filters(_midnight(start), _midnight(end) + timedelta(days=1), checked.country,
                   sector.sector, mode.exercise)


def as_params(filters: Filters) -> dict[str, object]:
    """The filters as the query parameters that give them back (for links)."""
    return {"from": filters.start.date().isoformat(),
            "to": (filters.end - timedelta(days=1)).date().isoformat(),
            "country": sorted(filters.countries), "sector": sorted(filters.sectors)}


def week_start(moment: datetime) -> datetime:
    """The Monday 00:00 UTC at or before `moment`: trend windows are whole weeks."""
    day = moment.astimezone(UTC).date()
    return _midnight(day - timedelta(days=day.weekday()))
