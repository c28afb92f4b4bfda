"""The alerts inbox (with a live unread count: a small script polls `/alerts/unread.json`;
the page works without it) and the webhook page of an organisation's admins (the secret of
a new webhook is shown on the page that answers its creation, and never again)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rcsc.core.alerts import AlertKind
from rcsc.intel import alert_inbox, webhooks
from rcsc.web.deps import PageUser, Uow, app_state
from rcsc.web.pages.render import check_csrf, render

router = APIRouter()
CsrfField = Annotated[str, Form()]
HISTORY = 50


@router.get("/alerts")
def inbox_page(request: Request, uow: Uow, actor: PageUser, unread: bool = False,
               kind: AlertKind | None = None, cursor: str = "") -> Response:
    page = alert_inbox.inbox(uow, actor, unread=unread, kind=kind, cursor=cursor)
    next_link = None
    if page.next:
        next_link = "/alerts?" + urlencode({"unread": "true" if unread else "",
                                            "kind": kind.value if kind else "",
                                            "cursor": page.next})
    return render(request, "alerts/inbox.html", alerts=page.items, next_link=next_link,
                  unread=unread, kind=kind.value if kind else "",
                  unread_count=alert_inbox.unread_count(uow, actor),
                  wants_mail=alert_inbox.wants_mail(uow, actor),
                  mail_enabled=bool(app_state(request).settings.smtp_host),
                  poll_ms=int(app_state(request).settings.alerts_poll_seconds * 1000))


@router.get("/alerts/unread.json")
def unread_json(uow: Uow, actor: PageUser) -> Response:
    body = orjson.dumps({"unread": alert_inbox.unread_count(uow, actor)})
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.post("/alerts/{alert_id}/read")
def read(request: Request, uow: Uow, actor: PageUser, alert_id: uuid.UUID,
         csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    alert_inbox.mark_read(uow, actor, alert_id)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/mail")
def mail(request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
         enabled: Annotated[bool, Form()] = False) -> Response:
    check_csrf(request, csrf_token)
    alert_inbox.set_mail(uow, actor, enabled)
    return RedirectResponse("/alerts", status_code=303)


def _webhook_page(request: Request, uow: Uow, actor: PageUser,
                  new_secret: str | None = None, status_code: int = 200) -> Response:
    return render(request, "alerts/webhooks.html", status_code=status_code,
                  webhooks=webhooks.list_mine(uow, actor), new_secret=new_secret,
                  deliveries=webhooks.history(uow, actor, None, HISTORY))


@router.get("/alerts/webhooks")
def webhook_list(request: Request, uow: Uow, actor: PageUser) -> Response:
    return _webhook_page(request, uow, actor)


@router.post("/alerts/webhooks")
def webhook_add(request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
                url: Annotated[str, Form()],
                description: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    _hook, secret = webhooks.create(uow, actor, app_state(request).settings.effective_secret_key,
                                    url=url, description=description)
    return _webhook_page(request, uow, actor, new_secret=secret, status_code=201)


@router.post("/alerts/webhooks/{webhook_id}/remove")
def webhook_remove(request: Request, uow: Uow, actor: PageUser, webhook_id: uuid.UUID,
                   csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    webhooks.remove(uow, actor, webhook_id)
    return RedirectResponse("/alerts/webhooks", status_code=303)


@router.post("/alerts/webhooks/{webhook_id}/test")
def webhook_test(request: Request, uow: Uow, actor: PageUser, webhook_id: uuid.UUID,
                 csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    webhooks.send_test(uow, actor, webhook_id)
    return RedirectResponse("/alerts/webhooks", status_code=303)
