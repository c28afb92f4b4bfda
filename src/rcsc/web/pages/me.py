"""The signed-in user's own pages: home, account preferences and password, API tokens."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rcsc.accounts import organisations, tokens, users
from rcsc.accounts.validate import SUPPORTED_LOCALES
from rcsc.core.identity import ApiToken, Scope, scopes_allowed
from rcsc.web.deps import PageUser, Uow, app_state
from rcsc.web.pages.render import check_csrf, render

router = APIRouter()
CsrfField = Annotated[str, Form()]


@router.get("/")
def home(request: Request, uow: Uow, actor: PageUser) -> Response:
    org = uow.orgs.get(actor.org_id) if actor.org_id else None
    return render(request, "home.html", organisation=org,
                  organisations=organisations.list_all(uow, actor))


@router.get("/account")
def account(request: Request, uow: Uow, actor: PageUser, saved: str | None = None) -> Response:
    user = users.get(uow, actor, actor.user_id)  # type: ignore[arg-type]
    return render(request, "account.html", account=user, locales=SUPPORTED_LOCALES,
                  saved=saved)


@router.post("/account")
def save_account(
    request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
    timezone: Annotated[str, Form()], locale: Annotated[str, Form()],
) -> Response:
    check_csrf(request, csrf_token)
    users.update_own_preferences(uow, actor, timezone=timezone, locale=locale)
    return RedirectResponse("/account?saved=preferences", status_code=303)


@router.post("/account/password")
def change_password(
    request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
    current_password: Annotated[str, Form()], new_password: Annotated[str, Form()],
) -> Response:
    check_csrf(request, csrf_token)
    users.change_own_password(uow, actor, current=current_password, new=new_password)
    return RedirectResponse("/account?saved=password", status_code=303)


@router.get("/tokens")
def token_list(request: Request, uow: Uow, actor: PageUser) -> Response:
    return _tokens_page(request, uow, actor, created=None, secret=None)


def _tokens_page(request: Request, uow: Uow, actor: PageUser, *, created: ApiToken | None,
                 secret: str | None, status_code: int = 200) -> Response:
    return render(request, "tokens.html", status_code=status_code,
                  tokens=tokens.list_for(uow, actor, actor.user_id),
                  scopes=sorted(scopes_allowed(actor.roles)), created=created, secret=secret,
                  default_days=app_state(request).settings.token_default_days)


@router.post("/tokens")
def token_create(
    request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
    name: Annotated[str, Form()], expires_days: Annotated[int | None, Form()] = None,
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    token, secret = tokens.create(
        uow, actor, user_id=actor.user_id,  # type: ignore[arg-type]
        name=name, scopes=scopes or [Scope.READ.value],
        expires_days=expires_days or app_state(request).settings.token_default_days,
    )
    # The secret is shown in this response only; it is not stored anywhere in clear.
    return _tokens_page(request, uow, actor, created=token, secret=secret, status_code=201)


@router.post("/tokens/{token_id}/revoke")
def token_revoke(request: Request, uow: Uow, actor: PageUser, token_id: uuid.UUID,
                 csrf_token: CsrfField, back: Annotated[str, Form()] = "/tokens") -> Response:
    check_csrf(request, csrf_token)
    tokens.revoke(uow, actor, token_id)
    return RedirectResponse("/admin/tokens" if back == "/admin/tokens" else "/tokens",
                            status_code=303)
