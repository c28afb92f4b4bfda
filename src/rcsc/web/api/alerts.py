"""Alerts (`/api/v1/alerts`): the inbox of the caller's organisation (and the caller's own
cross-border cluster alerts), marking read, opting in to mail; and the cross-border
clusters the caller may see (`/api/v1/intel/clusters`)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from rcsc.core.alerts import AlertKind, Cluster
from rcsc.intel import alert_inbox, clusters
from rcsc.intel.delivery import alert_json
from rcsc.web.deps import ApiUser, Uow, app_state

router = APIRouter(tags=["alerts"])


def _json(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code,
                    media_type="application/json", headers={"Cache-Control": "no-store"})


def _base(request: Request) -> str:
    return app_state(request).settings.public_base_url


@router.get("/alerts", summary="The caller's alerts",
            description="Alerts of the caller's organisation (a value shared with another "
                        "organisation's item, both sides able to see each other's) and the "
                        "caller's own cross-border cluster alerts (coordinators), newest "
                        "first. `next` is the cursor of the following page.")
def list_alerts(uow: Uow, actor: ApiUser, request: Request, unread: bool = False,
                kind: AlertKind | None = None, cursor: str = "",
                limit: int = Query(default=alert_inbox.DEFAULT_LIMIT, ge=1,
                                   le=alert_inbox.MAX_LIMIT)) -> Response:
    page = alert_inbox.inbox(uow, actor, unread=unread, kind=kind, cursor=cursor, limit=limit)
    return _json({"items": [alert_json(a, _base(request)) for a in page.items],
                  "next": page.next})


@router.get("/alerts/unread", summary="How many alerts are unread",
            description="A small answer for polling (the alerts page's live update).")
def unread_alerts(uow: Uow, actor: ApiUser) -> Response:
    return _json({"unread": alert_inbox.unread_count(uow, actor)})


@router.post("/alerts/{alert_id}/read", summary="Mark an alert read",
             description="For everyone of the organisation (idempotent).")
def read_alert(uow: Uow, actor: ApiUser, request: Request, alert_id: uuid.UUID) -> Response:
    return _json(alert_json(alert_inbox.mark_read(uow, actor, alert_id), _base(request)))


class AlertMailIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"enabled": True}]})

    enabled: bool = Field(description="send me my organisation's alerts by mail")


@router.get("/alerts/mail", summary="Whether the caller gets alerts by mail")
def get_mail(uow: Uow, actor: ApiUser) -> Response:
    return _json({"enabled": alert_inbox.wants_mail(uow, actor)})


@router.put("/alerts/mail", summary="Opt in or out of alerts by mail",
            description="Mail is sent only when the node has an SMTP server configured.")
def put_mail(uow: Uow, actor: ApiUser, body: AlertMailIn) -> Response:
    alert_inbox.set_mail(uow, actor, body.enabled)
    return _json({"enabled": body.enabled})


def _cluster(c: Cluster) -> dict[str, Any]:
    return {"value": {"type": c.value.kind.value, "value": c.value.value},
            "countries": list(c.countries), "items": c.items,
            "first_seen": c.first_seen.isoformat(), "last_seen": c.last_seen.isoformat()}


@router.get("/intel/clusters", summary="Cross-border clusters",
            description="Values carried by items of at least two countries added within "
                        "the last `window_days` days, counting only items the caller may "
                        "see; warninglisted and allow-listed values are left out.")
def list_clusters(uow: Uow, actor: ApiUser,
                  window_days: int = Query(default=clusters.DEFAULT_WINDOW_DAYS, ge=1, le=365),
                  limit: int = Query(default=50, ge=1, le=clusters.MAX_LIMIT)) -> Response:
    found = clusters.recent_clusters(uow, actor, window_days=window_days, limit=limit)
    return _json({"items": [_cluster(c) for c in found]})
