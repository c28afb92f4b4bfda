"""The correlation index in SQL: postings written by the indexer, matches read through the
sharing rule (only objects the viewer may see, at the newest version it may see)."""

from __future__ import annotations

import uuid
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Dialect,
    LargeBinary,
    String,
    and_,
    any_,
    bindparam,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rcsc.core.intel import KEY_BYTES, IndexedValue, Match, MatchedObject, stored
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.sharing import Viewer
from rcsc.storage.repos.stix_search import newest_visible
from rcsc.storage.sharing_sql import stix_visible
from rcsc.storage.tables import (
    CollectionRow,
    IntelPostingRow,
    IntelWatermarkRow,
    StixObjectRow,
)

P = IntelPostingRow
Obj = StixObjectRow
# keys per IN list: one list for a lookup of 1,000 values (each chunk is one more query),
# well under SQLite's limit of 32,766 parameters (since 3.32) and PostgreSQL's 65,535
IN_CHUNK = 2000
EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


class RawKey(LargeBinary):
    """Index keys bound as the bytes they are: sqlite3 and psycopg take bytes natively, while
    LargeBinary wraps each in the driver's Binary (3,000 calls in a 1,000-value lookup)."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


def any_of(session: Session, column: Any, items: Sequence[Any],
           item_type: Any = None) -> ColumnElement[bool]:
    """`column IN items`. On PostgreSQL one array parameter (`= ANY(:items)`): psycopg
    re-parses a statement of thousands of placeholders at every call, uncached (a third
    of a 1,000-value lookup, profiled); elsewhere an expanding IN."""
    typed = type_coerce(column, item_type) if item_type is not None else column
    if session.get_bind().dialect.name == "postgresql":
        array = postgresql.ARRAY(item_type if item_type is not None else column.type)
        return typed == any_(bindparam(None, list(items), type_=array))
    return typed.in_(items)


def key_in(session: Session, column: Any, keys: Sequence[bytes]) -> ColumnElement[bool]:
    """`column IN keys` for index keys (KEY_BYTES each), bound as ONE parameter. On SQLite
    the keys joined in one blob, cut in SQL (SQLite 3.40 has no unhex): an expanding IN of
    1,000 parameters cost SQLAlchemy ~1.5 ms a query to render and bind. On PostgreSQL the
    keys go as one text of comma-separated hex, split and decoded in SQL: psycopg dumps a
    bytea array escaping byte by byte (13 ms for 1,000 keys here), an array of hex text
    element by element (2.2 ms), one text 0.3 ms."""
    if session.get_bind().dialect.name != "postgresql":
        assert all(len(key) == KEY_BYTES for key in keys), "index keys are fixed-width"
        blob = bindparam(None, b"".join(keys), type_=RawKey(KEY_BYTES))
        at = select(literal(1).label("at")).cte(recursive=True)  # anonymous: one per use
        at = at.union_all(select(at.c.at + KEY_BYTES)
                          .where(at.c.at + KEY_BYTES <= func.length(blob)))
        return column.in_(select(func.substr(blob, at.c.at, KEY_BYTES)))  # type: ignore[no-any-return]
    hexes = bindparam(None, ",".join(k.hex() for k in keys), type_=String)
    return column.in_(select(  # type: ignore[no-any-return]
        func.decode(func.unnest(func.string_to_array(hexes, ",")), "hex")))


def text_in(session: Session, column: Any, texts: Sequence[str]) -> ColumnElement[bool]:
    """`column IN texts`. On PostgreSQL the texts joined by commas in ONE text parameter,
    split in SQL, when none holds a comma (STIX ids never do): psycopg dumps an array
    element by element in Python (2.2 ms for 1,000 here, the joined text 0.3 ms)."""
    if session.get_bind().dialect.name == "postgresql" and not any("," in t for t in texts):
        joined = bindparam(None, ",".join(texts), type_=String)
        return column.in_(select(func.unnest(func.string_to_array(joined, ","))))  # type: ignore[no-any-return]
    return any_of(session, column, texts)


@lru_cache(maxsize=256)
def _seen(viewer: Viewer | None) -> ColumnElement[bool]:
    """The sharing rule for the newest visible version of an object, as a clause: built
    once per viewer (building it took a fifth of a 1,000-value lookup; py-spy, SQLite). The
    viewer is read afresh for every request and holds all the clause depends on (its ids
    and communities, bound as parameters); the rows it filters are read at execution."""
    return and_(stix_visible(viewer), newest_visible(viewer))


@dataclass(frozen=True)
class Unindexed:
    pk: int
    date_added: datetime
    body: bytes


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class IntelRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    # --- the indexer ----------------------------------------------------------------------

    def claim(self, collection_id: uuid.UUID) -> tuple[datetime, int]:
        """The collection's watermark, locked until this transaction ends (PostgreSQL: one
        indexer per collection at a time; SQLite has one writer anyway)."""
        dialect = self.s.get_bind().dialect.name
        values = {"collection_id": collection_id, "date_added": EPOCH, "object_pk": 0}
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.s.execute(make(IntelWatermarkRow).values(**values).on_conflict_do_nothing())
        stmt = select(IntelWatermarkRow.date_added, IntelWatermarkRow.object_pk).where(
            IntelWatermarkRow.collection_id == collection_id)
        if dialect == "postgresql":
            stmt = stmt.with_for_update()
        row = self.s.execute(stmt).one()
        return row.date_added, row.object_pk

    def unindexed(self, collection_id: uuid.UUID, after: tuple[datetime, int],
                  limit: int) -> list[Unindexed]:
        at, pk = after
        rows = self.s.execute(
            select(Obj.pk, Obj.date_added, Obj.body)
            .where(Obj.collection_id == collection_id,
                   or_(Obj.date_added > at, and_(Obj.date_added == at, Obj.pk > pk)))
            .order_by(Obj.date_added, Obj.pk).limit(limit)).all()
        return [Unindexed(r.pk, r.date_added, r.body) for r in rows]

    def add_postings(self, postings: Sequence[tuple[int, IndexedValue]]) -> None:
        rows = []
        for object_pk, value in postings:
            span = value.span
            rows.append({"object_pk": object_pk, "kind": value.kind.value, "value": value.value,
                         "value_key": value.key, "ip_lo": span[0] if span else None,
                         "ip_hi": span[1] if span else None, "is_range": value.is_range})
        if rows:
            self.s.execute(insert(P), rows)

    def advance(self, collection_id: uuid.UUID, at: datetime, pk: int) -> None:
        row = self.s.get(IntelWatermarkRow, collection_id)
        assert row is not None, "claim() first"
        row.date_added, row.object_pk = at, pk

    def backlog(self, collection_id: uuid.UUID) -> int:
        """Objects stored but not indexed yet."""
        mark = self.s.get(IntelWatermarkRow, collection_id)
        at, pk = (mark.date_added, mark.object_pk) if mark else (EPOCH, 0)
        return int(self.s.scalar(select(func.count()).select_from(Obj).where(
            Obj.collection_id == collection_id,
            or_(Obj.date_added > at, and_(Obj.date_added == at, Obj.pk > pk)))) or 0)

    def posting_count(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(P)) or 0)

    # --- reading --------------------------------------------------------------------------

    def values_of(self, object_pks: Sequence[int]) -> list[IndexedValue]:
        found: dict[IndexedValue, None] = {}
        for chunk in _chunks(sorted(set(object_pks))):
            for kind, value in self.s.execute(
                    select(P.kind, P.value).where(P.object_pk.in_(chunk))):
                found[IndexedValue(ObservableType(kind), value)] = None
        return list(found)

    def spread(self, keys: Sequence[bytes], limit: int | None = None) -> dict[bytes, int]:
        """For each key, how many distinct items (all of them, whoever may see them) carry
        it: an incident's published objects count once, any other object once. What
        over-correlation is judged on.

        With `limit`, only counts above it are exact: the postings of each key are counted
        first, from the index alone, and a key with at most `limit` postings is carried by
        at most `limit` items, so its posting count is given (on the same side of the
        limit); only the keys with more postings are counted by item, through the objects
        (a 1,000-value lookup no longer reads an object row per value to learn that)."""
        wanted = sorted(set(keys))
        counts: dict[bytes, int] = {}
        if limit is not None:
            counts = self._posting_counts(wanted)
            wanted = [key for key, n in counts.items() if n > limit]
        for chunk in _chunks(wanted):
            counts.update((key, int(n)) for key, n in self.s.execute(
                select(P.value_key,
                       func.count(distinct(func.coalesce(Obj.source_key, Obj.stix_id))))
                .join(Obj, Obj.pk == P.object_pk)
                .where(key_in(self.s, P.value_key, chunk)).group_by(P.value_key)))
        return counts

    def _posting_counts(self, keys: Sequence[bytes]) -> dict[bytes, int]:
        counts: dict[bytes, int] = {}
        for chunk in _chunks(keys):
            counts.update((key, int(n)) for key, n in self.s.execute(
                select(P.value_key, func.count()).where(key_in(self.s, P.value_key, chunk))
                .group_by(P.value_key)))
        return counts

    def busiest(self, limit: int, top: int = 100) -> list[tuple[IndexedValue, int]]:
        """The values carried by more than `limit` items (over-correlating), most first,
        with their item counts: what node admins review (values only, never the items)."""
        items = func.count(distinct(func.coalesce(Obj.source_key, Obj.stix_id)))
        rows = self.s.execute(
            select(P.kind, P.value, items.label("n")).join(Obj, Obj.pk == P.object_pk)
            .group_by(P.value_key, P.kind, P.value).having(items > limit)
            .order_by(items.desc(), P.value).limit(top))
        return [(IndexedValue(ObservableType(r.kind), r.value), int(r.n)) for r in rows]

    def matches(self, viewer: Viewer | None, asked: Sequence[IndexedValue], limit: int,
                present: Container[bytes] | None = None) -> list[Match]:
        """Every visible object version carrying a value equal to one asked, or inside an
        asked range, or a range around an asked address; at most `limit` postings.
        `present`: the keys known to have postings (from `spread`); the others are not
        looked up for equal values (still for ranges and addresses)."""
        by_key: dict[bytes, list[IndexedValue]] = {}
        for value in asked:
            if present is None or value.key in present:
                by_key.setdefault(value.key, []).append(value)
        found: list[Match] = []
        seen = _seen(viewer)
        for chunk in _chunks(list(by_key)):
            for posting, obj in self._visible(seen, key_in(self.s, P.value_key, chunk),
                                              limit):
                found += [Match(a, posting, obj) for a in by_key.get(posting.key, [])]
        found += self._containment(seen, [v for v in asked if v.span], limit)
        return found[:limit] if len(found) > limit else found

    def _containment(self, seen: ColumnElement[bool], addresses: list[IndexedValue],
                     limit: int) -> list[Match]:
        found: list[Match] = []
        for kind in {v.kind for v in addresses}:
            mine = [v for v in addresses if v.kind is kind]
            spans = [(v, *v.span) for v in mine if v.span]
            low, high = min(s[1] for s in spans), max(s[2] for s in spans)
            around = and_(P.kind == kind.value, P.is_range, P.ip_lo <= high, P.ip_hi >= low)
            # most nodes hold few ranges, often none near the asked addresses: a probe of the
            # ranges' partial index alone first (0.1 ms); the query through the objects and
            # the sharing rule cost ~5 ms on PostgreSQL even when it found nothing
            any_range = self.s.scalar(select(P.pk).where(around).limit(1)) is not None
            for posting, obj in self._visible(seen, around, limit) if any_range else []:
                assert posting.span is not None
                lo, hi = posting.span
                found += [Match(v, posting, obj) for v, a_lo, a_hi in spans
                          if lo <= a_lo and a_hi <= hi and posting != v]
            for value, a_lo, a_hi in spans:
                if a_lo == a_hi:
                    continue
                inside = and_(P.kind == kind.value, P.ip_lo >= a_lo, P.ip_lo <= a_hi,
                              P.ip_hi <= a_hi)
                found += [Match(value, posting, obj) for posting, obj in
                          self._visible(seen, inside, limit) if posting != value]
        return found

    def _visible(self, seen: ColumnElement[bool], where: ColumnElement[bool],
                 limit: int) -> list[tuple[IndexedValue, MatchedObject]]:
        rows = self.s.execute(
            select(P.kind, P.value, P.value_key, Obj.pk, Obj.stix_id, Obj.type, Obj.name, Obj.tlp,
                   Obj.owner_org_id, Obj.source_key, Obj.date_added, CollectionRow.alias)
            .join(Obj, Obj.pk == P.object_pk)
            .join(CollectionRow, CollectionRow.id == Obj.collection_id)
            .where(where, seen)
            .order_by(Obj.date_added.desc(), Obj.pk.desc()).limit(limit)).all()
        return [(stored(ObservableType(r.kind), r.value, r.value_key),
                 MatchedObject(pk=r.pk, stix_id=r.stix_id, type=r.type, name=r.name,
                               tlp=Tlp(r.tlp), owner_org_id=r.owner_org_id,
                               source_key=r.source_key, collection_alias=r.alias,
                               date_added=r.date_added)) for r in rows]

    def object_pks(self, viewer: Viewer | None, *, stix_id: str | None = None,
                   source_key: str | None = None) -> list[int]:
        """The newest visible version of an object (by id), or of every object published
        from one source (an incident), that the viewer may see."""
        stmt = select(Obj.pk).where(stix_visible(viewer), newest_visible(viewer))
        if stix_id is not None:  # through the unique index, one seek per collection
            stmt = stmt.where(Obj.collection_id.in_(select(CollectionRow.id)),
                              Obj.stix_id == stix_id)
        if source_key is not None:
            stmt = stmt.where(Obj.source_key == source_key)
        return list(self.s.scalars(stmt))
