"""Pages to import a file (with its report: created, updated, unchanged, rejected and why)
and to export a collection. The import runs in transactions of its own (one per file, or per
event of a MISP feed), so the viewer is authenticated in a short transaction first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rcsc.core.identity import Principal
from rcsc.errors import ValidationFailed
from rcsc.exchange import collections
from rcsc.exchange.files import export
from rcsc.exchange.files.formats import IMPORT_FORMATS
from rcsc.exchange.files.importer import Options
from rcsc.web.api.exchange_files import run_import
from rcsc.web.deps import PageUser, StreamingPageUser, Uow, app_state
from rcsc.web.i18n import gettext as _
from rcsc.web.pages.render import check_csrf, render

router = APIRouter()
MAX_FORM_FIELDS = 10




def _choices(request: Request, actor: Principal) -> dict[str, Any]:
    with app_state(request).db.transaction(readonly=True) as uow:
        found = [a.collection for a in collections.visible_to(uow, actor)]
    return dict(formats=IMPORT_FORMATS, export_formats=export.EXPORT_FORMATS,
                collections=found)


@router.get("/exchange/import")
async def import_form(request: Request, actor: StreamingPageUser) -> Response:
    choices = await run_in_threadpool(_choices, request, actor)
    return render(request, "exchange/import.html", report=None, errors={},
                  chosen={"format": "auto", "collection": collections.SHARED, "atomic": True},
                  **choices)


def _text(form: Any, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


@router.post("/exchange/import")
async def import_upload(request: Request, actor: StreamingPageUser) -> Response:
    async with request.form(max_files=1, max_fields=MAX_FORM_FIELDS) as form:
        check_csrf(request, _text(form, "csrf_token"))
        fmt = _text(form, "format") or "auto"
        collection = _text(form, "collection") or collections.SHARED
        atomic = _text(form, "atomic") == "on"
        upload = form.get("file")
        name = upload.filename if isinstance(upload, UploadFile) else None
        data = await upload.read() if isinstance(upload, UploadFile) else b""
    chosen = {"format": fmt, "collection": collection, "atomic": atomic}
    page = {"chosen": chosen, **await run_in_threadpool(_choices, request, actor)}
    if not data:
        return render(request, "exchange/import.html", status_code=422, report=None,
                      errors={"file": [_("choose a file to import")]}, **page)
    state = app_state(request)
    try:
        report = await run_in_threadpool(
            run_import, state.db, actor, name or "upload", data, fmt,
            Options(collection=collection, atomic=atomic),
            state.settings.taxii_max_content_length)
    except ValidationFailed as exc:
        return render(request, "exchange/import.html", status_code=422, report=None,
                      errors={e.field: [e.message] for e in exc.errors}, **page)
    refused = not report.ok and not any(f.written for f in report.files)
    return render(request, "exchange/import.html", status_code=422 if refused else 200,
                  report=report, errors={}, **page)


@router.get("/exchange/export")
async def export_form(request: Request, actor: StreamingPageUser) -> Response:
    choices = await run_in_threadpool(_choices, request, actor)
    return render(request, "exchange/export.html", errors={}, chosen={
        "format": "stix", "collection": collections.SHARED, "type": "", "added_after": ""},
        **choices)


def _after(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.field("added_after", f"{text!r} is not a date and time") \
            from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@router.get("/exchange/export/download")
def export_download(request: Request, uow: Uow, actor: PageUser, format: str = "stix",
                    collection: str = collections.SHARED, type: str = "",
                    added_after: str = "") -> Response:
    """The file, streamed (audited as `intel.export`); bad choices show the form again."""
    chosen = {"format": format, "collection": collection, "type": type,
              "added_after": added_after}
    try:
        wanted = export.ExportRequest(
            format=format, collection=collection, added_after=_after(added_after.strip()),
            types=frozenset(t.strip() for t in type.split(",") if t.strip()))
        stream = export.export(uow, app_state(request).db, actor, wanted)
    except ValidationFailed as exc:
        found = [a.collection for a in collections.visible_to(uow, actor)]
        return render(request, "exchange/export.html", status_code=422,
                      errors={e.field: [e.message] for e in exc.errors}, chosen=chosen,
                      formats=IMPORT_FORMATS, export_formats=export.EXPORT_FORMATS,
                      collections=found)
    return StreamingResponse(stream, media_type=export.MEDIA_TYPES[format], headers={
        "Content-Disposition": f'attachment; filename="rcsc-{collection}.'
                               f'{export.SUFFIXES[format]}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
