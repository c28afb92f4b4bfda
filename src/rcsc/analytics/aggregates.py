"""Counts over the incidents a viewer may see: by week and month × country, sector, RSIT
class, severity and status; times to contain and to close; NIS2 reports on time or late;
the values most shared across items (cross-border clusters: `rcsc.intel.clusters`).

Storage counts per day in SQL, through the incident list's own filter (the sharing rule,
exercise incidents left out unless asked for); this module groups days into ISO weeks and
calendar months and suppresses small cells (`rcsc.analytics.suppress`) over all the tables
of one grain together, since they share their weekly and grand totals.

A `Source` reads each thing once: the daily counts (`Days`: every table and the heat map
from one statement) and the NIS2 deadlines are kept on it, so the aggregates, the overdue
list and the trend tests of one page or report share them. The daily counts may reach
back before the period (`reach`) so that the trend tests' sixteen weeks come from the
same statement; they are then cut to the period by day, which is exact because both
bounds are midnights (UTC).
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from rcsc.analytics.days import Days, midnight
from rcsc.analytics.suppress import hidden_cells, shown
from rcsc.core.identity import Principal
from rcsc.core.incidents import Deadline, Milestone, due_times
from rcsc.core.permissions import Action, require
from rcsc.errors import ValidationFailed
from rcsc.incidents.service import viewer_for
from rcsc.sharing import Viewer
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.analytics import (
    DIMENSIONS,
    MEASURES,
    AnalyticsRepo,
    DayCount,
    HoursCount,
    Nis2Row,
    SharedValue,
)
from rcsc.storage.repos.incidents import IncidentQuery

GRAINS = ("week", "month")
UNKNOWN = "unknown"  # an incident without a sector or without a country
NIS2_STATES = ("on-time", "late", "overdue", "pending")
MAX_PERIOD = timedelta(days=366 * 5)
Cell = int | None  # None: suppressed


@dataclass(frozen=True)
class Filters:
    """What the dashboard, the report and the exports are asked for: a period of filing
    [start, end), optionally some countries and sectors; exercises only when asked."""

    start: datetime
    end: datetime
    countries: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    exercise: bool | None = False  # False: real incidents; True: exercises; None: both

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationFailed.field("to", "must be after the start of the period")
        if self.end - self.start > MAX_PERIOD:
            raise ValidationFailed.field("to", "the period may be at most five years")

    def query(self, **changes: object) -> IncidentQuery:
        base = dict(country=self.countries, sector=self.sectors, created_from=self.start,
                    created_to=self.end, exercise=self.exercise)
        return IncidentQuery(**{**base, **changes})  # type: ignore[arg-type]


def bucket(day: date, grain: str) -> str:
    """`2026-W48` (ISO week) or `2026-11` (calendar month)."""
    if grain == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def buckets(start: datetime, end: datetime, grain: str) -> list[str]:
    """Every bucket the period [start, end) touches, in order."""
    labels: list[str] = []
    day, last = start.date(), (end - timedelta(microseconds=1)).date()
    while day <= last:
        label = bucket(day, grain)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


@dataclass(frozen=True)
class Table:
    """Counts per bucket and value of one dimension (`all`: one value, the total)."""

    dimension: str
    grain: str
    buckets: tuple[str, ...]
    keys: tuple[str, ...]
    cells: dict[tuple[str, str], Cell]
    bucket_totals: dict[str, Cell]
    key_totals: dict[str, Cell]
    total: Cell

    def cell(self, bucket_label: str, key: str) -> Cell:
        return self.cells.get((bucket_label, key), 0)


@dataclass(frozen=True)
class Durations:
    """Hours to contain or to close, for one severity or `all` (None: suppressed)."""

    severity: str
    count: Cell
    median_hours: int | None
    p90_hours: int | None


@dataclass(frozen=True)
class HeatMap:
    """Incidents per country × sector, with each country's and each sector's total."""

    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    cells: dict[tuple[str, str], Cell]
    country_totals: dict[str, Cell]
    sector_totals: dict[str, Cell]


@dataclass(frozen=True)
class Aggregates:
    filters: Filters
    minimum: int  # the smallest count shown
    tables: dict[str, dict[str, Table]]  # grain -> dimension ("all" too) -> table
    durations: dict[str, list[Durations]]  # measure -> "all" then each severity
    nis2: dict[str, dict[str, Cell]]  # milestone -> state -> count
    heatmap: HeatMap
    shared: list[SharedValue] = field(default_factory=list)  # most items first


def _key(value: str | None) -> str:
    return value if value else UNKNOWN


def _raw(days: dict[str | None, list[DayCount]], grain: str, countries: frozenset[str]
         ) -> dict[str, Counter[tuple[str, str]]]:
    raw: dict[str, Counter[tuple[str, str]]] = {}
    for dimension, rows in days.items():
        counts: Counter[tuple[str, str]] = Counter()
        for row in rows:
            key = _key(row.key)
            if dimension == "country" and countries and key not in countries:
                continue  # an incident of several countries, outside the ones asked for
            counts[(bucket(row.day, grain), key)] += row.count
        raw[dimension or "all"] = counts
    return raw


def tables_for(days: dict[str | None, list[DayCount]], grain: str, labels: Sequence[str],
               minimum: int, countries: frozenset[str] = frozenset()) -> dict[str, Table]:
    """Every dimension's table of one grain, suppressed together (they share the totals)."""
    raw = _raw(days, grain, countries)
    totals: Counter[str] = Counter()
    for (label, _all), n in raw["all"].items():
        totals[label] += n
    cells: dict[tuple[str, ...], int] = {("total", b): totals[b] for b in labels}
    cells[("grand",)] = sum(totals.values())
    lines: list[Sequence[tuple[str, ...]]] = [[("grand",), *(("total", b) for b in labels)]]
    for dimension in DIMENSIONS:
        counts = raw[dimension]
        keys = sorted({k for _b, k in counts})
        for (label, key), n in counts.items():
            cells[(dimension, label, key)] = n
        for key in keys:
            cells[(dimension, "*", key)] = sum(counts[(b, key)] for b in labels)
            lines.append([(dimension, "*", key)] + [(dimension, b, key) for b in labels
                                                    if (b, key) in counts])
        lines += [[("total", b)] + [(dimension, b, k) for k in keys if (b, k) in counts]
                  for b in labels]
        lines.append([("grand",)] + [(dimension, "*", k) for k in keys])
    hidden = hidden_cells(cells, lines, minimum)

    def out(key: tuple[str, ...]) -> Cell:
        return None if key in hidden else cells.get(key, 0)

    result = {"all": Table("all", grain, tuple(labels), ("all",),
                           {(b, "all"): out(("total", b)) for b in labels},
                           {b: out(("total", b)) for b in labels}, {"all": out(("grand",))},
                           out(("grand",)))}
    for dimension in DIMENSIONS:
        names = tuple(sorted({k for _b, k in raw[dimension]}))
        result[dimension] = Table(
            dimension, grain, tuple(labels), names,
            {(b, k): out((dimension, b, k)) for b in labels for k in names},
            {b: out(("total", b)) for b in labels},
            {k: out((dimension, "*", k)) for k in names}, out(("grand",)))
    return result


