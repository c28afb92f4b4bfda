"""Files attached to players' answers and to injects: upload (streamed multipart, like
incident evidence), list, download (and, for an unreleased inject's files, delete). An
answer's file is read by the answering team and the white cell only; an inject's file by
whoever may read the inject. Downloads are never rendered inline (see
`api.attachments.DOWNLOAD_HEADERS`)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from rcsc.core.exercises import InjectAttachment, ResponseAttachment
from rcsc.core.identity import Principal
from rcsc.errors import FieldError, ValidationFailed
from rcsc.exercises import attachments, inject_files
from rcsc.storage import Database
from rcsc.storage.blobs import BlobWriter
from rcsc.web.api.attachments import DOWNLOAD_HEADERS, _receive, blob_store
from rcsc.web.api.exercise_schemas import InjectAttachmentOut, ResponseAttachmentOut
from rcsc.web.api.exercises import EXERCISE, PROBLEMS
from rcsc.web.deps import ApiUser, StreamingApiUser, Uow, app_state
from rcsc.web.uploads import StreamingUpload, Upload

router = APIRouter(tags=["exercises"], responses=PROBLEMS)
FILES = EXERCISE + "/responses/{response_id}/attachments"
FILE_SCHEMA = {"type": "object", "required": ["file"],
               "properties": {"file": {"type": "string", "format": "binary"}}}
FILE_BODY: dict[str, Any] = {"requestBody": {
    "required": True, "content": {"multipart/form-data": {"schema": FILE_SCHEMA}}}}


def _check(db: Database, actor: Principal, exercise_id: uuid.UUID,
           response_id: uuid.UUID) -> None:
    with db.transaction(readonly=True) as uow:
        attachments.check_upload(uow, actor, exercise_id, response_id)


def _record(db: Database, actor: Principal, exercise_id: uuid.UUID, response_id: uuid.UUID,
            upload: Upload) -> ResponseAttachment:
    with db.transaction() as uow:
        return attachments.add(uow, actor, exercise_id, response_id, upload.blob,
                               filename=upload.filename, content_type=upload.content_type)


@router.post(FILES, response_model=ResponseAttachmentOut, status_code=status.HTTP_201_CREATED,
             openapi_extra=FILE_BODY)
async def upload(request: Request, exercise_id: uuid.UUID, response_id: uuid.UUID,
                 actor: StreamingApiUser) -> ResponseAttachmentOut:
    """Attach a file to an answer of the actor's team. Refused (404/403) before the body is
    read; streamed to the blob store with no transaction open, then recorded."""
    state = app_state(request)
    await run_in_threadpool(_check, state.db, actor, exercise_id, response_id)
    received = await _receive_no_malware(
        request, "a malware sample goes in an exercise incident, not an answer")
    made = await run_in_threadpool(_record, state.db, actor, exercise_id, response_id,
                                   received)
    return ResponseAttachmentOut.of(made)


async def _receive_no_malware(request: Request, why: str) -> Upload:
    """Stream the request's one file to the blob store (the attachment size limit); a file
    flagged as a malware sample is refused with `why` (exercise files are handed to people)."""
    store = blob_store(request)
    limit = app_state(request).settings.max_attachment_bytes

    def open_writer(filename: str | None, is_malware: bool) -> BlobWriter:
        if is_malware:
            raise ValidationFailed(FieldError("is_malware", why))
        return store.writer(limit)

    return await _receive(request, StreamingUpload(
        request.headers.get("content-type", ""), open_writer))


@router.get(FILES, response_model=list[ResponseAttachmentOut])
def list_files(exercise_id: uuid.UUID, response_id: uuid.UUID, uow: Uow,
               actor: ApiUser) -> list[ResponseAttachmentOut]:
    return [ResponseAttachmentOut.of(a)
            for a in attachments.list_for(uow, actor, exercise_id, [response_id])]


@router.get(EXERCISE + "/attachments/{attachment_id}/download", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download(request: Request, exercise_id: uuid.UUID, attachment_id: uuid.UUID, uow: Uow,
             actor: ApiUser) -> FileResponse:
    found = attachments.download(uow, blob_store(request), actor, exercise_id, attachment_id)
    return FileResponse(found.path, media_type=found.media_type,
                        filename=found.attachment.filename,
                        content_disposition_type="attachment", headers=DOWNLOAD_HEADERS)


# --- files handed out with an inject ---------------------------------------------------------

INJECT_FILES = EXERCISE + "/injects/{inject_id}/attachments"


def _check_inject(db: Database, actor: Principal, exercise_id: uuid.UUID,
                  inject_id: uuid.UUID) -> None:
    with db.transaction(readonly=True) as uow:
        inject_files.check_upload(uow, actor, exercise_id, inject_id)


def _record_inject(db: Database, actor: Principal, exercise_id: uuid.UUID,
                   inject_id: uuid.UUID, upload: Upload) -> InjectAttachment:
    with db.transaction() as uow:
        return inject_files.add(uow, actor, exercise_id, inject_id, upload.blob,
                                filename=upload.filename, content_type=upload.content_type)


@router.post(INJECT_FILES, response_model=InjectAttachmentOut,
             status_code=status.HTTP_201_CREATED, openapi_extra=FILE_BODY)
async def upload_to_inject(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID,
                           actor: StreamingApiUser) -> InjectAttachmentOut:
    """Attach a file to an unreleased inject (trusted-agent planners and controllers).
    Refused (404/403/409) before the body is read; streamed, then recorded."""
    state = app_state(request)
    await run_in_threadpool(_check_inject, state.db, actor, exercise_id, inject_id)
    received = await _receive_no_malware(
        request, "a malware sample is not handed out with an inject")
    made = await run_in_threadpool(_record_inject, state.db, actor, exercise_id, inject_id,
                                   received)
    return InjectAttachmentOut.of(made)


@router.get(INJECT_FILES, response_model=list[InjectAttachmentOut])
def list_inject_files(exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
                      actor: ApiUser) -> list[InjectAttachmentOut]:
    """The inject's files, for whoever may read the inject (404 otherwise)."""
    return [InjectAttachmentOut.of(a)
            for a in inject_files.list_for(uow, actor, exercise_id, inject_id)]


@router.delete(INJECT_FILES + "/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_inject_file(exercise_id: uuid.UUID, inject_id: uuid.UUID,
                       attachment_id: uuid.UUID, uow: Uow, actor: ApiUser) -> Response:
    inject_files.remove(uow, actor, exercise_id, inject_id, attachment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(INJECT_FILES + "/{attachment_id}/download", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download_inject_file(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID,
                         attachment_id: uuid.UUID, uow: Uow, actor: ApiUser) -> FileResponse:
    found = inject_files.download(uow, blob_store(request), actor, exercise_id, inject_id,
                                  attachment_id)
    return FileResponse(found.path, media_type=found.media_type,
                        filename=found.attachment.filename,
                        content_disposition_type="attachment", headers=DOWNLOAD_HEADERS)
