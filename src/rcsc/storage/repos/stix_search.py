"""Searching stored STIX objects: the newest version of each object the viewer may see,
newest first, matched by name, id or any text in its JSON; the sharing rule in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from rcsc.core.exchange import ObjectHit, ObjectSearch, ObjectVersion
from rcsc.core.tlp import Tlp
from rcsc.sharing import Viewer
from rcsc.storage.sharing_sql import stix_visible
from rcsc.storage.tables import CollectionRow, StixObjectRow

Obj = StixObjectRow
_LIKE_ESCAPE = "\\"


def _like_pattern(text: str) -> str:
    """`%text%` with LIKE's own wildcards taken literally."""
    for char in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(char, _LIKE_ESCAPE + char)
    return f"%{text}%"


def newest_visible(viewer: Viewer | None, row: Any = StixObjectRow) -> ColumnElement[bool]:
    """The newest version of its object (in its collection) that this viewer may see
    (`row` may be an alias of the table)."""
    other = aliased(StixObjectRow)
    newer = exists(select(other.pk).where(
        other.collection_id == row.collection_id, other.stix_id == row.stix_id,
        other.version > row.version, stix_visible(viewer, other)))
    return or_(row.is_latest, ~newer)


def _matches(session: Session, text: str) -> ColumnElement[bool]:
    pattern = _like_pattern(text)
    # The JSON is stored as bytes: PostgreSQL compares bytea with bytea, SQLite a BLOB as
    # text. Both find the exact bytes of the text's UTF-8 form.
    raw = text.encode()
    if session.get_bind().dialect.name == "postgresql":
        in_body = func.position(literal(raw).op("IN")(Obj.body)) > 0
    else:
        in_body = func.instr(Obj.body, literal(raw)) > 0
    return or_(func.lower(Obj.name).like(pattern.lower(), escape=_LIKE_ESCAPE),
               Obj.stix_id == text, in_body)


class StixSearchRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def search(self, viewer: Viewer | None, q: ObjectSearch) -> tuple[list[ObjectHit], bool]:
        """One page of hits and whether more follow."""
        stmt = (select(Obj.pk, Obj.stix_id, Obj.type, Obj.spec_version, Obj.version,
                       Obj.date_added, Obj.body, Obj.tlp, Obj.name, CollectionRow.alias)
                .join(CollectionRow, CollectionRow.id == Obj.collection_id)
                .where(stix_visible(viewer), newest_visible(viewer)))
        if q.text:
            stmt = stmt.where(_matches(self.s, q.text))
        if q.types:
            stmt = stmt.where(Obj.type.in_(sorted(q.types)))
        if q.collection_id is not None:
            stmt = stmt.where(Obj.collection_id == q.collection_id)
        if q.before is not None:
            at, pk = q.before
            stmt = stmt.where(or_(Obj.date_added < at, and_(Obj.date_added == at, Obj.pk < pk)))
        rows = self.s.execute(stmt.order_by(Obj.date_added.desc(), Obj.pk.desc())
                              .limit(q.limit + 1)).all()
        hits = [ObjectHit(ObjectVersion(stix_id=r.stix_id, type=r.type,
                                        spec_version=r.spec_version, version=r.version,
                                        date_added=r.date_added, body=r.body, tlp=Tlp(r.tlp),
                                        pk=r.pk), r.name, r.alias) for r in rows[:q.limit]]
        return hits, len(rows) > q.limit
