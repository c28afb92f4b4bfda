"""Imports and exports of files: `POST /api/v1/exchange/imports` (multipart `file`) and
`GET /api/v1/exchange/export`. The work is `rcsc.exchange.files`; this module parses the
request and serialises the answer.

An import runs in transactions of its own (one per file, or per event of a MISP feed), so
the caller is authenticated in a short transaction first, never holding one meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from rcsc.core.clock import as_utc
from rcsc.core.identity import Principal
from rcsc.errors import FieldError, ValidationFailed
from rcsc.exchange.collections import SHARED
from rcsc.exchange.files import export, sources
from rcsc.exchange.files.formats import IMPORT_FORMATS, parse_format
from rcsc.exchange.files.importer import Options
from rcsc.exchange.files.report import ImportReport
from rcsc.storage import Database
from rcsc.web.deps import ApiUser, StreamingApiUser, Uow, app_state


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {}}}


router = APIRouter(tags=["exchange"], responses={
    401: _problem("no valid credentials"),
    403: _problem("a role or token scope is missing"),
    404: _problem("no such collection"),
    422: _problem("invalid input: `errors` names every bad object, row or field")})
ImportFormat = Literal["auto", "stix", "misp", "misp-feed", "csv"]
assert set(ImportFormat.__args__) == set(IMPORT_FORMATS)  # type: ignore[attr-defined]


def rejected_problem(report: ImportReport) -> ValidationFailed:
    """Nothing of the upload was stored: 422 naming each bad object, row or field."""
    errors = [FieldError(r.where, r.reason) for f in report.files for r in f.rejected]
    return ValidationFailed(errors, detail=f"the file was rejected and nothing was stored: "
                                           f"{errors[0].field}: {errors[0].message}"
                            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))


def run_import(db: Database, actor: Principal, name: str, data: bytes, fmt: str,
               options: Options, max_unpacked: int) -> ImportReport:
    units = sources.units_of(name, data, parse_format(fmt), max_unpacked=max_unpacked)
    return sources.run(db, actor, units, options)


@router.post("/exchange/imports")
def import_file(
    request: Request, actor: StreamingApiUser,
    file: Annotated[UploadFile, File(description="a STIX 2.1 bundle, MISP event JSON, a zip "
                                                 "of a MISP feed, or CSV (docs/files.md)")],
    format: Annotated[ImportFormat, Form(description="auto: told by the content")] = "auto",
    collection: Annotated[str, Form(max_length=64)] = SHARED,
    atomic: Annotated[bool, Form(description="a file with any bad object stores nothing")]
        = True,
) -> dict[str, Any]:
    """Import one file; the report counts what was created, updated, unchanged and
    rejected (with reasons). A file of which nothing could be stored is a 422."""
    state = app_state(request)
    data = file.file.read()
    if not data:
        raise ValidationFailed.field("file", "is empty")
    report = run_import(state.db, actor, file.filename or "upload", data, format,
                        Options(collection=collection, atomic=atomic),
                        state.settings.taxii_max_content_length)
    if not report.ok and not any(f.written for f in report.files):
        raise rejected_problem(report)
    return report.as_json()


@router.get("/exchange/export", response_class=StreamingResponse, responses={200: {
    "description": "every matching object the caller may see, oldest first",
    "content": {media: {} for media in export.MEDIA_TYPES.values()}}})
def export_file(
    request: Request, uow: Uow, actor: ApiUser,
    type: Annotated[list[str], Query(default_factory=list,
                                     description="STIX type; repeatable (any of them)")],
    format: Literal["stix", "misp", "csv", "values"] = "stix",
    collection: Annotated[str, Query(max_length=64)] = SHARED,
    added_after: Annotated[datetime | None, Query(description="added after this time")] = None,
) -> StreamingResponse:
    """Stream a STIX bundle, one MISP event, CSV or one value a line (audited as
    `intel.export`); the sharing rule applies to every object."""
    wanted = export.ExportRequest(format=format, collection=collection,
                                  types=frozenset(type),
                                  added_after=as_utc(added_after) if added_after else None)
    stream = export.export(uow, app_state(request).db, actor, wanted)
    return StreamingResponse(stream, media_type=export.MEDIA_TYPES[format], headers={
        "Content-Disposition": f'attachment; filename="rcsc-{collection}.'
                               f'{export.SUFFIXES[format]}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

