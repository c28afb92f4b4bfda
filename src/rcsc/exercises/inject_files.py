"""Files handed to the players with an inject: the scanned letter, the ransom note, the
log excerpt the story gives them.

Planners (trusted agents) and controllers attach them while designing; they are stored like
incident evidence (the content-addressed blob store, size-limited, never served inline).
Who may read a file is exactly who may read the inject's text (`msel.get_inject`): the
scenario circle always, a player or observer only once the inject is released and, for a
player, addressed to their team. For anyone else, and for a player before the release, a
file is a 404, like one that does not exist, so nothing about the scenario leaks. Once the
inject is released its files are part of the record: no upload, no removal (409). Every
upload, removal and download is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rcsc.accounts.audit import record
from rcsc.core.attachments import clean_content_type, clean_filename
from rcsc.core.exercises import Exercise, Inject, InjectAttachment
from rcsc.core.identity import AuditEvent, Principal
from rcsc.errors import Conflict, NotFound, ValidationFailed
from rcsc.exercises import msel, service
from rcsc.storage import UnitOfWork
from rcsc.storage.blobs import BlobStore, StoredBlob

MEDIA_TYPE = "application/octet-stream"  # a download is never rendered


@dataclass(frozen=True)
class Download:
    attachment: InjectAttachment
    path: Path
    media_type: str


def check_upload(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                 inject_id: uuid.UUID) -> tuple[Exercise, Inject]:
    """Refuse before a byte is received: 404 unless the actor may see the inject, 403
    unless they write the MSEL, 409 once the inject is released."""
    exercise = msel.writable(uow, actor, exercise_id)
    inject = msel.get_inject(uow, actor, exercise, inject_id)
    _unreleased(inject)
    return exercise, inject


def _unreleased(inject: Inject) -> None:
    if inject.released:
        raise Conflict(f"inject {inject.number} has been released: its files are part of "
                       "the record and can no longer be added or removed")


def add(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID, inject_id: uuid.UUID,
        blob: StoredBlob, *, filename: str | None,
        content_type: str | None = None) -> InjectAttachment:
    """Record a file already in the blob store (checked again in this transaction: the
    clock may have released the inject while the file streamed in)."""
    exercise, inject = check_upload(uow, actor, exercise_id, inject_id)
    if blob.digest.size == 0:
        raise ValidationFailed.field("file", "is empty")
    assert actor.user_id is not None
    attachment = InjectAttachment(
        id=uuid.uuid4(), inject_id=inject.id, exercise_id=exercise.id,
        filename=clean_filename(filename), content_type=clean_content_type(content_type),
        digest=blob.digest, uploaded_by=actor.user_id, created_at=uow.clock.now())
    uow.exercises.inject_files.add(attachment)
    record(uow, actor, _event("exercise.inject.attachment.create", inject, attachment))
    return attachment


def remove(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID, inject_id: uuid.UUID,
           attachment_id: uuid.UUID) -> None:
    """Take a file off an unreleased inject (the blob goes with the garbage collector)."""
    _, inject = check_upload(uow, actor, exercise_id, inject_id)
    attachment = uow.exercises.inject_files.get(attachment_id)
    if attachment is None or attachment.inject_id != inject.id:
        raise NotFound("attachment", attachment_id)
    uow.exercises.inject_files.delete(attachment.id)
    record(uow, actor, _event("exercise.inject.attachment.delete", inject, attachment))


def list_for(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
             inject_id: uuid.UUID) -> list[InjectAttachment]:
    """The files of one inject, if the actor may read the inject (404 otherwise)."""
    exercise = service.get(uow, actor, exercise_id)
    inject = msel.get_inject(uow, actor, exercise, inject_id)
    return uow.exercises.inject_files.of_injects([inject.id])


def of_visible(uow: UnitOfWork, injects: Sequence[Inject]) -> list[InjectAttachment]:
    """The files of injects the caller has already checked the actor may read (the
    inbox and the console pass what `msel.visible_injects` gave them)."""
    return uow.exercises.inject_files.of_injects([i.id for i in injects])


def download(uow: UnitOfWork, blobs: BlobStore, actor: Principal, exercise_id: uuid.UUID,
             inject_id: uuid.UUID, attachment_id: uuid.UUID) -> Download:
    exercise = service.get(uow, actor, exercise_id)
    try:
        inject = msel.get_inject(uow, actor, exercise, inject_id)
    except NotFound:  # the same answer as for a file that does not exist
        raise NotFound("attachment", attachment_id) from None
    attachment = uow.exercises.inject_files.get(attachment_id)
    if attachment is None or attachment.inject_id != inject.id:
        raise NotFound("attachment", attachment_id)
    path = blobs.path(attachment.digest.sha256, sealed=False)
    if not path.is_file():
        raise NotFound("attachment content (missing from the blob store)", attachment_id)
    record(uow, actor, _event("exercise.inject.attachment.download", inject, attachment))
    return Download(attachment, path, MEDIA_TYPE)


def _event(action: str, inject: Inject, a: InjectAttachment) -> AuditEvent:
    return AuditEvent(action, object_type="exercise", object_id=str(a.exercise_id), detail={
        "attachment": str(a.id), "inject": inject.number, "filename": a.filename,
        "sha256": a.digest.sha256, "size": a.digest.size})