def heatmap_of(rows: Sequence[tuple[str | None, str | None, int]], minimum: int,
               countries: frozenset[str] = frozenset()) -> HeatMap:
    """The country × sector table, suppressed with its margins (each country's total is
    also the country table's, so it is taken as shown: hiding here errs on the safe side)."""
    counts: Counter[tuple[str, str]] = Counter()
    for country, sector, n in rows:
        if countries and _key(country) not in countries:
            continue
        counts[(_key(country), _key(sector))] += n
    names = tuple(sorted({c for c, _s in counts}))
    sectors = tuple(sorted({s for _c, s in counts}))
    cells: dict[tuple[str, str], int] = dict(counts)
    cells.update({("*", s): sum(counts[(c, s)] for c in names) for s in sectors})
    cells.update({(c, "*"): sum(counts[(c, s)] for s in sectors) for c in names})
    lines = [[(c, "*"), *((c, s) for s in sectors if (c, s) in counts)] for c in names]
    lines += [[("*", s), *((c, s) for c in names if (c, s) in counts)] for s in sectors]
    hidden = hidden_cells(cells, lines, minimum)

    def out(key: tuple[str, str]) -> Cell:
        return None if key in hidden else cells.get(key, 0)

    return HeatMap(names, sectors, {(c, s): out((c, s)) for c in names for s in sectors},
                   {c: out((c, "*")) for c in names}, {s: out(("*", s)) for s in sectors})


