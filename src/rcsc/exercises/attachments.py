"""Files a player attaches to an answer: a log, a screenshot, a report.

They are stored like incident evidence (the content-addressed blob store, size-limited,
never served inline) and read by the responding team and the exercise's white cell
(controllers and evaluators) only: another team answering the same inject must not see
how this one did, so for anyone else a file is a 404, like one that does not exist. Every
upload and download is audited. Malware samples belong in an exercise incident, whose
attachments are sealed; an answer's file is always plain evidence.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from rcsc.accounts.audit import record
from rcsc.core.attachments import clean_content_type, clean_filename
from rcsc.core.exercises import Exercise, ExerciseRole, Response, ResponseAttachment
from rcsc.core.identity import AuditEvent, Principal
from rcsc.errors import NotFound, ValidationFailed
from rcsc.exercises import service
from rcsc.exercises.play import PLAYING
from rcsc.storage import UnitOfWork
from rcsc.storage.blobs import BlobStore, StoredBlob

WHITE_CELL = (ExerciseRole.CONTROLLER, ExerciseRole.EVALUATOR)
MEDIA_TYPE = "application/octet-stream"  # a download is never rendered


@dataclass(frozen=True)
class Download:
    attachment: ResponseAttachment
    path: Path
    media_type: str


def may_read(exercise: Exercise, actor: Principal, a: ResponseAttachment) -> bool:
    """The white cell, the responding team, and the uploader."""
    if actor.user_id is None:
        return False
    if exercise.roles_of(actor.user_id) & set(WHITE_CELL) or a.uploaded_by == actor.user_id:
        return True
    return bool(a.team) and a.team in exercise.teams_of(actor.user_id)


def check_upload(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                 response_id: uuid.UUID) -> tuple[Exercise, Response]:
    """Refuse (404 / 403) before a byte is received: only a player of the answering team
    (or its author) attaches to an answer."""
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, *PLAYING, action="exercise.respond")
    response = uow.exercises.response(response_id)
    teams = exercise.teams_of(actor.user_id) if actor.user_id else frozenset()
    if response is None or response.exercise_id != exercise.id or not (
            response.user_id == actor.user_id or (response.team and response.team in teams)):
        raise NotFound("response", response_id)
    return exercise, response


def add(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID, response_id: uuid.UUID,
        blob: StoredBlob, *, filename: str | None,
        content_type: str | None = None) -> ResponseAttachment:
    """Record a file already in the blob store."""
    exercise, response = check_upload(uow, actor, exercise_id, response_id)
    if blob.digest.size == 0:
        raise ValidationFailed.field("file", "is empty")
    assert actor.user_id is not None
    attachment = ResponseAttachment(
        id=uuid.uuid4(), response_id=response.id, exercise_id=exercise.id,
        team=response.team, filename=clean_filename(filename),
        content_type=clean_content_type(content_type), digest=blob.digest,
        uploaded_by=actor.user_id, created_at=uow.clock.now())
    uow.exercises.files.add(attachment)
    record(uow, actor, _event("exercise.response.attachment.create", attachment))
    return attachment


def list_for(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
             response_ids: list[uuid.UUID]) -> list[ResponseAttachment]:
    """The files of these answers that the actor may read."""
    exercise = service.get(uow, actor, exercise_id)
    return [a for a in uow.exercises.files.of_responses(response_ids)
            if a.exercise_id == exercise.id and may_read(exercise, actor, a)]


def download(uow: UnitOfWork, blobs: BlobStore, actor: Principal, exercise_id: uuid.UUID,
             attachment_id: uuid.UUID) -> Download:
    exercise = service.get(uow, actor, exercise_id)
    attachment = uow.exercises.files.get(attachment_id)
    if (attachment is None or attachment.exercise_id != exercise.id
            or not may_read(exercise, actor, attachment)):
        raise NotFound("attachment", attachment_id)
    path = blobs.path(attachment.digest.sha256, sealed=False)
    if not path.is_file():
        raise NotFound("attachment content (missing from the blob store)", attachment_id)
    record(uow, actor, _event("exercise.response.attachment.download", attachment))
    return Download(attachment, path, MEDIA_TYPE)


def _event(action: str, a: ResponseAttachment) -> AuditEvent:
    return AuditEvent(action, object_type="exercise", object_id=str(a.exercise_id), detail={
        "attachment": str(a.id), "response": str(a.response_id), "team": a.team,
        "sha256": a.digest.sha256, "size": a.digest.size})
