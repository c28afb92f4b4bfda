"""TAXII collections and the STIX object versions in them.

Every read applies the sharing rule in SQL (`stix_visible`), object version by object
version, before paging: a caller never receives, counts or learns the version of an object
it may not see. Pages are keyset-ordered by (date_added, pk), so a walk by `next` neither
repeats nor skips a row while others are added.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from rcsc.core.exchange import (
    TICK,
    Collection,
    NewVersion,
    ObjectQuery,
    ObjectVersion,
    StatusDetail,
    StatusState,
    TaxiiStatus,
    VersionChoice,
)
from rcsc.core.tlp import Tlp
from rcsc.sharing import Viewer
from rcsc.storage.repos.stix_pages import StoredPage, driver_utc, sqlite_utc
from rcsc.storage.sharing_sql import boundary_clause, stix_visible
from rcsc.storage.tables import CollectionRow, StixObjectRow, StixRecipientRow, TaxiiStatusRow

Obj = StixObjectRow

# A page's columns (see stix_pages), the times as the driver gives them: their type's
# per-row processing is left to the few values a page converts.
_RAW_COLUMNS = (Obj.pk, Obj.stix_id, Obj.type, Obj.spec_version,
                type_coerce(Obj.version, String()), type_coerce(Obj.date_added, String()),
                Obj.body, Obj.tlp)
_KINDS = (("org", "org_ids"), ("community", "community_ids"), ("user", "user_ids"))
_SQLITE_INSERT = (
    "INSERT INTO stix_objects (collection_id, stix_id, type, spec_version, version, is_latest, "
    "date_added, name, body, tlp, owner_org_id, author_id, origin, received_from, context_tlp, "
    "source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {extra})")
# Received objects have neither a context level nor a source: NULL written in the statement,
# not bound (pysqlite binds None, a bool or bytes through its adapter lookup, ~1 µs each;
# an int, a str or a bytearray directly).
_SQLITE_INSERT_RECEIVED = _SQLITE_INSERT.format(extra="NULL, NULL")
_SQLITE_INSERT_ALL = _SQLITE_INSERT.format(extra="?, ?")

_SQLITE_OWNERS = ("SELECT stix_id, version, owner_org_id FROM stix_objects WHERE "
                  "collection_id = ? AND stix_id IN (SELECT value FROM json_each(?))")


def sqlite_time(moment: datetime) -> str:
    """What `UtcDateTime` stores on SQLite: UTC, naive, always six fractional digits."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(" ", "microseconds")[:26]


def sqlite_times(first: datetime, count: int) -> list[str]:
    """`sqlite_time` of `first` and of each of the `count - 1` microseconds after it."""
    text = sqlite_time(first)
    start = int(text[20:])
    if start + count > 1_000_000:  # the second changes on the way: the long way round
        return [sqlite_time(first + TICK * n) for n in range(count)]
    head = text[:20]
    return [f"{head}{micro:06d}" for micro in range(start, start + count)]


_TLP_TEXT = {tlp: tlp.value for tlp in Tlp}  # a dict lookup, not the enum's property


class _HexCache(dict[uuid.UUID | None, str | None]):
    """uuid → its SQLite form; one envelope names a handful of organisations and users."""

    def __missing__(self, key: uuid.UUID | None) -> str | None:
        self[key] = found = key.hex if key is not None else None
        return found


def sqlite_version_text(v: NewVersion) -> str:
    """`sqlite_time(v.version)`, from the STIX text when the object gave one of the usual
    shape (`version_text` is the text `version` was read from): a tenth of the cost."""
    text, size = v.version_text, len(v.version_text)
    if (size == 20 or 22 <= size <= 27 and text[19] == ".") and text[-1] == "Z" and \
            text.isascii():
        return f"{text[:10]} {text[11:19]}.{text[20:-1].ljust(6, '0')}"
    return sqlite_time(v.version)


# Core, not ORM entities: every TAXII request looks its collection up (twice, with the
# shared one), and the ORM's identity map cost more than the query.
_COLLECTION_COLUMNS = (CollectionRow.id, CollectionRow.alias, CollectionRow.title,
                       CollectionRow.description, CollectionRow.default_tlp,
                       CollectionRow.community_id, CollectionRow.writable,
                       CollectionRow.created_at)


