"""Random worlds on SQLite and PostgreSQL: every aggregate a viewer gets equals the same
aggregate worked out here, in Python, over the incidents that viewer can list through the
incident service; that list is exactly what the pure sharing rule allows, exercise
incidents never among them; and with a minimum cell size no shown count is small and no
hidden one can be had back by subtraction within its table.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcsc.analytics import aggregates as ag
from rcsc.analytics import trends
from rcsc.analytics.suppress import exposed_lines
from rcsc.core.clock import FrozenClock
from rcsc.core.identity import Principal
from rcsc.core.incidents import Incident, Status
from rcsc.incidents import service
from rcsc.sharing import visible
from rcsc.storage import Database, UnitOfWork
from rcsc.storage.repos.incidents import Page
from tests.analytics.world import COUNTRIES, DAYS, START, Built, WorldSpec, build, worlds

MINIMUM = 3


def _key(incident: Incident, dimension: str) -> list[str]:
    if dimension == "country":
        return sorted(incident.countries) or [ag.UNKNOWN]
    value = getattr(incident, dimension)
    return [str(value.value if hasattr(value, "value") else value or ag.UNKNOWN)]


def _expected_cells(listed: list[Incident], grain: str, dimension: str,
                    countries: frozenset[str]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for incident in listed:
        label = ag.bucket(incident.created_at.date(), grain)
        keys = ["all"] if dimension == "all" else _key(incident, dimension)
        for key in keys:
            if dimension == "country" and countries and key not in countries:
                continue
            counts[(label, key)] += 1
    return counts


def _hours(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 3600))


def _stats(values: list[int]) -> tuple[int, int | None, int | None]:
    ordered = sorted(values)
    if not ordered:
        return 0, None, None
    rank = [ordered[max(1, math.ceil(p * len(ordered))) - 1] for p in (0.5, 0.9)]
    return len(ordered), rank[0], rank[1]


def _closed_at(uow: UnitOfWork, incident: Incident) -> datetime:
    return max(e.at for e in uow.incidents.timeline(incident.id)
               if e.to_status is Status.CLOSED)


def _check_durations(uow: UnitOfWork, listed: list[Incident], got: ag.Aggregates) -> None:
    contain = [(i.severity.value, _hours(i.times.aware_at or i.times.detected_at
                                         or i.created_at, i.times.contained_at))
               for i in listed if i.times.contained_at]
    close = [(i.severity.value, _hours(i.created_at, _closed_at(uow, i)))
             for i in listed if i.status is Status.CLOSED]
    for measure, pairs in (("contain", contain), ("close", close)):
        rows = {d.severity: d for d in got.durations[measure]}
        groups = {"all": [h for _s, h in pairs]}
        groups.update({s: [h for sev, h in pairs if sev == s] for s, _h in pairs})
        assert set(rows) == set(groups)
        for name, values in groups.items():
            d = rows[name]
            assert (d.count, d.median_hours, d.p90_hours) == _stats(values), (measure, name)


def _check_nis2(listed: list[Incident], now: datetime, got: ag.Aggregates) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for incident in listed:
        for d in incident.deadlines():
            if d.submitted:
                state = "on-time" if d.submitted.at <= d.due else "late"
            else:
                state = "overdue" if now > d.due else "pending"
            counts[(d.milestone.value, state)] += 1
    for milestone, states in got.nis2.items():
        for state in ag.NIS2_STATES:
            assert states[state] == counts[(milestone, state)], (milestone, state)


def check_exact(uow: UnitOfWork, built: Built, who: int, filters: ag.Filters) -> None:
    actor, viewer = built.people[who], built.viewers[who]
    listed = service.search(uow, actor, filters.query(), Page(limit=500))
    allowed = {i for i, m in built.markings.items() if visible(viewer, m)
               and not built.specs[i].exercise}
    in_filters = {i.id for i in listed}
    assert in_filters <= allowed  # the list: the rule's, and never an exercise incident
    if filters.countries == filters.sectors == frozenset():
        def in_period(i: uuid.UUID) -> bool:
            spec = built.specs[i]
            return filters.start <= START + timedelta(days=spec.day, hours=spec.hour) \
                < filters.end

        assert in_filters == {i for i in allowed if in_period(i)}
        drills = {i for i, m in built.markings.items() if visible(viewer, m)
                  and built.specs[i].exercise and in_period(i)}
        asked = ag.Filters(filters.start, filters.end, exercise=True)
        counted = ag.counts(ag.source(uow, actor, asked, 1))["month"]["all"].total
        assert counted == len(drills)  # exercise incidents count only when asked for
    got = ag.compute(uow, actor, filters, minimum=1)
    for grain, tables in got.tables.items():
        for dimension, table in tables.items():
            expected = _expected_cells(listed, grain, dimension, filters.countries)
            shown = {k: n for k, n in table.cells.items() if n}
            assert shown == dict(expected), (grain, dimension)
            assert table.total == len(listed)
    heat: Counter[tuple[str, str]] = Counter(
        (c, i.sector or ag.UNKNOWN) for i in listed for c in _key(i, "country")
        if not filters.countries or c in filters.countries)
    assert {k: n for k, n in got.heatmap.cells.items() if n} == dict(heat)
    _check_durations(uow, listed, got)
    _check_nis2(listed, uow.clock.now(), got)
    late = sorted((d.due, str(i.id), d.milestone) for i in listed for d in i.deadlines()
                   if d.overdue(uow.clock.now()))
    found = ag.overdue(ag.source(uow, actor, filters, 1))
    assert [(d.due, str(i), d.milestone) for i, d in found] == late
    check_shared_reads(uow, actor, filters, got)


def check_shared_reads(uow: UnitOfWork, actor: Principal, filters: ag.Filters,
                       got: ag.Aggregates) -> None:
    """The dashboard's and the report's one read of daily counts, reaching further back
    than the period or serving a period inside it, and the trend tests fed from it, give
    exactly what separate reads give."""
    wider = ag.source(uow, actor, filters, 1, reach=filters.start - timedelta(weeks=2))
    assert ag.aggregate(wider) == got
    assert wider.days.start == filters.start - timedelta(weeks=2)  # the reach was taken
    inner = ag.Filters(filters.start + timedelta(days=7), filters.end - timedelta(days=7),
                       filters.countries, filters.sectors)
    reused = ag.source(uow, actor, inner, 1, given=wider.days)
    assert ag.aggregate(reused) == ag.compute(uow, actor, inner, 1)
    assert reused.days is wider.days  # counted from the given read, not read again
    as_of = filters.end
    spanning = ag.source(uow, actor, filters, 1, reach=trends.windows(as_of)[0])
    kept = trends.trends(uow, actor, as_of, 1, countries=filters.countries,
                         sectors=filters.sectors, days=spanning.days)
    assert kept == trends.trends(uow, actor, as_of, 1, countries=filters.countries,
                                 sectors=filters.sectors)


def _lines(table: ag.Table) -> tuple[dict[object, int | None], list[list[object]]]:
    cells: dict[object, int | None] = {("c", b, k): table.cells[(b, k)] for b, k in table.cells}
    cells.update({("b", b): n for b, n in table.bucket_totals.items()})
    cells.update({("k", k): n for k, n in table.key_totals.items()})
    cells["grand"] = table.total
    lines = [[("b", b)] + [("c", b, k) for k in table.keys if table.cells[(b, k)] != 0]
             for b in table.buckets]
    lines += [[("k", k)] + [("c", b, k) for b in table.buckets if table.cells[(b, k)] != 0]
              for k in table.keys]
    lines.append(["grand", *(("b", b) for b in table.buckets)])
    lines.append(["grand", *(("k", k) for k in table.keys)])
    return cells, lines


def check_suppressed(uow: UnitOfWork, built: Built, who: int, filters: ag.Filters) -> None:
    actor = built.people[who]
    exact = ag.compute(uow, actor, filters, minimum=1)
    got = ag.compute(uow, actor, filters, minimum=MINIMUM)
    for grain, tables in got.tables.items():
        for dimension, table in tables.items():
            cells, lines = _lines(table)
            exact_cells, _ = _lines(exact.tables[grain][dimension])
            for key, n in cells.items():
                assert n is None or n == 0 or n >= MINIMUM, (grain, dimension, key, n)
                assert n is None or n == exact_cells[key]
                if n is None:
                    assert exact_cells[key]  # a zero is never hidden
            assert exposed_lines(cells, lines) == [], (grain, dimension)
    heat = got.heatmap
    cells = {("c", *k): n for k, n in heat.cells.items()}
    cells.update({("r", k): n for k, n in heat.country_totals.items()})
    cells.update({("s", k): n for k, n in heat.sector_totals.items()})
    assert all(n is None or n == 0 or n >= MINIMUM for n in cells.values())
    lines = [[("r", c), *(("c", c, s) for s in heat.sectors if heat.cells[(c, s)] != 0)]
             for c in heat.countries]
    lines += [[("s", s), *(("c", c, s) for c in heat.countries if heat.cells[(c, s)] != 0)]
              for s in heat.sectors]
    assert exposed_lines(cells, lines) == []
    for measure, rows in got.durations.items():
        for d in rows:
            assert d.count is None or d.count >= MINIMUM or d.count == 0, (measure, d)
    for states in got.nis2.values():
        assert all(n is None or n == 0 or n >= MINIMUM for n in states.values())
        assert sum(1 for n in states.values() if n is None) != 1


class _Rollback(Exception):
    """Raised at the end of each example so that its transaction writes nothing."""


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds(), cut=st.integers(0, DAYS // 2),
       countries=st.frozensets(st.sampled_from(COUNTRIES), max_size=1),
       sectors=st.frozensets(st.sampled_from(("energy", "health")), max_size=1))
def test_a_viewers_aggregates_are_those_of_the_incidents_it_can_list(
    db: Database, clock: FrozenClock, world: WorldSpec, cut: int,
    countries: frozenset[str], sectors: frozenset[str],
) -> None:
    everything = ag.Filters(START - timedelta(days=1), START + timedelta(days=DAYS + 1))
    part = ag.Filters(START + timedelta(days=cut), START + timedelta(days=DAYS - 3),
                      countries, sectors)
    with pytest.raises(_Rollback), db.transaction() as uow:
        built = build(uow, clock, world)
        for who in range(len(built.people)):
            for filters in (everything, part):
                check_exact(uow, built, who, filters)
                check_suppressed(uow, built, who, filters)
        raise _Rollback