def percentile(histogram: Sequence[tuple[int, int]], fraction: float) -> int | None:
    """The nearest-rank percentile of (hours, count) pairs; None when empty."""
    total = sum(n for _h, n in histogram)
    if total == 0:
        return None
    rank, seen = max(1, math.ceil(fraction * total)), 0
    for hours, n in sorted(histogram):
        seen += n
        if seen >= rank:
            return hours
    return None  # pragma: no cover - the loop always reaches the rank


def durations_of(rows: Sequence[HoursCount], minimum: int) -> list[Durations]:
    severities = sorted({r.severity for r in rows})
    groups = {"all": [(r.hours, r.count) for r in rows]}
    groups.update({s: [(r.hours, r.count) for r in rows if r.severity == s]
                   for s in severities})
    counts = {name: sum(n for _h, n in pairs) for name, pairs in groups.items()}
    hidden = hidden_cells(counts, [["all", *severities]], minimum)
    return [Durations(name, None, None, None) if name in hidden else
            Durations(name, counts[name], percentile(pairs, 0.5), percentile(pairs, 0.9))
            for name, pairs in groups.items()]


def nis2_table(counts: Counter[tuple[str, str]], minimum: int) -> dict[str, dict[str, Cell]]:
    """Each milestone's reports: submitted on time, submitted late, overdue, not due yet."""
    result: dict[str, dict[str, Cell]] = {}
    for milestone in Milestone:
        cells = {s: counts[(milestone.value, s)] for s in NIS2_STATES}
        cells["total"] = sum(cells.values())
        hidden = hidden_cells(cells, [["total", *NIS2_STATES]], minimum)
        result[milestone.value] = {s: None if s in hidden else n for s, n in cells.items()}
    return result


@dataclass(frozen=True)
class Nis2Facts:
    """The period's NIS2 reports counted by (milestone, state), and the overdue ones."""

    counts: Counter[tuple[str, str]]
    overdue: list[tuple[uuid.UUID, Deadline]]


_MILESTONES = tuple(m.value for m in Milestone)  # the order of `due_times`
_NOTIFIED = Milestone.NOTIFICATION.value


def nis2_facts(rows: Iterable[Nis2Row], now: datetime) -> Nis2Facts:
    """`core.incidents.deadlines` of every incident, counted in one pass without building
    a Deadline per report (at 300,000 incidents that took most of the dashboard's time);
    tests/analytics hold it to `Incident.deadlines()` as the oracle."""
    by_incident: dict[object, tuple[datetime, dict[str, datetime]]] = {}
    for row in rows:
        _aware, subs = by_incident.setdefault(row.incident_id, (row.aware_at, {}))
        if row.milestone is not None and row.submitted_at is not None:
            subs[row.milestone] = row.submitted_at
    counts: Counter[tuple[str, str]] = Counter()
    late: list[tuple[object, str, datetime]] = []
    for incident_id, (aware, subs) in by_incident.items():
        for milestone, due in zip(_MILESTONES, due_times(aware, subs.get(_NOTIFIED)),
                                  strict=True):
            at = subs.get(milestone)
            if at is not None:
                counts[(milestone, "on-time" if at <= due else "late")] += 1
            elif now > due:
                counts[(milestone, "overdue")] += 1
                late.append((incident_id, milestone, due))
            else:
                counts[(milestone, "pending")] += 1
    overdue = [(i if isinstance(i, uuid.UUID) else uuid.UUID(str(i)),
                Deadline(Milestone(m), due, None)) for i, m, due in late]
    return Nis2Facts(counts, overdue)


