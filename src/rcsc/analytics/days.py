"""Daily counts read once and cut to any period inside them (`rcsc.analytics.aggregates`).

The dashboard reads the daily counts of its period and of the trend tests' sixteen weeks in
one statement, the situation report those of its sixteen weeks for the thirteen it charts,
the week itself and the tests: each part takes its days from that read. Cutting by day is
exact only at midnights (UTC), so a period is served only when its bounds are midnights or
the read's own bounds, and only with the same filter of countries, sectors and exercises.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from rcsc.storage.repos.analytics import Daily, DayCount

if TYPE_CHECKING:
    from rcsc.analytics.aggregates import Filters


def midnight(moment: datetime) -> bool:
    """Whether `moment` starts a UTC day: only then can daily counts be cut at it."""
    utc = moment.astimezone(UTC)
    return (utc.hour, utc.minute, utc.second, utc.microsecond) == (0, 0, 0, 0)


@dataclass(frozen=True)
class Days:
    """The daily counts of [start, end) for one viewer and filter of countries, sectors and
    exercises: what a period inside it, with the same filter, can be counted from."""

    start: datetime
    end: datetime
    countries: frozenset[str]
    sectors: frozenset[str]
    exercise: bool | None
    daily: Daily

    def covers(self, f: Filters) -> bool:
        same = (self.countries, self.sectors, self.exercise) == (f.countries, f.sectors,
                                                                 f.exercise)
        starts = self.start == f.start or (self.start < f.start and midnight(f.start))
        ends = self.end == f.end or (f.end < self.end and midnight(f.end))
        return same and starts and ends

    def _keep(self, f: Filters, day: date) -> bool:
        return ((self.start == f.start or day >= f.start.astimezone(UTC).date())
                and (self.end == f.end or day < f.end.astimezone(UTC).date()))

    def within(self, f: Filters) -> tuple[dict[str | None, list[DayCount]],
                                          list[tuple[str | None, str | None, int]]]:
        """(per dimension, country included, day rows; heat map rows) of the period `f`
        (which this must cover)."""
        by = {k: [r for r in rows if self._keep(f, r.day)]
              for k, rows in self.daily.by.items()}
        countries: Counter[tuple[date, str | None]] = Counter()
        heat: Counter[tuple[str | None, str | None]] = Counter()
        for row in self.daily.heat:
            if self._keep(f, row.day):
                countries[(row.day, row.country)] += row.count
                heat[(row.country, row.sector)] += row.count
        by["country"] = [DayCount(d, c, n) for (d, c), n in countries.items()]
        return by, [(c, s, n) for (c, s), n in heat.items()]
