"""Files attached to players' answers: rows naming blobs of the evidence store. Who may
read one is decided by the exercise service (the responding team and the white cell);
this repository only stores and finds them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from rcsc.core.attachments import FileDigest
from rcsc.core.exercises import ResponseAttachment
from rcsc.storage.exercise_tables import ResponseAttachmentRow

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
        """`(sha256, sealed)` of every file a row names, for the blob garbage collector
        (never sealed: answers' files are evidence, not malware samples)."""
        return {(sha256, False) for sha256 in self.s.scalars(select(Row.sha256).distinct())}


def _attachment(r: Row) -> ResponseAttachment:
    return ResponseAttachment(
        id=r.id, response_id=r.response_id, exercise_id=r.exercise_id, team=r.team,
        filename=r.filename, content_type=r.content_type,
        digest=FileDigest(r.size, r.md5, r.sha1, r.sha256), uploaded_by=r.uploaded_by,
        created_at=r.created_at)
