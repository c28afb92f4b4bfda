"""The admin page of peer nodes: their sync status and last error, add, enable or disable,
remove, and "sync now" (which runs in transactions of its own, as the API's does)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rcsc.accounts import organisations
from rcsc.exchange import peers, sync
from rcsc.web.deps import PageUser, StreamingPageUser, Uow, app_state
from rcsc.web.pages.render import check_csrf, render

router = APIRouter(prefix="/admin")
CsrfField = Annotated[str, Form()]
RUNS = 20


def _back() -> Response:
    return RedirectResponse("/admin/peers", status_code=303)




@router.get("/peers")
def peer_list(request: Request, uow: Uow, actor: PageUser) -> Response:
    found = peers.list_all(uow, actor)
    return render(request, "admin/peers.html", peers=found,
                  organisations=organisations.list_all(uow, actor),
                  runs=peers.runs(uow, actor, None, RUNS))


@router.post("/peers")
def peer_add(request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
             name: Annotated[str, Form()], url: Annotated[str, Form()],
             token: Annotated[str, Form()], org_id: Annotated[uuid.UUID, Form()],
             interval_minutes: Annotated[int, Form()] = 15) -> Response:
    check_csrf(request, csrf_token)
    peers.add(uow, actor, app_state(request).settings.effective_secret_key, name=name,
              url=url, token=token, org_id=org_id, interval_minutes=interval_minutes)
    return _back()


@router.post("/peers/{name}/enabled")
def peer_enable(request: Request, uow: Uow, actor: PageUser, name: str,
                csrf_token: CsrfField, enabled: Annotated[bool, Form()] = False) -> Response:
    check_csrf(request, csrf_token)
    peers.update(uow, actor, app_state(request).settings.effective_secret_key, name,
                 enabled=enabled)
    return _back()


@router.post("/peers/{name}/remove")
def peer_remove(request: Request, uow: Uow, actor: PageUser, name: str,
                csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    peers.remove(uow, actor, name)
    return _back()


@router.post("/peers/{name}/sync")
def peer_sync(request: Request, actor: StreamingPageUser, name: str,
              csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    state = app_state(request)
    sync.run(state.db, state.settings, actor, name)
    return _back()