@dataclass(frozen=True)
class Source:
    """What every aggregate reads: the viewer's filtered incidents, and the minimum cell.
    `reach`: count days from there (a midnight before the period) for the trend tests too;
    `given`: daily counts already read for this viewer, used when they cover the period."""

    repo: AnalyticsRepo
    viewer: Viewer | None
    filters: Filters
    minimum: int
    now: datetime
    reach: datetime | None = None
    given: Days | None = None

    @property
    def q(self) -> IncidentQuery:
        return self.filters.query()

    @cached_property
    def days(self) -> Days:
        f = self.filters
        if self.given is not None and self.given.covers(f):
            return self.given
        start = f.start
        if self.reach is not None and self.reach < f.start and midnight(self.reach) \
                and midnight(f.start):
            start = self.reach
        daily = self.repo.daily(self.viewer, f.query(created_from=start))
        return Days(start, f.end, f.countries, f.sectors, f.exercise, daily)

    @cached_property
    def period(self) -> tuple[dict[str | None, list[DayCount]],
                              list[tuple[str | None, str | None, int]]]:
        """The daily counts cut to the period (for the tables and the heat map)."""
        return self.days.within(self.filters)

    @cached_property
    def nis2(self) -> Nis2Facts:
        """The visible incidents' NIS2 deadlines (`core.incidents.deadlines`, as the NIS2
        page has them), counted once for the NIS2 table and the overdue list."""
        return nis2_facts(self.repo.nis2(self.viewer, self.q), self.now)


def source(uow: UnitOfWork, actor: Principal, filters: Filters, minimum: int, *,
           reach: datetime | None = None, given: Days | None = None) -> Source:
    """The one entry: checks the actor may read incidents and takes its `Viewer`. `given`
    must have been read for the same actor (it is, by `Source.days` of this request)."""
    require(actor, Action.INCIDENT_READ)
    return Source(AnalyticsRepo(uow.session), viewer_for(uow, actor), filters, minimum,
                  uow.clock.now(), reach, given)


def counts(src: Source) -> dict[str, dict[str, Table]]:
    """grain -> dimension ("all" too) -> table."""
    days, _heat = src.period
    f = src.filters
    return {grain: tables_for(days, grain, buckets(f.start, f.end, grain), src.minimum,
                              f.countries) for grain in GRAINS}


def durations(src: Source) -> dict[str, list[Durations]]:
    found = src.repo.hours(src.viewer, src.q)
    return {m: durations_of(found[m], src.minimum) for m in MEASURES}


def nis2(src: Source) -> dict[str, dict[str, Cell]]:
    return nis2_table(src.nis2.counts, src.minimum)


def overdue(src: Source) -> list[tuple[uuid.UUID, Deadline]]:
    """The NIS2 reports overdue now of the period's incidents, the longest overdue first
    (the dashboard names them: the viewer may list these incidents anyway)."""
    return sorted(src.nis2.overdue, key=lambda pair: (pair[1].due, str(pair[0])))


def heatmap(src: Source) -> HeatMap:
    _days, rows = src.period
    return heatmap_of(rows, src.minimum, src.filters.countries)


def shared(src: Source, limit: int = 20) -> list[SharedValue]:
    """The values carried by most visible items (at least two, and at least the minimum)."""
    return src.repo.shared_values(src.viewer, src.filters.start, src.filters.end,
                                  min_items=max(2, src.minimum), limit=limit)


def compute(uow: UnitOfWork, actor: Principal, filters: Filters, minimum: int) -> Aggregates:
    """Every aggregate over what `actor` may see (the sharing rule applies to counts)."""
    return aggregate(source(uow, actor, filters, minimum))


def aggregate(src: Source) -> Aggregates:
    """Every aggregate of `src` (which keeps what it read for the overdue list and tests)."""
    return Aggregates(src.filters, src.minimum, counts(src), durations(src), nis2(src),
                      heatmap(src), shared(src))


__all__ = ["Aggregates", "Cell", "Days", "Durations", "Filters", "HeatMap", "Source",
           "Table", "aggregate", "bucket", "buckets", "compute", "counts", "durations",
           "heatmap", "midnight", "nis2", "overdue", "percentile", "shared", "shown", "source"]
