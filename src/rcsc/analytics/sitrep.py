"""The weekly situation report: what a ministry reads in five minutes.

Who it is for (its *audience*) is an organisation: by default the requester's own. Its
numbers are the requester's aggregates (suppressed: no count identifies an incident, so
they are passed on as TLP:GREEN statistics); anything that names something — an incident's
title, a shared value, an exercise — is printed only if the audience organisation may see
it under the sharing rule (as an organisation: RED, addressed to people, never qualifies)
and its level is at most the report's ceiling. The report's own level is the highest of
what it prints, at least GREEN, and shows in its header and footer.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from rcsc.analytics import aggregates as ag
from rcsc.analytics.trends import TrendReport, trends, windows
from rcsc.core.alerts import Cluster
from rcsc.core.identity import Principal
from rcsc.core.incidents import Incident, Severity
from rcsc.core.permissions import Action, require
from rcsc.core.tlp import Tlp
from rcsc.errors import PermissionDenied, ValidationFailed
from rcsc.exercises import service as exercises
from rcsc.incidents import service
from rcsc.intel.clusters import recent_clusters
from rcsc.sharing import Marking, Viewer, visible
from rcsc.sharing.rule import NOBODY
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.analytics import AnalyticsRepo
from rcsc.storage.repos.incidents import Page

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
BASELINE_WEEKS = 12
NOTABLE = (Severity.CRITICAL, Severity.HIGH)
NUMBERS_TLP = Tlp.GREEN  # suppressed statistics: for the node's community


@dataclass(frozen=True)
class Headline:
    name: str  # "incidents", "significant" (high and critical), or a country code
    week: ag.Cell
    baseline_mean: float | None  # incidents a week in the twelve weeks before
    change: float | None  # relative change, 0.25 = +25 %


@dataclass(frozen=True)
class Notable:
    incident_id: uuid.UUID
    title: str
    tlp: Tlp
    severity: str
    rsit_class: str
    countries: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class SharedCluster:
    value: str
    kind: str
    countries: tuple[str, ...]
    items: ag.Cell  # suppressed below the minimum cell
    tlp: Tlp


@dataclass(frozen=True)
class Upcoming:
    name: str
    type: str
    starts_on: date
    ends_on: date
    tlp: Tlp


@dataclass(frozen=True)
class Sitrep:
    week: str
    start: datetime
    end: datetime
    audience_org_id: uuid.UUID
    ceiling: Tlp
    tlp: Tlp
    headlines: list[Headline]
    countries: list[Headline]
    span: ag.Aggregates  # the week and the twelve before it
    week_aggregates: ag.Aggregates
    trends: TrendReport
    notable: list[Notable]
    clusters: list[SharedCluster]
    exercises: list[Upcoming] | None  # None: exercises are not readable by the requester
    generated_at: datetime


def parse_week(text: str) -> tuple[datetime, datetime]:
    """`2026-W48` → its Monday 00:00 UTC and the next Monday's."""
    found = WEEK.match(text.strip())
    if found is None:
        raise ValidationFailed.field("week", f"{text!r} is not an ISO week such as 2026-W48")
    try:
        monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        raise ValidationFailed.field("week", f"{text!r} is no week of that year") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return start, start + timedelta(weeks=1)


def last_full_week(now: datetime) -> str:
    """The ISO week before the one `now` falls in (the week a report is written about)."""
    return ag.bucket((now - timedelta(weeks=1)).date(), "week")


def _change(week: ag.Cell, rest: ag.Cell) -> tuple[float | None, float | None]:
    if week is None or rest is None:
        return None, None
    mean = rest / BASELINE_WEEKS
    return mean, ((week - mean) / mean if mean else None)


def _headlines(agg: ag.Aggregates, label: str) -> tuple[list[Headline], list[Headline]]:
    """From the thirteen weeks' published (suppressed) numbers only: this week's, and the
    other twelve as their total minus this week's."""
    tables = agg.tables["week"]
    total = tables["all"]
    week = total.bucket_totals.get(label)
    rest = total.total - week if total.total is not None and week is not None else None
    heads = [Headline("incidents", week, *_change(week, rest))]
    sev = tables["severity"]
    parts = [sev.cell(label, s.value) for s in NOTABLE]
    totals = [sev.key_totals.get(s.value, 0) for s in NOTABLE]
    if None in parts or None in totals:
        heads.append(Headline("significant", None, None, None))
    else:
        now = sum(p or 0 for p in parts)
        heads.append(Headline("significant", now,
                              *_change(now, sum(t or 0 for t in totals) - now)))
    by_country = tables["country"]
    countries = []
    for code in by_country.keys:
        cell, whole = by_country.cell(label, code), by_country.key_totals.get(code)
        other = whole - cell if whole is not None and cell is not None else None
        countries.append(Headline(code, cell, *_change(cell, other)))
    countries.sort(key=lambda h: -(h.week or 0))
    return heads, countries


