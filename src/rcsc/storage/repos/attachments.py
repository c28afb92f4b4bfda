"""Attachment metadata. Reads join the incident and apply its sharing rule in SQL: an
attachment is seen exactly by those who see its incident."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from rcsc.core.attachments import Attachment, FileDigest
from rcsc.sharing import Viewer
from rcsc.storage.sharing_sql import incident_visible
from rcsc.storage.tables import AttachmentRow, IncidentRow


def _visible(viewer: Viewer | None) -> Select[AttachmentRow]:
    return (select(AttachmentRow)
            .join(IncidentRow, IncidentRow.id == AttachmentRow.incident_id)
            .where(incident_visible(viewer)))


class AttachmentRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, a: Attachment) -> None:
        self.s.add(AttachmentRow(
            id=a.id, incident_id=a.incident_id, filename=a.filename,
            content_type=a.content_type, size=a.digest.size, sha256=a.digest.sha256,
            sha1=a.digest.sha1, md5=a.digest.md5, is_malware=a.is_malware,
            uploaded_by=a.uploaded_by, created_at=a.created_at))

    def get(self, attachment_id: uuid.UUID, viewer: Viewer | None) -> Attachment | None:
        row = self.s.scalar(_visible(viewer).where(AttachmentRow.id == attachment_id))
        return _attachment(row) if row else None

    def for_incident(self, incident_id: uuid.UUID, viewer: Viewer | None) -> list[Attachment]:
        rows = self.s.scalars(_visible(viewer).where(AttachmentRow.incident_id == incident_id)
                              .order_by(AttachmentRow.created_at, AttachmentRow.id))
        return [_attachment(r) for r in rows]

    def referenced_blobs(self) -> set[tuple[str, bool]]:
        """`(sha256, is_malware)` of every file some attachment row names, whoever may see
        it: the blob store's garbage collector keeps exactly these (no sharing filter, so
        never hand this to a reader)."""
        rows = self.s.execute(select(AttachmentRow.sha256, AttachmentRow.is_malware).distinct())
        return {(sha256, bool(sealed)) for sha256, sealed in rows}


def _attachment(r: AttachmentRow) -> Attachment:
    return Attachment(
        id=r.id, incident_id=r.incident_id, filename=r.filename, content_type=r.content_type,
        digest=FileDigest(r.size, r.md5, r.sha1, r.sha256), is_malware=r.is_malware,
        uploaded_by=r.uploaded_by, created_at=r.created_at)
