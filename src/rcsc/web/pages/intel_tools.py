"""Intelligence tools: extract observables from a pasted report or an uploaded text file
and attach the picked ones to an incident; the MISP warninglists (enable or disable per
node), the local allow-lists and the over-correlating values, managed by node admins."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from rcsc.core.identity import Principal
from rcsc.core.permissions import allowed
from rcsc.errors import ValidationFailed
from rcsc.intel import allowlists, correlate, extract
from rcsc.web.deps import PageUser, Uow, app_state
from rcsc.web.pages.intel import form_errors
from rcsc.web.pages.render import check_csrf, render

router = APIRouter(prefix="/intel")
Csrf = Annotated[str, Form()]


# --- extraction -----------------------------------------------------------------------------

def _extract_page(request: Request, uow: Uow, actor: Principal, text: str = "",
                  errors: dict[str, list[str]] | None = None, status_code: int = 200,
                  found: list[extract.Found] | None = None) -> Response:
    errors = errors or {}
    attach_errors = {k: v for k, v in errors.items() if k not in ("text", "file")}
    return render(request, "intel/extract.html", status_code=status_code, text=text,
                  errors=errors, attach_errors=attach_errors, found=found)


@router.get("/extract")
def extract_form(request: Request, uow: Uow, actor: PageUser) -> Response:
    return _extract_page(request, uow, actor)


async def _read_upload(upload: UploadFile | None) -> str:
    if upload is None or not upload.filename:
        return ""
    raw = await upload.read(extract.MAX_TEXT * 4 + 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed.field("file", "must be a UTF-8 text file") from None


@router.post("/extract")
async def extract_run(request: Request, uow: Uow, actor: PageUser, csrf_token: Csrf,
                      text: Annotated[str, Form()] = "",
                      file: Annotated[UploadFile | None, File()] = None) -> Response:
    check_csrf(request, csrf_token)
    try:
        given = (text + "\n" + await _read_upload(file)).strip()
        found = extract.find(uow, actor, given)
    except ValidationFailed as exc:
        return _extract_page(request, uow, actor, text, form_errors(exc), 422)
    return _extract_page(request, uow, actor, given, found=found)


@router.post("/extract/attach")
def extract_attach(request: Request, uow: Uow, actor: PageUser, csrf_token: Csrf,
                   incident_id: Annotated[str, Form()],
                   picked: Annotated[list[str] | None, Form()] = None) -> Response:
    check_csrf(request, csrf_token)
    chosen = [dict(zip(("type", "value"), p.split(" ", 1), strict=False))
              for p in picked or []]
    try:
        target = uuid.UUID(incident_id.strip())
    except ValueError:
        return _extract_page(request, uow, actor, errors={
            "incident_id": ["is not an incident id (a UUID)"]}, status_code=422)
    try:
        extract.attach(uow, actor, target, chosen)
    except ValidationFailed as exc:
        return _extract_page(request, uow, actor, errors=form_errors(exc), status_code=422)
    return RedirectResponse(f"/incidents/{target}#observables", status_code=303)


# --- warninglists, allow-lists, over-correlating values -------------------------------------

def _lists_page(request: Request, uow: Uow, actor: Principal,
                errors: dict[str, list[str]] | None = None,
                status_code: int = 200) -> Response:
    admin = allowed(actor, allowlists.MANAGE)
    limit = app_state(request).settings.correlation_limit
    return render(request, "intel/lists.html", status_code=status_code, errors=errors or {},
                  admin=admin, warninglists=allowlists.warninglist_states(uow, actor),
                  entries=allowlists.entries(uow, actor), limit=limit,
                  busiest=correlate.over_correlating(uow, actor, limit) if admin else [])


@router.get("/lists")
def lists(request: Request, uow: Uow, actor: PageUser) -> Response:
    return _lists_page(request, uow, actor)


@router.post("/lists/allow")
def allow_add(request: Request, uow: Uow, actor: PageUser, csrf_token: Csrf,
              list_name: Annotated[str, Form(alias="list")], value: Annotated[str, Form()],
              comment: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    try:
        allowlists.add(uow, actor, list_name=list_name, value=value, comment=comment)
    except ValidationFailed as exc:
        return _lists_page(request, uow, actor, form_errors(exc), 422)
    return RedirectResponse("/intel/lists#allow-lists", status_code=303)


@router.post("/lists/allow/{entry_id}/remove")
def allow_remove(request: Request, uow: Uow, actor: PageUser, csrf_token: Csrf,
                 entry_id: int) -> Response:
    check_csrf(request, csrf_token)
    allowlists.remove(uow, actor, entry_id)
    return RedirectResponse("/intel/lists#allow-lists", status_code=303)


@router.post("/lists/warninglists")
def warninglist_switch(request: Request, uow: Uow, actor: PageUser, csrf_token: Csrf,
                       name: Annotated[str, Form()],
                       enabled: Annotated[bool, Form()] = False) -> Response:
    check_csrf(request, csrf_token)
    allowlists.set_warninglist(uow, actor, name, enabled)
    return RedirectResponse("/intel/lists#warninglists", status_code=303)

