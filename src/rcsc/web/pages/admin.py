"""Admin pages: organisations, users, communities, all tokens, the audit log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from rcsc.accounts import audit, communities, organisations, tokens, users
from rcsc.accounts.validate import SUPPORTED_LOCALES
from rcsc.core.identity import OrgKind, Outcome, Role
from rcsc.core.permissions import Action, require
from rcsc.storage.repos.audit import AuditFilter
from rcsc.web.deps import PageUser, Uow, app_state
from rcsc.web.pages.render import check_csrf, render

router = APIRouter(prefix="/admin")
CsrfField = Annotated[str, Form()]
PAGE = 100


def _back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


@router.get("/organisations")
def org_list(request: Request, uow: Uow, actor: PageUser) -> Response:
    require(actor, Action.ORG_MANAGE)
    return render(request, "admin/organisations.html",
                  organisations=organisations.list_all(uow, actor), kinds=list(OrgKind))


@router.post("/organisations")
def org_create(request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
               name: Annotated[str, Form()], country: Annotated[str, Form()],
               kind: Annotated[str, Form()]) -> Response:
    check_csrf(request, csrf_token)
    organisations.create(uow, actor, name=name, country=country, kind=kind)
    return _back("/admin/organisations")


@router.get("/organisations/{org_id}")
def org_edit(request: Request, uow: Uow, actor: PageUser, org_id: uuid.UUID) -> Response:
    require(actor, Action.ORG_MANAGE)
    return render(request, "admin/organisation.html",
                  org=organisations.get(uow, actor, org_id), kinds=list(OrgKind),
                  members=users.list_all(uow, actor, org_id))


@router.post("/organisations/{org_id}")
def org_update(request: Request, uow: Uow, actor: PageUser, org_id: uuid.UUID,
               csrf_token: CsrfField, name: Annotated[str, Form()],
               country: Annotated[str, Form()], kind: Annotated[str, Form()]) -> Response:
    check_csrf(request, csrf_token)
    organisations.update(uow, actor, org_id, name=name, country=country, kind=kind)
    return _back("/admin/organisations")


@router.get("/users")
def user_list(request: Request, uow: Uow, actor: PageUser) -> Response:
    require(actor, Action.USER_MANAGE)
    orgs = organisations.list_all(uow, actor)
    return render(request, "admin/users.html", users=users.list_all(uow, actor),
                  organisations=orgs, org_names={o.id: o.name for o in orgs},
                  roles=list(Role), locales=SUPPORTED_LOCALES)


@router.post("/users")
def user_create(
    request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
    email: Annotated[str, Form()], name: Annotated[str, Form()],
    org_id: Annotated[uuid.UUID, Form()], roles: Annotated[list[str], Form()],
    password: Annotated[str, Form()] = "", timezone: Annotated[str, Form()] = "Europe/Vilnius",
) -> Response:
    check_csrf(request, csrf_token)
    users.create(uow, actor, email=email, name=name, org_id=org_id, roles=roles,
                 password=password or None, timezone=timezone)
    return _back("/admin/users")


@router.get("/users/{user_id}")
def user_edit(request: Request, uow: Uow, actor: PageUser, user_id: uuid.UUID) -> Response:
    require(actor, Action.USER_MANAGE)
    return render(request, "admin/user.html", account=users.get(uow, actor, user_id),
                  organisations=organisations.list_all(uow, actor), roles=list(Role),
                  locales=SUPPORTED_LOCALES)


@router.post("/users/{user_id}")
def user_update(
    request: Request, uow: Uow, actor: PageUser, user_id: uuid.UUID, csrf_token: CsrfField,
    name: Annotated[str, Form()], org_id: Annotated[uuid.UUID, Form()],
    roles: Annotated[list[str], Form()], timezone: Annotated[str, Form()],
    locale: Annotated[str, Form()], active: Annotated[bool, Form()] = False,
    password: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    users.update(uow, actor, user_id, name=name, org_id=org_id, roles=roles,
                 timezone=timezone, locale=locale, active=active)
    if password:
        users.set_password(uow, actor, user_id, password)
    return _back("/admin/users")


@router.get("/communities")
def community_list(request: Request, uow: Uow, actor: PageUser) -> Response:
    require(actor, Action.COMMUNITY_MANAGE)
    orgs = organisations.list_all(uow, actor)
    return render(request, "admin/communities.html",
                  communities=communities.list_all(uow, actor), organisations=orgs,
                  org_names={o.id: o.name for o in orgs})


@router.post("/communities")
def community_create(
    request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
    name: Annotated[str, Form()], description: Annotated[str, Form()] = "",
    member_ids: Annotated[list[uuid.UUID] | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    communities.create(uow, actor, name=name, description=description,
                       member_ids=member_ids or [])
    return _back("/admin/communities")


@router.post("/communities/{community_id}")
def community_update(
    request: Request, uow: Uow, actor: PageUser, community_id: uuid.UUID,
    csrf_token: CsrfField, name: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
    member_ids: Annotated[list[uuid.UUID] | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    current = communities.get(uow, actor, community_id)
    members = current.member_ids if current.is_default else (member_ids or [])
    communities.update(uow, actor, community_id, name=name, description=description,
                       member_ids=members)
    return _back("/admin/communities")


@router.get("/tokens")
def token_list(request: Request, uow: Uow, actor: PageUser) -> Response:
    everyone = users.list_all(uow, actor)
    return render(request, "admin/tokens.html", tokens=tokens.list_for(uow, actor, None),
                  emails={u.id: u.email for u in everyone})


def _audit_filter(action: str | None, actor_email: str | None,
                  outcome: str | None) -> AuditFilter:
    valid = {o.value for o in Outcome}
    return AuditFilter(action=action or None, actor=actor_email or None,
                       outcome=Outcome(outcome) if outcome in valid else None)


@router.get("/audit")
def audit_page(request: Request, uow: Uow, actor: PageUser, action: str | None = None,
               actor_email: str | None = None, outcome: str | None = None,
               before_id: int | None = None) -> Response:
    f = _audit_filter(action, actor_email, outcome)
    entries = audit.query(uow, actor, f, limit=PAGE, before_id=before_id)
    return render(request, "admin/audit.html", entries=entries, action=action or "",
                  actor_email=actor_email or "", outcome=outcome or "",
                  outcomes=[o.value for o in Outcome],
                  next_before_id=entries[-1].id if len(entries) == PAGE else None)


@router.get("/audit/export")
def audit_export(request: Request, uow: Uow, actor: PageUser, format: str = "csv",
                 action: str | None = None, actor_email: str | None = None,
                 outcome: str | None = None) -> Response:
    f = _audit_filter(action, actor_email, outcome)
    stream = audit.export(uow, app_state(request).db, actor, f, format)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/jsonl"
    return StreamingResponse(stream, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="rcsc-audit.{format}"'})
