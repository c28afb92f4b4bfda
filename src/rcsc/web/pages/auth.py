"""Login and logout."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rcsc.accounts import auth
from rcsc.web.deps import SESSION_COOKIE, PageUser, Uow, app_state, client_addr
from rcsc.web.pages.render import check_csrf, render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only local paths, so the login form cannot bounce a user to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), email="", failed=False)


@router.post("/login")
def login(
    request: Request, uow: Uow, email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A missing CSRF token is refused like a wrong one (403), before the password is read."""
    check_csrf(request, csrf_token)
    state = app_state(request)
    result = auth.login(uow, state.login_policy, email, password, client_addr(request))
    if result is None:
        return render(request, "login.html", status_code=401, next=_safe_next(next),
                      email=email, failed=True)
    _principal, session_id = result
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, session_id, httponly=True, samesite="lax", path="/",
        secure=state.settings.secure_cookies, max_age=state.settings.session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, uow: Uow, actor: PageUser,
           csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    auth.logout(uow, actor, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
