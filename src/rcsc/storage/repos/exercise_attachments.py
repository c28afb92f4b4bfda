"""Files attached to players' answers and to injects: rows naming blobs of the evidence
store. Who may read one is decided by the exercise service (for an answer's file the
responding team and the white cell; for an inject's file whoever may read the inject);
these repositories only store and find them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from rcsc.core.attachments import FileDigest
from rcsc.core.exercises import InjectAttachment, ResponseAttachment
from rcsc.storage.exercise_tables import InjectAttachmentRow, ResponseAttachmentRow

Row = ResponseAttachmentRow


class ExerciseAttachmentRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, a: ResponseAttachment) -> None:
        d = a.digest
        self.s.add(Row(id=a.id, response_id=a.response_id, exercise_id=a.exercise_id,
                       team=a.team, filename=a.filename, content_type=a.content_type,
                       size=d.size, md5=d.md5, sha1=d.sha1, sha256=d.sha256,
                       uploaded_by=a.uploaded_by, created_at=a.created_at))
        self.s.flush()

    def get(self, attachment_id: uuid.UUID) -> ResponseAttachment | None:
        row = self.s.get(Row, attachment_id)
        return _attachment(row) if row is not None else None

    def of_responses(self, response_ids: Sequence[uuid.UUID]) -> list[ResponseAttachment]:
        if not response_ids:
            return []
        rows = self.s.scalars(select(Row).where(Row.response_id.in_(response_ids))
                              .order_by(Row.created_at, Row.id))
        return [_attachment(r) for r in rows]

    def referenced_blobs(self) -> set[tuple[str, bool]]:
        """`(sha256, sealed)` of every file an answer's or an inject's row names, for the
        blob garbage collector (never sealed: these files are evidence, not malware)."""
        names = set(self.s.scalars(select(Row.sha256).distinct()))
        names |= set(self.s.scalars(select(InjectAttachmentRow.sha256).distinct()))
        return {(sha256, False) for sha256 in names}


def _attachment(r: Row) -> ResponseAttachment:
    return ResponseAttachment(
        id=r.id, response_id=r.response_id, exercise_id=r.exercise_id, team=r.team,
        filename=r.filename, content_type=r.content_type,
        digest=FileDigest(r.size, r.md5, r.sha1, r.sha256), uploaded_by=r.uploaded_by,
        created_at=r.created_at)


IRow = InjectAttachmentRow


class InjectAttachmentRepo:
    """Files of injects. Rows are read and written with Core statements (never through the
    session's identity map), so an MSEL import can delete the injects (the rows cascade)
    and write the carried-over rows back with the same ids in one transaction."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, a: InjectAttachment) -> None:
        self.s.execute(insert(IRow).values(**_inject_fields(a)))

    def restore(self, found: Sequence[InjectAttachment]) -> None:
        if found:
            self.s.execute(insert(IRow), [_inject_fields(a) for a in found])

    def get(self, attachment_id: uuid.UUID) -> InjectAttachment | None:
        row = self.s.execute(select(IRow.__table__).where(IRow.id == attachment_id)).first()
        return _inject_attachment(row) if row is not None else None

    def of_injects(self, inject_ids: Sequence[uuid.UUID]) -> list[InjectAttachment]:
        if not inject_ids:
            return []
        return self._many(IRow.inject_id.in_(inject_ids))

    def of_exercise(self, exercise_id: uuid.UUID) -> list[InjectAttachment]:
        return self._many(IRow.exercise_id == exercise_id)

    def _many(self, where: Any) -> list[InjectAttachment]:
        rows = self.s.execute(select(IRow.__table__).where(where)
                              .order_by(IRow.created_at, IRow.filename, IRow.id))
        return [_inject_attachment(r) for r in rows]

    def delete(self, attachment_id: uuid.UUID) -> None:
        self.s.execute(delete(IRow).where(IRow.id == attachment_id))


def _inject_fields(a: InjectAttachment) -> dict[str, Any]:
    d = a.digest
    return dict(id=a.id, inject_id=a.inject_id, exercise_id=a.exercise_id,
                filename=a.filename, content_type=a.content_type, size=d.size, md5=d.md5,
                sha1=d.sha1, sha256=d.sha256, uploaded_by=a.uploaded_by,
                created_at=a.created_at)


def _inject_attachment(r: Any) -> InjectAttachment:
    return InjectAttachment(
        id=r.id, inject_id=r.inject_id, exercise_id=r.exercise_id, filename=r.filename,
        content_type=r.content_type, digest=FileDigest(r.size, r.md5, r.sha1, r.sha256),
        uploaded_by=r.uploaded_by, created_at=r.created_at)
