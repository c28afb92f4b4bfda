"""Incidents, their recipients, countries, NIS2 submissions, timeline and observables.

Every read takes a `Viewer` and filters in SQL with the sharing rule; there is no unfiltered
read for callers outside this module except `get_unfiltered` (used to tell a 404 from a
stale write *after* visibility was checked).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from rcsc.core.incidents import (
    Impact,
    Incident,
    Milestone,
    Observable,
    ObservableRole,
    Recipients,
    Severity,
    Status,
    Submission,
    TimelineEntry,
    TimelineKind,
    Times,
)
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.sharing import Viewer
from rcsc.storage.sharing_sql import incident_visible, observable_visible
from rcsc.storage.tables import (
    CommunityMemberRow,
    CommunityRow,
    IncidentCountryRow,
    IncidentMilestoneRow,
    IncidentRecipientRow,
    IncidentRow,
    ObservableRow,
    TimelineRow,
)

SORTS = {"created": IncidentRow.created_at, "updated": IncidentRow.updated_at}


@dataclass(frozen=True)
class IncidentQuery:
    status: frozenset[Status] = frozenset()
    rsit_class: frozenset[str] = frozenset()
    severity: frozenset[Severity] = frozenset()
    tlp: frozenset[Tlp] = frozenset()
    country: frozenset[str] = frozenset()
    sector: frozenset[str] = frozenset()
    owner_org_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None
    exercise: bool | None = False  # False: real incidents only; True: exercise only; None: both
    aware_known: bool = False  # only incidents with a time of becoming aware (NIS2 clocks)


@dataclass(frozen=True)
class Page:
    sort: str = "created"  # a key of SORTS
    descending: bool = True
    after: tuple[datetime, uuid.UUID] | None = None  # the last row of the previous page
    limit: int = 50


def _fields(i: Incident) -> dict[str, Any]:
    return dict(
        title=i.title, summary=i.summary, rsit_class=i.rsit_class, rsit_type=i.rsit_type,
        severity=i.severity.value, status=i.status.value, tlp=i.tlp.value,
        owner_org_id=i.owner_org_id, author_id=i.author_id, sector=i.sector,
        subsector=i.subsector, affected_systems=i.impact.affected_systems,
        affected_users=i.impact.affected_users, cross_border=i.impact.cross_border,
        critical_infrastructure=i.impact.critical_infrastructure,
        started_at=i.times.started_at, detected_at=i.times.detected_at,
        aware_at=i.times.aware_at, contained_at=i.times.contained_at,
        ended_at=i.times.ended_at, attack_techniques=list(i.attack_techniques),
        cves=list(i.cves), threat_actors=list(i.threat_actors), malware=list(i.malware),
        exercise_id=i.exercise_id, version=i.version, updated_at=i.updated_at,
    )


class IncidentRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    # --- viewers ---------------------------------------------------------------------------

    def viewer(self, user_id: uuid.UUID, org_id: uuid.UUID) -> Viewer:
        rows = self.s.execute(
            select(CommunityMemberRow.community_id, CommunityRow.is_default)
            .join(CommunityRow, CommunityRow.id == CommunityMemberRow.community_id)
            .where(CommunityMemberRow.org_id == org_id)
        ).all()
        return Viewer(user_id=user_id, org_id=org_id,
                      community_ids=frozenset(r[0] for r in rows),
                      in_node_community=any(r[1] for r in rows))

    # --- writes ----------------------------------------------------------------------------

    def add(self, incident: Incident) -> None:
        self.s.add(IncidentRow(id=incident.id, created_at=incident.created_at,
                               **_fields(incident)))
        self.s.flush()
        self._set_children(incident)

    def update(self, incident: Incident, expected_version: int) -> bool:
        """Write `incident` if the stored version is still `expected_version`."""
        result = self.s.execute(
            update(IncidentRow)
            .where(IncidentRow.id == incident.id, IncidentRow.version == expected_version)
            .values(**_fields(incident))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self._set_children(incident)
        return True

    def _set_children(self, incident: Incident) -> None:
        iid = incident.id
        self.s.execute(delete(IncidentRecipientRow).where(IncidentRecipientRow.incident_id == iid))
        self.s.execute(delete(IncidentCountryRow).where(IncidentCountryRow.incident_id == iid))
        self.s.execute(delete(IncidentMilestoneRow).where(IncidentMilestoneRow.incident_id == iid))
        r = incident.recipients
        recipients = [("org", o) for o in r.org_ids] + [("community", c) for c in r.community_ids]
        recipients += [("user", u) for u in r.user_ids]
        if recipients:
            self.s.execute(insert(IncidentRecipientRow), [
                {"incident_id": iid, "kind": k, "ref_id": ref} for k, ref in recipients])
        if incident.countries:
            self.s.execute(insert(IncidentCountryRow), [
                {"incident_id": iid, "country": c} for c in sorted(incident.countries)])
        if incident.submissions:
            self.s.execute(insert(IncidentMilestoneRow), [
                {"incident_id": iid, "milestone": m.value, "submitted_at": s.at,
                 "submitted_by": s.by} for m, s in incident.submissions.items()])

    def current_version(self, incident_id: uuid.UUID) -> int | None:
        return self.s.scalar(select(IncidentRow.version).where(IncidentRow.id == incident_id))

    # --- reads -----------------------------------------------------------------------------

    def get(self, incident_id: uuid.UUID, viewer: Viewer | None) -> Incident | None:
        row = self.s.scalar(
            select(IncidentRow).where(IncidentRow.id == incident_id, incident_visible(viewer))
        )
        return self._load([row])[0] if row else None

    def _filtered(self, viewer: Viewer | None, q: IncidentQuery) -> Select[Any]:
        query = select(IncidentRow).where(incident_visible(viewer))
        sets: list[tuple[Any, Iterable[str]]] = [
            (IncidentRow.status, [s.value for s in q.status]),
            (IncidentRow.rsit_class, q.rsit_class),
            (IncidentRow.severity, [s.value for s in q.severity]),
            (IncidentRow.tlp, [t.value for t in q.tlp]),
            (IncidentRow.sector, q.sector),
        ]
        for column, values in sets:
            values = list(values)
            if values:
                query = query.where(column.in_(values))
        if q.country:
            query = query.where(IncidentRow.id.in_(
                select(IncidentCountryRow.incident_id)
                .where(IncidentCountryRow.country.in_(sorted(q.country)))))
        if q.owner_org_id is not None:
            query = query.where(IncidentRow.owner_org_id == q.owner_org_id)
        if q.created_from is not None:
            query = query.where(IncidentRow.created_at >= q.created_from)
        if q.created_to is not None:
            query = query.where(IncidentRow.created_at < q.created_to)
        if q.text:
            needle = f"%{_escape_like(q.text.lower())}%"
            query = query.where(or_(func.lower(IncidentRow.title).like(needle, escape="\\"),
                                    func.lower(IncidentRow.summary).like(needle, escape="\\")))
        if q.aware_known:
            query = query.where(IncidentRow.aware_at.is_not(None))
        if q.exercise is not None:
            query = query.where(IncidentRow.exercise_id.is_not(None) if q.exercise
                                else IncidentRow.exercise_id.is_(None))
        return query

    def search(self, viewer: Viewer | None, q: IncidentQuery, page: Page) -> list[Incident]:
        column = SORTS[page.sort]
        query = self._filtered(viewer, q)
        if page.after is not None:
            value, last_id = page.after
            if page.descending:
                query = query.where(or_(column < value, and_(column == value,
                                                             IncidentRow.id < last_id)))
            else:
                query = query.where(or_(column > value, and_(column == value,
                                                             IncidentRow.id > last_id)))
        order = (column.desc(), IncidentRow.id.desc()) if page.descending else \
            (column.asc(), IncidentRow.id.asc())
        rows = list(self.s.scalars(query.order_by(*order).limit(page.limit)))
        return self._load(rows)

    def count(self, viewer: Viewer | None, q: IncidentQuery) -> int:
        sub = self._filtered(viewer, q).with_only_columns(IncidentRow.id).subquery()
        return int(self.s.scalar(select(func.count()).select_from(sub)) or 0)

    def facets(self, viewer: Viewer | None, q: IncidentQuery,
               fields: Sequence[str]) -> dict[str, dict[str, int]]:
        """Counts per value of each field, over the visible incidents matching `q`."""
        sub = self._filtered(viewer, q).subquery()
        result: dict[str, dict[str, int]] = {}
        for name in fields:
            column = sub.c[name]
            rows = self.s.execute(select(column, func.count()).group_by(column)).all()
            result[name] = {str(value): int(n) for value, n in rows if value is not None}
        return result

    def _load(self, rows: Sequence[IncidentRow]) -> list[Incident]:
        ids = [r.id for r in rows]
        recipients: dict[uuid.UUID, dict[str, set[uuid.UUID]]] = defaultdict(
            lambda: defaultdict(set))
        countries: dict[uuid.UUID, set[str]] = defaultdict(set)
        submissions: dict[uuid.UUID, dict[Milestone, Submission]] = defaultdict(dict)
        for chunk in _chunks(ids, 500):
            for iid, kind, ref in self.s.execute(
                    select(IncidentRecipientRow.incident_id, IncidentRecipientRow.kind,
                           IncidentRecipientRow.ref_id)
                    .where(IncidentRecipientRow.incident_id.in_(chunk))):
                recipients[iid][kind].add(ref)
            for iid, country in self.s.execute(
                    select(IncidentCountryRow.incident_id, IncidentCountryRow.country)
                    .where(IncidentCountryRow.incident_id.in_(chunk))):
                countries[iid].add(country)
            for m in self.s.scalars(select(IncidentMilestoneRow)
                                    .where(IncidentMilestoneRow.incident_id.in_(chunk))):
                submissions[m.incident_id][Milestone(m.milestone)] = Submission(
                    m.submitted_at, m.submitted_by)
        return [_incident(r, recipients[r.id], countries[r.id], submissions[r.id])
                for r in rows]

    # --- timeline --------------------------------------------------------------------------

    def add_timeline(self, entry: TimelineEntry) -> None:
        self.s.add(TimelineRow(
            id=entry.id, incident_id=entry.incident_id, at=entry.at, kind=entry.kind.value,
            text=entry.text, author_id=entry.author_id, author_name=entry.author_name,
            from_status=entry.from_status.value if entry.from_status else None,
            to_status=entry.to_status.value if entry.to_status else None,
        ))

    def timeline(self, incident_id: uuid.UUID) -> list[TimelineEntry]:
        rows = self.s.scalars(select(TimelineRow).where(TimelineRow.incident_id == incident_id)
                              .order_by(TimelineRow.at, TimelineRow.id))
        return [TimelineEntry(
            id=r.id, incident_id=r.incident_id, at=r.at, kind=TimelineKind(r.kind),
            text=r.text, author_id=r.author_id, author_name=r.author_name,
            from_status=Status(r.from_status) if r.from_status else None,
            to_status=Status(r.to_status) if r.to_status else None) for r in rows]

    # --- observables -----------------------------------------------------------------------

    def add_observable(self, o: Observable) -> None:
        self.s.add(ObservableRow(
            id=o.id, incident_id=o.incident_id, type=o.type.value, value=o.value,
            role=o.role.value, tlp=o.tlp.value if o.tlp else None, first_seen=o.first_seen,
            last_seen=o.last_seen, comment=o.comment, created_at=o.created_at))

    def find_observable(self, incident_id: uuid.UUID, kind: ObservableType,
                        value: str) -> Observable | None:
        row = self.s.scalar(select(ObservableRow).where(
            ObservableRow.incident_id == incident_id, ObservableRow.type == kind.value,
            ObservableRow.value == value))
        return _observable(row) if row else None

    def update_observable(self, o: Observable) -> None:
        self.s.execute(update(ObservableRow).where(ObservableRow.id == o.id).values(
            role=o.role.value, tlp=o.tlp.value if o.tlp else None, first_seen=o.first_seen,
            last_seen=o.last_seen, comment=o.comment))

    def delete_observable(self, observable_id: uuid.UUID) -> None:
        self.s.execute(delete(ObservableRow).where(ObservableRow.id == observable_id))

    def every_observable(self, incident_id: uuid.UUID) -> list[Observable]:
        """All of an incident's observables, whatever their own level: for publishing the
        incident as STIX (each object keeps its level), never to hand to a reader."""
        rows = self.s.scalars(select(ObservableRow).where(ObservableRow.incident_id ==
                                                          incident_id)
                              .order_by(ObservableRow.created_at, ObservableRow.id))
        return [_observable(r) for r in rows]

    def observables(self, viewer: Viewer | None, *, incident_id: uuid.UUID | None = None,
                    kind: ObservableType | None = None, values: Sequence[str] = (),
                    limit: int = 1000) -> list[Observable]:
        query = (select(ObservableRow)
                 .join(IncidentRow, IncidentRow.id == ObservableRow.incident_id)
                 .where(observable_visible(viewer)))
        if incident_id is not None:
            query = query.where(ObservableRow.incident_id == incident_id)
        if kind is not None:
            query = query.where(ObservableRow.type == kind.value)
        if values:
            query = query.where(ObservableRow.value.in_(list(values)))
        rows = self.s.scalars(query.order_by(ObservableRow.created_at, ObservableRow.id)
                              .limit(limit))
        return [_observable(r) for r in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _chunks(items: Sequence[uuid.UUID], size: int) -> Iterable[Sequence[uuid.UUID]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _incident(r: IncidentRow, recipients: dict[str, set[uuid.UUID]], countries: set[str],
              submissions: dict[Milestone, Submission]) -> Incident:
    return Incident(
        id=r.id, title=r.title, summary=r.summary, rsit_class=r.rsit_class,
        rsit_type=r.rsit_type, severity=Severity(r.severity), status=Status(r.status),
        tlp=Tlp(r.tlp), owner_org_id=r.owner_org_id, author_id=r.author_id,
        recipients=Recipients(frozenset(recipients.get("org", ())),
                              frozenset(recipients.get("community", ())),
                              frozenset(recipients.get("user", ()))),
        countries=frozenset(countries), sector=r.sector, subsector=r.subsector,
        impact=Impact(r.affected_systems, r.affected_users, r.cross_border,
                      r.critical_infrastructure),
        times=Times(r.started_at, r.detected_at, r.aware_at, r.contained_at, r.ended_at),
        attack_techniques=tuple(r.attack_techniques or ()), cves=tuple(r.cves or ()),
        threat_actors=tuple(r.threat_actors or ()), malware=tuple(r.malware or ()),
        exercise_id=r.exercise_id, version=r.version, created_at=r.created_at,
        updated_at=r.updated_at, submissions=dict(submissions),
    )


def _observable(r: ObservableRow) -> Observable:
    return Observable(
        id=r.id, incident_id=r.incident_id, type=ObservableType(r.type), value=r.value,
        role=ObservableRole(r.role), tlp=Tlp(r.tlp) if r.tlp else None,
        first_seen=r.first_seen, last_seen=r.last_seen, comment=r.comment,
        created_at=r.created_at)