def _marking(i: Incident) -> Marking:
    return Marking(i.tlp, i.owner_org_id, i.author_id, i.recipients.org_ids,
                   i.recipients.community_ids, i.recipients.user_ids)


def _notable(uow: UnitOfWork, actor: Principal, audience: Viewer, ceiling: Tlp,
             start: datetime, end: datetime) -> list[Notable]:
    q = ag.Filters(start, end).query(severity=frozenset(NOTABLE))
    found = service.search(uow, actor, q, Page(limit=200))
    shown = [i for i in found if i.tlp.rank <= ceiling.rank and visible(audience, _marking(i))]
    shown.sort(key=lambda i: (i.severity is not Severity.CRITICAL, i.created_at))
    service.note_shown(uow, actor, shown[:10], "analytics.sitrep")
    return [Notable(i.id, i.title, i.tlp, i.severity.value, i.rsit_class,
                    tuple(sorted(i.countries)), i.created_at) for i in shown[:10]]


def _clusters(uow: UnitOfWork, actor: Principal, audience: Viewer, ceiling: Tlp,
              start: datetime, minimum: int) -> list[SharedCluster]:
    """The correlation feature's cross-border clusters active since the week began, each
    value only if the audience may see some object carrying it, at most at the ceiling."""
    days = max(1, min(365, (uow.clock.now() - start).days + 1))
    found: list[Cluster] = [c for c in recent_clusters(uow, actor, window_days=days, limit=50)
                            if c.last_seen >= start]
    levels = AnalyticsRepo(uow.session).value_levels(
        audience, [(c.value.kind.value, c.value.value) for c in found])
    result = []
    for c in found:
        level = levels.get((c.value.kind.value, c.value.value))
        if level is not None and level.rank <= ceiling.rank:
            result.append(SharedCluster(c.value.value, c.value.kind.value, c.countries,
                                        ag.shown(c.items, minimum), level))
    return result[:12]


def _exercises(uow: UnitOfWork, actor: Principal, audience: Viewer, ceiling: Tlp,
               end: datetime) -> list[Upcoming] | None:
    try:
        listed = exercises.list_visible(uow, actor)
    except PermissionDenied:
        return None
    soon = end.date() + timedelta(weeks=8)
    return sorted((Upcoming(e.name, e.type.value, e.starts_on, e.ends_on, e.tlp)
                   for e in listed if e.ends_on >= end.date() and e.starts_on <= soon
                   and e.tlp.rank <= ceiling.rank
                   and visible(audience, exercises.marking(e))),
                  key=lambda u: u.starts_on)


def build(uow: UnitOfWork, actor: Principal, week: str, minimum: int, *,
          ceiling: Tlp = Tlp.AMBER) -> Sitrep:
    require(actor, Action.INCIDENT_READ)
    if actor.org_id is None:
        raise PermissionDenied("a situation report is written for an organisation")
    start, end = parse_week(week)
    label = ag.bucket(start.date(), "week")
    audience = uow.incidents.viewer(NOBODY, actor.org_id)
    # one read of the daily counts (the tests' sixteen weeks) serves the thirteen weeks,
    # the week itself and the trend tests
    span = ag.source(uow, actor, ag.Filters(start - timedelta(weeks=BASELINE_WEEKS), end),
                     minimum, reach=windows(end)[0])
    around = ag.aggregate(span)
    heads, countries = _headlines(around, label)
    this_week = ag.aggregate(ag.source(uow, actor, ag.Filters(start, end), minimum,
                                       given=span.days))
    notable = _notable(uow, actor, audience, ceiling, start, end)
    clusters = _clusters(uow, actor, audience, ceiling, start, minimum)
    upcoming = _exercises(uow, actor, audience, ceiling, end)
    printed = [NUMBERS_TLP, *(n.tlp for n in notable), *(c.tlp for c in clusters),
               *(u.tlp for u in upcoming or [])]
    return Sitrep(week=label, start=start, end=end, audience_org_id=actor.org_id,
                  ceiling=ceiling, tlp=max(printed, key=lambda t: t.rank), headlines=heads,
                  countries=countries, span=around, week_aggregates=this_week,
                  trends=trends(uow, actor, end, minimum, days=span.days),
                  notable=notable,
                  clusters=clusters, exercises=upcoming, generated_at=uow.clock.now())
