"""Request dependencies: one unit of work per request, and the principal behind it."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from rcsc.accounts import auth
from rcsc.core.identity import Principal
from rcsc.errors import AuthenticationRequired
from rcsc.storage import UnitOfWork
from rcsc.web.state import AppState

SESSION_COOKIE = "rcsc_session"


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.rcsc
    return state


def _uow(request: Request) -> Iterator[UnitOfWork]:
    """The request's one transaction: committed when the endpoint returns, rolled back
    (with nothing written) when it raises."""
    with app_state(request).db.transaction() as uow:
        yield uow


Uow = Annotated[UnitOfWork, Depends(_uow, scope="function")]


def client_addr(request: Request) -> str | None:
    return request.client.host if request.client else None


def _credentials(request: Request) -> tuple[str, str | None]:
    """(token, e-mail for HTTP Basic or None) from the Authorization header."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value, None
    if scheme.lower() == "basic" and value:
        try:
            email, sep, token = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationRequired("malformed HTTP Basic credentials") from None
        if sep and email and token:
            request.state.claimed_identity = email
            return token, email
        raise AuthenticationRequired("HTTP Basic needs the e-mail and a token")
    raise AuthenticationRequired(
        "send `Authorization: Bearer <token>` (or HTTP Basic with your e-mail and a token)"
    )


def api_principal(request: Request, uow: Uow) -> Principal:
    token, email = _credentials(request)
    principal = auth.authenticate_token(uow, token, client_addr(request), email)
    request.state.principal = principal
    return principal


ApiUser = Annotated[Principal, Depends(api_principal)]


def page_principal(request: Request, uow: Uow) -> Principal:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise AuthenticationRequired("please log in")
    principal = auth.session_principal(uow, session_id, client_addr(request))
    request.state.principal = principal
    return principal


PageUser = Annotated[Principal, Depends(page_principal)]


def api_principal_own_transaction(request: Request) -> Principal:
    """The principal, authenticated in a short transaction of its own: for endpoints that
    stream a long body (uploads), which must not hold a database transaction meanwhile."""
    token, email = _credentials(request)
    with app_state(request).db.transaction() as uow:
        principal = auth.authenticate_token(uow, token, client_addr(request), email)
    request.state.principal = principal
    return principal


StreamingApiUser = Annotated[Principal, Depends(api_principal_own_transaction)]


def page_principal_own_transaction(request: Request) -> Principal:
    """The session's principal, checked in a short transaction of its own: for pages that
    stream a long body or do long work (uploads, a peer sync), which must not hold a
    database transaction meanwhile (on SQLite it would hold the write lock)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise AuthenticationRequired("please log in")
    with app_state(request).db.transaction() as uow:
        principal = auth.session_principal(uow, session_id, client_addr(request))
    request.state.principal = principal
    return principal


StreamingPageUser = Annotated[Principal, Depends(page_principal_own_transaction)]