def _collection(r: Any) -> Collection:  # a row of _COLLECTION_COLUMNS
    return Collection(id=r.id, alias=r.alias, title=r.title, description=r.description,
                      default_tlp=Tlp(r.default_tlp), community_id=r.community_id,
                      writable=r.writable, created_at=r.created_at)


def _version_filter(viewer: Viewer | None, q: ObjectQuery) -> ColumnElement[bool]:
    """TAXII 2.1 §3.4.2 `match[version]`: any of first, last, all or given versions, among
    the versions this viewer may see (the newest one it may see is its "last")."""
    if VersionChoice.ALL in q.choices:
        return true()
    other = aliased(StixObjectRow)
    same = and_(other.collection_id == Obj.collection_id, other.stix_id == Obj.stix_id,
                stix_visible(viewer, other))
    terms: list[ColumnElement[bool]] = []
    if VersionChoice.LAST in q.choices:
        newer = exists(select(other.pk).where(same, other.version > Obj.version))
        terms.append(or_(Obj.is_latest, ~newer))
    if VersionChoice.FIRST in q.choices:
        terms.append(~exists(select(other.pk).where(same, other.version < Obj.version)))
    if q.versions:
        terms.append(Obj.version.in_(sorted(q.versions)))
    return or_(*terms) if terms else false()


class StixRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    # --- collections ----------------------------------------------------------------------

    def collections(self) -> list[Collection]:
        rows = self.s.execute(select(*_COLLECTION_COLUMNS).order_by(CollectionRow.created_at,
                                                                    CollectionRow.alias))
        return [_collection(r) for r in rows]

    def collection(self, key: uuid.UUID | str) -> Collection | None:
        """By id, or by alias."""
        column = CollectionRow.id if isinstance(key, uuid.UUID) else CollectionRow.alias
        row = self.s.execute(select(*_COLLECTION_COLUMNS).where(column == key)).first()
        return _collection(row) if row else None

    def ensure_collection(self, c: Collection) -> Collection:
        """The collection with `c`'s alias: the stored one, or `c`, stored now."""
        found = self.collection(c.alias)
        if found is not None:
            return found
        self.add_collection(c)
        self.s.flush()
        return c

    def add_collection(self, c: Collection) -> None:
        self.s.add(CollectionRow(id=c.id, alias=c.alias, title=c.title,
                                 description=c.description, default_tlp=c.default_tlp.value,
                                 community_id=c.community_id, writable=c.writable,
                                 created_at=c.created_at))

    # --- writing --------------------------------------------------------------------------

    def lock_collection(self, collection_id: uuid.UUID) -> None:
        """Writers to one collection take turns until they commit (PostgreSQL: a
        transaction-scoped advisory lock; SQLite's writers take turns anyway). So date_added
        follows commit order: a poller's `added_after` bookmark never passes a row that a
        slower transaction commits later, and two envelopes carrying the same object never
        collide."""
        if self.s.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(collection_id.bytes[:8], "big", signed=True)
            self.s.execute(select(func.pg_advisory_xact_lock(key)))

    def stored_versions(self, collection_id: uuid.UUID,
                        stix_ids: Iterable[str]) -> dict[str, set[datetime]]:
        """Every version already stored of these objects in the collection, whoever may
        see them (the writer must not store a version twice; nothing of this is shown)."""
        return {stix_id: {version for version, _ in held}
                for stix_id, held in self.stored_owners(collection_id, stix_ids).items()}

    def stored_owners(self, collection_id: uuid.UUID, stix_ids: Iterable[str]
                      ) -> dict[str, set[tuple[datetime, uuid.UUID]]]:
        """(version, owner organisation) of every stored version of these objects."""
        found: dict[str, set[tuple[datetime, uuid.UUID]]] = {}
        ids = sorted(set(stix_ids))
        if self.s.get_bind().dialect.name == "sqlite":
            return self._stored_owners_sqlite(collection_id, ids)
        # PostgreSQL: the ids as one array, joined through the unique index. `IN (…)` over a
        # table whose statistics lag a bulk load was planned as a scan of the collection:
        # measured 210 ms an envelope at 40,000 objects, growing with the table.
        wanted = func.unnest(literal(ids, ARRAY(String))).table_valued("id").render_derived(
            name="wanted")
        rows = self.s.execute(select(Obj.stix_id, Obj.version, Obj.owner_org_id)
                              .select_from(wanted)
                              .join(Obj, and_(Obj.collection_id == collection_id,
                                              Obj.stix_id == wanted.c.id)))
        for stix_id, version, owner in rows:
            found.setdefault(stix_id, set()).add((version, owner))
        return found

    def _stored_owners_sqlite(self, collection_id: uuid.UUID, ids: list[str]
                              ) -> dict[str, set[tuple[datetime, uuid.UUID]]]:
        """The same in one statement, the ids passed as one JSON array (`json_each`), the
        rows read without per-column type processing: a fresh envelope finds none of its
        thousand ids, and the general path spent more on binding them than on looking."""
        rows = self.s.connection().exec_driver_sql(_SQLITE_OWNERS, (
            collection_id.hex, orjson.dumps(ids).decode())).all()
        found: dict[str, set[tuple[datetime, uuid.UUID]]] = {}
        for stix_id, version, owner in rows:
            found.setdefault(stix_id, set()).add(
                (datetime.fromisoformat(version).replace(tzinfo=UTC), uuid.UUID(owner)))
        return found

    def next_date_added(self, collection_id: uuid.UUID, now: datetime) -> datetime:
        """`now`, or just after the newest row of the collection if the clock is behind it:
        date_added only grows, so `added_after` bookmarks never miss a row. Takes the
        collection's write turn first (`lock_collection`)."""
        self.lock_collection(collection_id)
        newest = self.s.scalar(select(func.max(Obj.date_added)).where(
            Obj.collection_id == collection_id))
        return max(now, newest + TICK) if newest else now

    def add_versions(self, collection_id: uuid.UUID, versions: Sequence[NewVersion],
                     first_added: datetime, stored: dict[str, set[datetime]]) -> None:
        """Insert new versions (none may be stored already), each a microsecond after the
        previous (the first at `first_added`), and keep `is_latest` on the newest version of
        each object."""
        newest: dict[str, datetime] = {k: max(v) for k, v in stored.items() if v}
        for v in versions:
            if v.stix_id not in newest or v.version > newest[v.stix_id]:
                newest[v.stix_id] = v.version
        self._demote(collection_id, {v.stix_id for v in versions if v.stix_id in stored}, newest)
        named = [i for i, v in enumerate(versions) if _has_recipients(v)]
        if not named and self.s.get_bind().dialect.name == "sqlite":
            self._insert_sqlite(collection_id, versions, first_added, newest)
            return
        rows = [dict(collection_id=collection_id, stix_id=v.stix_id, type=v.type,
                     spec_version=v.spec_version, version=v.version,
                     is_latest=newest[v.stix_id] == v.version,
                     date_added=first_added + TICK * n, name=v.name,
                     body=v.body, tlp=v.tlp.value, owner_org_id=v.owner_org_id,
                     context_tlp=v.context_tlp.value if v.context_tlp else None,
                     author_id=v.author_id, origin=v.origin, received_from=v.received_from,
                     source_key=v.source_key)
                for n, v in enumerate(versions)]
        table = cast(Table, StixObjectRow.__table__)  # Core, not the ORM's bulk path: faster
        if not named:
            if rows:
                self.s.execute(insert(table), rows)
            return
        pks = self.s.scalars(insert(table).returning(table.c.pk, sort_by_parameter_order=True),
                             rows).all()
        self.s.execute(insert(StixRecipientRow), [
            dict(object_pk=pks[i], kind=kind, ref_id=ref)
            for i in named for kind, attr in _KINDS
            for ref in getattr(versions[i].recipients, attr)])

    def _insert_sqlite(self, collection_id: uuid.UUID, versions: Sequence[NewVersion],
                       first_added: datetime, newest: dict[str, datetime]) -> None:
        """One executemany of rows rendered as SQLAlchemy stores them on SQLite
        (`sqlite_time`, UUIDs as 32 hex digits): its per-row, per-column type processing
        cost more than the insert itself (bench/taxii.py). Per row, every call and every
        value pysqlite has to adapt counts: the dates added are counted up as text, the
        version rendered from its STIX text, `is_latest` bound as 1/0, the body as a
        bytearray, and absent columns written as NULL in the statement."""
        collection, uuids = collection_id.hex, _HexCache()
        received = all(v.context_tlp is None and v.source_key is None for v in versions)
        rows = [(collection, v.stix_id, v.type, v.spec_version, sqlite_version_text(v),
                 1 if newest[v.stix_id] == v.version else 0, at, v.name, bytearray(v.body),
                 _TLP_TEXT[v.tlp], uuids[v.owner_org_id], uuids[v.author_id], v.origin,
                 v.received_from)
                if received else
                (collection, v.stix_id, v.type, v.spec_version, sqlite_version_text(v),
                 1 if newest[v.stix_id] == v.version else 0, at, v.name, bytearray(v.body),
                 _TLP_TEXT[v.tlp], uuids[v.owner_org_id], uuids[v.author_id], v.origin,
                 v.received_from, v.context_tlp.value if v.context_tlp else None,
                 v.source_key)
                for v, at in zip(versions, sqlite_times(first_added, len(versions)),
                                 strict=True)]
        if rows:
            self.s.connection().exec_driver_sql(
                _SQLITE_INSERT_RECEIVED if received else _SQLITE_INSERT_ALL, rows)

    def _demote(self, collection_id: uuid.UUID, ids: set[str],
                newest: dict[str, datetime]) -> None:
        """Clear `is_latest` on stored versions that a newer incoming one supersedes."""
        for stix_id in sorted(ids):
            self.s.execute(update(Obj).where(
                Obj.collection_id == collection_id, Obj.stix_id == stix_id, Obj.is_latest,
                Obj.version < newest[stix_id]).values(is_latest=False))

    def replace_source(self, collection_id: uuid.UUID, source_key: str,
                       versions: Sequence[NewVersion], first_added: datetime) -> None:
        """Publish again what was made from `source_key`: its rows are replaced by
        `versions`, and `is_latest` is set anew on every object touched."""
        old = self.s.execute(select(Obj.pk, Obj.stix_id).where(
            Obj.collection_id == collection_id, Obj.source_key == source_key)).all()
        if old:
            pks = [pk for pk, _ in old]
            self.s.execute(delete(StixRecipientRow).where(StixRecipientRow.object_pk.in_(pks)))
            self.s.execute(delete(Obj).where(Obj.pk.in_(pks)))
        touched = {stix_id for _, stix_id in old} | {v.stix_id for v in versions}
        if versions:
            self.add_versions(collection_id, versions, first_added, {})
        self.refresh_latest(collection_id, touched)

    def refresh_latest(self, collection_id: uuid.UUID, stix_ids: Iterable[str]) -> None:
        """`is_latest` true exactly on the newest stored version of each object."""
        newer = aliased(StixObjectRow)
        ids = sorted(set(stix_ids))
        for start in range(0, len(ids), 500):
            newest = select(func.max(newer.version)).where(
                newer.collection_id == Obj.collection_id, newer.stix_id == Obj.stix_id
            ).scalar_subquery()
            self.s.execute(update(Obj).where(
                Obj.collection_id == collection_id, Obj.stix_id.in_(ids[start:start + 500])
            ).values(is_latest=Obj.version == newest))

    def delete(self, viewer: Viewer | None, collection_id: uuid.UUID, stix_id: str,
               q: ObjectQuery, owner_org_id: uuid.UUID) -> int:
        """Delete the matching versions the viewer sees and its organisation owns; the
        newest remaining version becomes the latest again."""
        doomed = select(Obj.pk).where(
            Obj.collection_id == collection_id, Obj.stix_id == stix_id,
            Obj.owner_org_id == owner_org_id, stix_visible(viewer), _version_filter(viewer, q))
        pks = list(self.s.scalars(doomed))
        if not pks:
            return 0
        self.s.execute(delete(StixRecipientRow).where(StixRecipientRow.object_pk.in_(pks)))
        self.s.execute(delete(Obj).where(Obj.pk.in_(pks)))
        newest = self.s.scalar(select(func.max(Obj.version)).where(
            Obj.collection_id == collection_id, Obj.stix_id == stix_id))
        if newest is not None:
            self.s.execute(update(Obj).where(Obj.collection_id == collection_id,
                                           Obj.stix_id == stix_id, Obj.version == newest)
                           .values(is_latest=True))
        return len(pks)

    # --- reading --------------------------------------------------------------------------

    def page(self, viewer: Viewer | None, collection_id: uuid.UUID,
             q: ObjectQuery) -> tuple[list[ObjectVersion], bool]:
        """One page of the versions matching `q` that the viewer may see, and whether more
        follow."""
        found = self.page_rows(viewer, collection_id, q)
        return found.versions(), found.more

    def page_rows(self, viewer: Viewer | None, collection_id: uuid.UUID,
                  q: ObjectQuery) -> StoredPage:
        """The same page, its rows unconverted (`StoredPage`): what serving it needs."""
        stmt = select(*_RAW_COLUMNS).where(Obj.collection_id == collection_id,
                                           stix_visible(viewer), _version_filter(viewer, q))
        if q.added_after is not None:
            stmt = stmt.where(Obj.date_added > q.added_after)
        if q.ids:
            stmt = stmt.where(Obj.stix_id.in_(sorted(q.ids)))
        if q.types:
            stmt = stmt.where(Obj.type.in_(sorted(q.types)))
        if q.spec_versions:
            stmt = stmt.where(Obj.spec_version.in_(sorted(q.spec_versions)))
        if q.after is not None:
            at, pk = q.after
            # `>= at` first, alone: what lets SQLite start the index range at the position
            # (from the OR alone it scanned the collection from its start: each page of a
            # million cost more than the one before; bench/taxii.py --million)
            stmt = stmt.where(Obj.date_added >= at,
                              or_(Obj.date_added > at, and_(Obj.date_added == at, Obj.pk > pk)))
        if q.boundary is not None:
            stmt = stmt.where(boundary_clause(q.boundary))
        rows = self.s.execute(stmt.order_by(Obj.date_added, Obj.pk).limit(q.limit + 1)).all()
        sqlite = self.s.get_bind().dialect.name == "sqlite"
        return StoredPage(rows[:q.limit], sqlite_utc if sqlite else driver_utc,
                          len(rows) > q.limit)

    def count(self, viewer: Viewer | None, collection_id: uuid.UUID | None = None) -> int:
        stmt = select(func.count()).select_from(Obj).where(stix_visible(viewer))
        if collection_id is not None:
            stmt = stmt.where(Obj.collection_id == collection_id)
        return int(self.s.scalar(stmt) or 0)

    # --- TAXII status ---------------------------------------------------------------------

    def put_status(self, status: TaxiiStatus) -> None:
        details = {name: [[d.id, d.version, d.message] for d in getattr(status, name)]
                   for name in ("successes", "failures", "pendings")}
        # a new id: added, not merged (a merge looks the id up first)
        self.s.add(TaxiiStatusRow(id=status.id, user_id=status.user_id,
                                  status=status.status.value,
                                  request_timestamp=status.request_timestamp, details=details))

    def status(self, status_id: uuid.UUID) -> TaxiiStatus | None:
        row = self.s.get(TaxiiStatusRow, status_id)
        if row is None:
            return None
        lists = {name: tuple(StatusDetail(*item) for item in row.details.get(name, []))
                 for name in ("successes", "failures", "pendings")}
        return TaxiiStatus(id=row.id, user_id=row.user_id, status=StatusState(row.status),
                           request_timestamp=row.request_timestamp, **lists)


def _has_recipients(v: NewVersion) -> bool:
    r = v.recipients
    return bool(r.org_ids or r.community_ids or r.user_ids)
