"""Evidence files: upload (streamed multipart), list, download.

Downloads are always `Content-Disposition: attachment`, `application/octet-stream` (a
malware sample: `application/zip`, password `infected`) with `nosniff` and a sandboxing
CSP, so no browser ever renders an uploaded file inline.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from rcsc.core.attachments import MALWARE_ZIP_PASSWORD, Attachment, clean_filename
from rcsc.core.identity import Principal
from rcsc.incidents import attachments
from rcsc.storage import Database
from rcsc.storage.blobs import BLOB_DIR, BlobStore, BlobWriter
from rcsc.web.deps import ApiUser, StreamingApiUser, Uow, app_state
from rcsc.web.uploads import StreamingUpload, Upload

router = APIRouter(tags=["attachments"])
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",  # marked data stays out of shared caches
}
UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {
            "is_malware": {
                "type": "boolean", "default": False,
                "description": "a malware sample: stored and served only inside a zip "
                               f"encrypted with the password `{MALWARE_ZIP_PASSWORD}`; "
                               "must come before `file`"},
            "file": {"type": "string", "format": "binary"},
        }}}}}}


class HashesOut(BaseModel):
    md5: str
    sha1: str
    sha256: str


class AttachmentOut(BaseModel):
    id: uuid.UUID
    incident_id: uuid.UUID
    filename: str
    content_type: str
    size: int
    hashes: HashesOut
    is_malware: bool
    zip_password: str | None
    uploaded_by: uuid.UUID | None
    created_at: datetime
    download_url: str

    @classmethod
    def of(cls, a: Attachment) -> AttachmentOut:
        d = a.digest
        return cls(
            id=a.id, incident_id=a.incident_id, filename=a.filename,
            content_type=a.content_type, size=d.size,
            hashes=HashesOut(md5=d.md5, sha1=d.sha1, sha256=d.sha256),
            is_malware=a.is_malware,
            zip_password=MALWARE_ZIP_PASSWORD if a.is_malware else None,
            uploaded_by=a.uploaded_by, created_at=a.created_at,
            download_url=f"/api/v1/attachments/{a.id}/download")


def blob_store(request: Request) -> BlobStore:
    return BlobStore(app_state(request).settings.data_dir / BLOB_DIR)


def _check(db: Database, actor: Principal, incident_id: uuid.UUID) -> None:
    with db.transaction(readonly=True) as uow:
        attachments.check_upload(uow, actor, incident_id)


def _record(db: Database, actor: Principal, incident_id: uuid.UUID,
            upload: Upload) -> Attachment:
    with db.transaction() as uow:
        return attachments.add(uow, actor, incident_id, upload.blob,
                               filename=upload.filename, content_type=upload.content_type)


async def _receive(request: Request, upload: StreamingUpload) -> Upload:
    try:
        async for chunk in request.stream():
            if chunk:
                await run_in_threadpool(upload.feed, chunk)
        return await run_in_threadpool(upload.finish)
    finally:
        upload.abort()  # a no-op once the file was committed


@router.post("/incidents/{incident_id}/attachments", response_model=AttachmentOut,
             status_code=status.HTTP_201_CREATED, openapi_extra=UPLOAD_BODY)
async def upload_attachment(request: Request, incident_id: uuid.UUID,
                            actor: StreamingApiUser) -> AttachmentOut:
    """Attach a file. Refused (404/403) before the body is read; streamed to the blob
    store with no database transaction open, then recorded in one transaction."""
    state = app_state(request)
    await run_in_threadpool(_check, state.db, actor, incident_id)
    store, limit = blob_store(request), state.settings.max_attachment_bytes

    def open_writer(filename: str | None, is_malware: bool) -> BlobWriter:
        return store.writer(limit, seal_as=clean_filename(filename) if is_malware else None)

    upload = StreamingUpload(request.headers.get("content-type", ""), open_writer)
    received = await _receive(request, upload)
    attachment = await run_in_threadpool(_record, state.db, actor, incident_id, received)
    return AttachmentOut.of(attachment)


@router.get("/incidents/{incident_id}/attachments", response_model=list[AttachmentOut])
def list_attachments(incident_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[AttachmentOut]:
    return [AttachmentOut.of(a) for a in attachments.list_for(uow, actor, incident_id)]


@router.get("/attachments/{attachment_id}/download", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {},
                                         "application/zip": {}}}})
def download_attachment(request: Request, attachment_id: uuid.UUID, uow: Uow,
                        actor: ApiUser) -> FileResponse:
    found = attachments.download(uow, blob_store(request), actor, attachment_id)
    return FileResponse(found.path, media_type=found.media_type,
                        filename=found.attachment.download_name,
                        content_disposition_type="attachment", headers=DOWNLOAD_HEADERS)

