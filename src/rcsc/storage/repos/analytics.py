"""Aggregates over incidents and the correlation index, in SQL, through the sharing rule.

Every query starts from the incident list's own filter (`IncidentRepo._filtered`: the
sharing rule of `sharing_sql.incident_visible` plus the list's filters, exercise incidents
left out unless asked for), so a count can never include an incident the viewer could not
list. Dates are grouped by day in SQL (one expression per dialect) and into weeks and
months in Python: a year is at most 366 groups per value, whatever the number of incidents.

`daily` answers every count table and the heat map in one statement: the filtered incidents
are computed once (a materialised CTE: the sharing rule's EXISTS subqueries run once per
incident, not once per table) and grouped five ways over that small set (measured in
docs/analytics.md: about five times less work than one filtered scan per table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from typing import cast as cast_

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Subquery,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from rcsc.core.tlp import Tlp
from rcsc.sharing import Viewer
from rcsc.storage.repos.incidents import IncidentQuery, IncidentRepo
from rcsc.storage.repos.stix_search import newest_visible
from rcsc.storage.sharing_sql import stix_visible
from rcsc.storage.tables import (
    IncidentCountryRow,
    IncidentMilestoneRow,
    IncidentRow,
    IntelPostingRow,
    OrganisationRow,
    StixObjectRow,
    TimelineRow,
)

DIMENSIONS = ("country", "sector", "rsit_class", "severity", "status")
MEASURES = ("contain", "close")
P = IntelPostingRow
Obj = StixObjectRow


@dataclass(frozen=True)
class DayCount:
    day: date
    key: str | None  # the dimension's value (None: not set, or the total when no dimension)
    count: int


@dataclass(frozen=True)
class HeatDay:
    """Incidents of one day per (country, sector): several countries count once in each."""

    day: date
    country: str | None
    sector: str | None
    count: int


@dataclass(frozen=True)
class Daily:
    """Per day: the total (`None`), each dimension but country (`by`), and the heat map
    rows (from which the country table is summed: they are the same incidents)."""

    by: dict[str | None, list[DayCount]]
    heat: list[HeatDay]


@dataclass(frozen=True)
class HoursCount:
    """How many incidents of a severity took `hours` (whole hours) to be contained/closed."""

    severity: str
    hours: int
    count: int


class Nis2Row(Protocol):
    """An incident's id (as text: no UUID built per row), its time of becoming aware, and
    one submitted report (or none)."""

    incident_id: str
    aware_at: datetime
    milestone: str | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class SharedValue:
    """A value carried by several visible items (an incident's objects count once)."""

    kind: str
    value: str
    items: int
    countries: tuple[str, ...]  # of the organisations that reported the items
    tlp: Tlp  # the least strict level of the visible objects carrying it: the value's own


def _day(session: Session, column: Any) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC


def _hours(session: Session, start: Any, end: Any) -> ColumnElement[int]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", end - start) / 3600), Integer)
    # whole seconds, then integer division: julianday()'s floating point would make an
    # exact 24 hours 23.99999 and so 23
    seconds = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    return seconds // 3600


_TLP_RANK = {level.value: level.rank for level in Tlp}


class AnalyticsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _incidents(self, viewer: Viewer | None, q: IncidentQuery) -> Subquery:
        """Exactly the incidents the list would show this viewer for `q`."""
        listed = IncidentRepo(self.s)._filtered(viewer, q)  # noqa: SLF001 - the one filter
        return listed.with_only_columns(
            IncidentRow.id, IncidentRow.created_at, IncidentRow.sector, IncidentRow.rsit_class,
            IncidentRow.severity, IncidentRow.status, IncidentRow.aware_at,
            IncidentRow.detected_at, IncidentRow.contained_at).subquery()

    def daily(self, viewer: Viewer | None, q: IncidentQuery) -> Daily:
        """Every daily count table and the heat map's daily rows, from one pass over the
        filtered incidents (see the module)."""
        listed = IncidentRepo(self.s)._filtered(viewer, q)  # noqa: SLF001 - the one filter
        cte = listed.with_only_columns(
            IncidentRow.id, _day(self.s, IncidentRow.created_at).label("day"),
            IncidentRow.sector, IncidentRow.rsit_class, IncidentRow.severity,
            IncidentRow.status).cte("listed").prefix_with("MATERIALIZED")
        none = literal(None, String)
        parts = [select(literal(name), cte.c.day, cte.c[name], none, func.count())
                 .group_by(cte.c.day, cte.c[name])
                 for name in ("sector", "rsit_class", "severity", "status")]
        country = IncidentCountryRow.country
        parts.append(select(literal("heat"), cte.c.day, country, cte.c.sector, func.count())
                     .select_from(cte.outerjoin(IncidentCountryRow,
                                                IncidentCountryRow.incident_id == cte.c.id))
                     .group_by(cte.c.day, country, cte.c.sector))
        by: dict[str | None, list[DayCount]] = {}
        heat: list[HeatDay] = []
        totals: dict[date, int] = {}
        for name, text, key, sector, n in self.s.execute(union_all(*parts)):
            day = date.fromisoformat(text)
            if name == "heat":
                heat.append(HeatDay(day, key, sector, int(n)))
                continue
            by.setdefault(name, []).append(DayCount(day, key, int(n)))
            if name == "status":  # every incident has exactly one status
                totals[day] = totals.get(day, 0) + int(n)
        by[None] = [DayCount(day, None, n) for day, n in sorted(totals.items())]
        for name in ("sector", "rsit_class", "severity", "status"):
            by.setdefault(name, [])
        return Daily(by, heat)

    def hours(self, viewer: Viewer | None, q: IncidentQuery) -> dict[str, list[HoursCount]]:
        """How long incidents took, in whole hours, by severity (both measures from one
        pass over the filtered incidents, as `daily`): `contain` from becoming aware (else
        detection, else filing) to containment; `close` from filing to the last move to
        `closed` of the incidents closed now."""
        listed = IncidentRepo(self.s)._filtered(viewer, q)  # noqa: SLF001 - the one filter
        cte = listed.with_only_columns(
            IncidentRow.id, IncidentRow.created_at, IncidentRow.severity, IncidentRow.status,
            IncidentRow.aware_at, IncidentRow.detected_at,
            IncidentRow.contained_at).cte("listed").prefix_with("MATERIALIZED")
        start = func.coalesce(cte.c.aware_at, cte.c.detected_at, cte.c.created_at)
        contain = _hours(self.s, start, cte.c.contained_at)
        # correlated, per closed incident of the period (timeline's incident_id index),
        # rather than grouping the whole timeline first
        closed_at = (select(func.max(TimelineRow.at))
                     .where(TimelineRow.incident_id == cte.c.id,
                            TimelineRow.to_status == "closed")
                     .scalar_subquery())
        close = _hours(self.s, cte.c.created_at, closed_at)
        both = union_all(
            select(literal("contain"), cte.c.severity, contain, func.count())
            .where(cte.c.contained_at.is_not(None)).group_by(cte.c.severity, contain),
            select(literal("close"), cte.c.severity, close, func.count())
            .where(cte.c.status == "closed", closed_at.is_not(None))
            .group_by(cte.c.severity, close))
        result: dict[str, list[HoursCount]] = {m: [] for m in MEASURES}
        for measure, severity, h, n in self.s.execute(both):
            result[measure].append(HoursCount(severity, max(0, int(h)), int(n)))
        return result

    def nis2(self, viewer: Viewer | None, q: IncidentQuery) -> Sequence[Nis2Row]:
        """The visible incidents with a time of becoming aware and their submitted reports
        (one row per submission, or one with none)."""
        sub = self._incidents(viewer, q)
        m = IncidentMilestoneRow
        rows = self.s.execute(
            select(cast(sub.c.id, String).label("incident_id"), sub.c.aware_at,
                   m.milestone, m.submitted_at)
            .select_from(sub.outerjoin(m, m.incident_id == sub.c.id))
            .where(sub.c.aware_at.is_not(None))).all()
        return cast_(Sequence[Nis2Row], rows)

    # --- the correlation index ------------------------------------------------------------

    def shared_values(self, viewer: Viewer | None, since: datetime, until: datetime, *,
                      min_items: int = 2, min_countries: int = 1,
                      limit: int = 20) -> list[SharedValue]:
        """Values carried by at least `min_items` visible items reported by organisations of
        at least `min_countries` countries, among objects whose version (STIX `modified`:
        for an incident's objects, its last change) falls in [since, until); most items
        first. Only the newest visible version of each object counts."""
        item = func.coalesce(Obj.source_key, Obj.stix_id)
        country = OrganisationRow.country
        rank = func.min(case(*((Obj.tlp == v, r) for v, r in _TLP_RANK.items()), else_=0))
        where = (stix_visible(viewer), newest_visible(viewer), Obj.version >= since,
                 Obj.version < until)
        items = func.count(distinct(item))
        rows = self.s.execute(
            select(P.kind, P.value, items, func.count(distinct(country)), rank)
            .join(Obj, Obj.pk == P.object_pk)
            .join(OrganisationRow, OrganisationRow.id == Obj.owner_org_id)
            .where(*where).group_by(P.kind, P.value)
            .having(items >= min_items, func.count(distinct(country)) >= min_countries)
            .order_by(items.desc(), P.kind, P.value).limit(limit)).all()
        if not rows:
            return []
        countries: dict[tuple[str, str], set[str]] = {}
        for kind, value, code in self.s.execute(
                select(P.kind, P.value, country).distinct()
                .join(Obj, Obj.pk == P.object_pk)
                .join(OrganisationRow, OrganisationRow.id == Obj.owner_org_id)
                .where(*where, tuple_(P.kind, P.value).in_([(r[0], r[1]) for r in rows]))):
            countries.setdefault((kind, value), set()).add(code)
        levels = list(Tlp)
        return [SharedValue(k, v, int(n), tuple(sorted(countries.get((k, v), ()))),
                            levels[int(r)]) for k, v, n, _c, r in rows]

    def value_levels(self, viewer: Viewer | None,
                     values: list[tuple[str, str]]) -> dict[tuple[str, str], Tlp]:
        """For each (kind, value) some object the viewer may see carries, the least strict
        level of those objects: the level at which the value itself may be passed on."""
        if not values:
            return {}
        rank = func.min(case(*((Obj.tlp == v, r) for v, r in _TLP_RANK.items()), else_=0))
        rows = self.s.execute(
            select(P.kind, P.value, rank).join(Obj, Obj.pk == P.object_pk)
            .where(stix_visible(viewer), newest_visible(viewer),
                   tuple_(P.kind, P.value).in_(values))
            .group_by(P.kind, P.value))
        levels = list(Tlp)
        return {(k, v): levels[int(r)] for k, v, r in rows}
