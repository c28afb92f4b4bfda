"""Alerts in SQL: idempotent inserts (one row per dedupe key, whoever runs the indexer and
however often), the inbox of an organisation or user, mail opt-ins, and the facts alert
generation reads about newly indexed objects (postings, owners, coordinators, clusters)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, distinct, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rcsc.core.alerts import Alert, AlertKind, Cluster, ItemInfo, NewAlert
from rcsc.core.identity import Role
from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType
from rcsc.sharing import Viewer
from rcsc.storage.alert_tables import AlertMailRow, AlertRow
from rcsc.storage.repos.intel import _chunks
from rcsc.storage.repos.stix_search import newest_visible
from rcsc.storage.sharing_sql import stix_visible
from rcsc.storage.tables import (
    IntelPostingRow,
    OrganisationRow,
    StixObjectRow,
    UserRoleRow,
    UserRow,
)

P = IntelPostingRow
Obj = StixObjectRow


def _alert(r: AlertRow) -> Alert:
    return Alert(id=r.id, org_id=r.org_id, user_id=r.user_id, kind=AlertKind(r.kind),
                 value=IndexedValue(ObservableType(r.value_kind), r.value), title=r.title,
                 detail=dict(r.detail or {}), created_at=r.created_at, read_at=r.read_at)


def _mine(org_id: uuid.UUID, user_id: uuid.UUID | None) -> ColumnElement[bool]:
    """An organisation's alerts, and those addressed to this user alone."""
    return and_(AlertRow.org_id == org_id,
                or_(AlertRow.user_id.is_(None), AlertRow.user_id == user_id))


class AlertRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    # --- writing --------------------------------------------------------------------------

    def add_new(self, alerts: Sequence[NewAlert], at: datetime) -> list[Alert]:
        """Insert the alerts not stored yet (by dedupe key); the ones inserted."""
        dialect = self.s.get_bind().dialect.name
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        added: list[uuid.UUID] = []
        for a in alerts:
            stmt = make(AlertRow).values(
                id=uuid.uuid4(), dedupe_key=a.dedupe_key, org_id=a.org_id, user_id=a.user_id,
                kind=a.kind.value, value_kind=a.value.kind.value, value=a.value.value,
                title=a.title[:300], detail=a.detail, created_at=at, read_at=None,
            ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(AlertRow.id)
            new_id = self.s.execute(stmt).scalar()
            if new_id is not None:
                added.append(new_id)
        return [a for a in (self.get(i) for i in added) if a is not None]

    def mark_read(self, alert_id: uuid.UUID, at: datetime) -> None:
        self.s.execute(update(AlertRow).where(AlertRow.id == alert_id,
                                              AlertRow.read_at.is_(None)).values(read_at=at))

    # --- the inbox ------------------------------------------------------------------------

    def get(self, alert_id: uuid.UUID) -> Alert | None:
        row = self.s.get(AlertRow, alert_id)
        return _alert(row) if row else None

    def inbox(self, org_id: uuid.UUID, user_id: uuid.UUID | None, *, unread: bool,
              kind: AlertKind | None, before: tuple[datetime, uuid.UUID] | None,
              limit: int) -> list[Alert]:
        """Newest first; `before` is the (created_at, id) of the last alert of the page
        before."""
        stmt = select(AlertRow).where(_mine(org_id, user_id))
        if unread:
            stmt = stmt.where(AlertRow.read_at.is_(None))
        if kind is not None:
            stmt = stmt.where(AlertRow.kind == kind.value)
        if before is not None:
            at, last = before
            stmt = stmt.where(or_(AlertRow.created_at < at,
                                  and_(AlertRow.created_at == at, AlertRow.id < last)))
        rows = self.s.scalars(stmt.order_by(AlertRow.created_at.desc(), AlertRow.id.desc())
                              .limit(limit))
        return [_alert(r) for r in rows]

    def unread_count(self, org_id: uuid.UUID, user_id: uuid.UUID | None) -> int:
        return int(self.s.scalar(select(func.count()).select_from(AlertRow).where(
            _mine(org_id, user_id), AlertRow.read_at.is_(None))) or 0)

    # --- mail opt-ins ---------------------------------------------------------------------

    def wants_mail(self, user_id: uuid.UUID) -> bool:
        return self.s.get(AlertMailRow, user_id) is not None

    def set_mail(self, user_id: uuid.UUID, wanted: bool, at: datetime) -> None:
        if not wanted:
            self.s.execute(delete(AlertMailRow).where(AlertMailRow.user_id == user_id))
        elif not self.wants_mail(user_id):
            self.s.add(AlertMailRow(user_id=user_id, created_at=at))
            self.s.flush()

    def mail_addresses(self, org_id: uuid.UUID, user_id: uuid.UUID | None) -> list[str]:
        """Active users of the organisation (or this one user) who asked for mail."""
        stmt = (select(UserRow.email).join(AlertMailRow, AlertMailRow.user_id == UserRow.id)
                .where(UserRow.org_id == org_id, UserRow.active))
        if user_id is not None:
            stmt = stmt.where(UserRow.id == user_id)
        return list(self.s.scalars(stmt.order_by(UserRow.email)))

    # --- what alert generation reads ------------------------------------------------------

    def items(self, object_pks: Sequence[int]) -> list[ItemInfo]:
        """The newest versions among these objects (older ones raise no alert)."""
        found: list[ItemInfo] = []
        for chunk in _chunks(sorted(set(object_pks))):
            found += [ItemInfo(r.pk, r.stix_id, r.type, r.name, r.owner_org_id, r.source_key)
                      for r in self.s.execute(
                          select(Obj.pk, Obj.stix_id, Obj.type, Obj.name, Obj.owner_org_id,
                                 Obj.source_key).where(Obj.pk.in_(chunk), Obj.is_latest))]
        return found

    def values_by_object(self, object_pks: Sequence[int]) -> dict[int, list[IndexedValue]]:
        found: dict[int, list[IndexedValue]] = {}
        for chunk in _chunks(sorted(set(object_pks))):
            for pk, kind, value in self.s.execute(
                    select(P.object_pk, P.kind, P.value).where(P.object_pk.in_(chunk))):
                found.setdefault(pk, []).append(IndexedValue(ObservableType(kind), value))
        return found

    def visible_pks(self, viewer: Viewer, object_pks: Sequence[int]) -> set[int]:
        """Which of these object versions the viewer may see (by version, not by STIX id:
        two organisations' objects may share an id, as SCOs of one value do)."""
        found: set[int] = set()
        for chunk in _chunks(sorted(set(object_pks))):
            found.update(self.s.scalars(select(Obj.pk).where(Obj.pk.in_(chunk),
                                                             stix_visible(viewer))))
        return found

    def stored(self, object_pks: Sequence[int]) -> dict[int, tuple[bytes, datetime]]:
        """The body and date_added of each object version (what ageing reads)."""
        found: dict[int, tuple[bytes, datetime]] = {}
        for chunk in _chunks(sorted(set(object_pks))):
            found.update((r.pk, (r.body, r.date_added)) for r in self.s.execute(
                select(Obj.pk, Obj.body, Obj.date_added).where(Obj.pk.in_(chunk))))
        return found

    def incident_titles(self, source_keys: Sequence[str]) -> dict[str, str]:
        """The name of the newest published `incident` object of each source."""
        rows = self.s.execute(select(Obj.source_key, Obj.name).where(
            Obj.source_key.in_(set(source_keys)), Obj.type == "incident", Obj.is_latest))
        return {r.source_key: r.name for r in rows if r.name}

    def countries(self, org_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
        """(name, country) of each organisation."""
        rows = self.s.execute(select(OrganisationRow.id, OrganisationRow.name,
                                     OrganisationRow.country)
                              .where(OrganisationRow.id.in_(set(org_ids))))
        return {r.id: (r.name, r.country) for r in rows}

    def coordinators(self) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(user, organisation) of every active coordinator of the node."""
        rows = self.s.execute(
            select(UserRow.id, UserRow.org_id).join(UserRoleRow, UserRoleRow.user_id == UserRow.id)
            .where(UserRoleRow.role == Role.COORDINATOR.value, UserRow.active)
            .order_by(UserRow.id))
        return [(r.id, r.org_id) for r in rows]

    def clusters(self, viewer: Viewer | None, since: datetime,
                 keys: Sequence[bytes] | None = None, limit: int = 100) -> list[Cluster]:
        """Values carried by visible items of at least two countries added since `since`,
        the most recently seen first."""
        where = [Obj.date_added >= since, stix_visible(viewer), newest_visible(viewer)]
        if keys is not None:
            if not keys:
                return []
            where.append(P.value_key.in_(sorted(set(keys))[:5000]))
        countries = func.count(distinct(OrganisationRow.country))
        rows = self.s.execute(
            select(P.value_key, func.min(P.kind), func.min(P.value), countries,
                   func.count(distinct(func.coalesce(Obj.source_key, Obj.stix_id))),
                   func.min(Obj.date_added), func.max(Obj.date_added))
            .join(Obj, Obj.pk == P.object_pk)
            .join(OrganisationRow, OrganisationRow.id == Obj.owner_org_id)
            .where(*where).group_by(P.value_key).having(countries >= 2)
            .order_by(func.max(Obj.date_added).desc(), P.value_key).limit(limit)).all()
        by_key: dict[bytes, set[str]] = {r[0]: set() for r in rows}
        if by_key:
            for key, country in self.s.execute(
                    select(P.value_key, OrganisationRow.country).distinct()
                    .join(Obj, Obj.pk == P.object_pk)
                    .join(OrganisationRow, OrganisationRow.id == Obj.owner_org_id)
                    .where(Obj.date_added >= since, stix_visible(viewer),
                           newest_visible(viewer), P.value_key.in_(list(by_key)))):
                by_key[key].add(country)
        return [Cluster(IndexedValue(ObservableType(r[1]), r[2]), tuple(sorted(by_key[r[0]])),
                        int(r[4]), r[5], r[6]) for r in rows]
