"""Evidence files on incidents: logs, captures, malware samples.

Only the reporting organisation attaches files. Everyone who may see the incident may list
and download them, nobody else (the same 404 as for nothing at all); every download is
audited. The bytes live in the blob store; each file's hashes (and its name) become
observables of the incident, so a sample seen by two countries correlates like any other
indicator.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rcsc.accounts.audit import record
from rcsc.core.attachments import Attachment, clean_content_type, clean_filename
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.incidents import Incident, ObservableRole
from rcsc.core.observables import ObservableType
from rcsc.core.permissions import Action, require
from rcsc.errors import NotFound, ValidationFailed
from rcsc.incidents import observables
from rcsc.incidents.service import editable, get, viewer_for
from rcsc.storage import Database, UnitOfWork
from rcsc.storage.blobs import BlobStore, StoredBlob, SweptFile

SAMPLE_MEDIA_TYPE = "application/zip"
EVIDENCE_MEDIA_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    path: Path
    media_type: str  # never the type the uploader declared: a download is never rendered


def check_upload(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID) -> Incident:
    """Refuse an upload (404 / 403) before a byte of it is received."""
    return editable(uow, actor, incident_id, None)


def add(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID, blob: StoredBlob, *,
        filename: str | None, content_type: str | None = None) -> Attachment:
    """Record a file already in the blob store and turn its hashes into observables."""
    editable(uow, actor, incident_id, None)
    if blob.digest.size == 0:
        raise ValidationFailed.field("file", "is empty")
    attachment = Attachment(
        id=uuid.uuid4(), incident_id=incident_id, filename=clean_filename(filename),
        content_type=clean_content_type(content_type), digest=blob.digest,
        is_malware=blob.sealed, uploaded_by=actor.user_id, created_at=uow.clock.now())
    uow.attachments.add(attachment)
    _observe(uow, actor, attachment)
    record(uow, actor, _event("attachment.create", attachment))
    return attachment


def _observe(uow: UnitOfWork, actor: Principal, a: Attachment) -> None:
    """A sample's hashes and name are indicators; an evidence file's are context."""
    role = ObservableRole.IOC if a.is_malware else ObservableRole.CONTEXT
    what = "malware sample" if a.is_malware else "evidence file"
    values = [(ObservableType.MD5, a.digest.md5), (ObservableType.SHA1, a.digest.sha1),
              (ObservableType.SHA256, a.digest.sha256), (ObservableType.FILENAME, a.filename)]
    for kind, value in values:
        observables.add(uow, actor, a.incident_id, type=kind.value, value=value,
                        role=role.value, comment=f"{what} {a.filename} (attachment {a.id})")


def list_for(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID) -> list[Attachment]:
    get(uow, actor, incident_id)  # 404 unless the incident itself is visible
    return uow.attachments.for_incident(incident_id, viewer_for(uow, actor))


def download(uow: UnitOfWork, blobs: BlobStore, actor: Principal,
             attachment_id: uuid.UUID) -> Download:
    require(actor, Action.INCIDENT_READ)
    attachment = uow.attachments.get(attachment_id, viewer_for(uow, actor))
    if attachment is None:
        raise NotFound("attachment", attachment_id)
    path = blobs.path(attachment.digest.sha256, sealed=attachment.is_malware)
    if not path.is_file():
        raise NotFound("attachment content (missing from the blob store)", attachment_id)
    record(uow, actor, _event("attachment.download", attachment))
    media = SAMPLE_MEDIA_TYPE if attachment.is_malware else EVIDENCE_MEDIA_TYPE
    return Download(attachment, path, media)


def collect_garbage(db: Database, blobs: BlobStore, actor: Principal, *, grace: timedelta,
                    dry_run: bool = False) -> list[SweptFile]:
    """Remove blobs no attachment row names and stale temporary files, each older than
    `grace`; audited. The rows are read first and the files judged after, with no write
    lock held meanwhile; a row committed in between names a file that `grace` (and the
    store's touch on a repeated upload) keeps young, so it is never swept."""
    require(actor, Action.BLOBS_MANAGE)
    if grace < timedelta(0):
        raise ValidationFailed.field("grace", "must not be negative")
    with db.transaction(readonly=True) as uow:
        referenced = uow.attachments.referenced_blobs() | uow.exercises.files.referenced_blobs()
        cutoff = uow.clock.now() - grace
    swept = blobs.sweep(referenced, older_than=cutoff, dry_run=dry_run)
    with db.transaction() as uow:
        record(uow, actor, AuditEvent("blobs.gc", object_type="blobs", detail={
            "dry_run": dry_run, "grace_seconds": int(grace.total_seconds()),
            "files": len(swept), "bytes": sum(x.size for x in swept)}))
    return swept


def _event(action: str, a: Attachment) -> AuditEvent:
    return AuditEvent(action, object_type="attachment", object_id=str(a.id), detail={
        "incident_id": str(a.incident_id), "sha256": a.digest.sha256, "size": a.digest.size,
        "is_malware": a.is_malware})
