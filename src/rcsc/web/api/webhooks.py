"""Webhooks (`/api/v1/webhooks`), for the admins of an organisation: create (the secret is
in this one answer only), list, delete, send a test, and the delivery history (failed
deliveries included, mail too)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from rcsc.core.alerts import Delivery, Webhook
from rcsc.intel import webhooks
from rcsc.web.deps import ApiUser, Uow, app_state

router = APIRouter(tags=["alerts"])


def _json(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code,
                    media_type="application/json", headers={"Cache-Control": "no-store"})


def webhook_json(h: Webhook) -> dict[str, Any]:
    return {"id": str(h.id), "url": h.url, "description": h.description, "active": h.active,
            "created_at": h.created_at.isoformat()}


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {"id": str(d.id), "channel": d.channel.value,
            "webhook_id": str(d.webhook_id) if d.webhook_id else None,
            "alert_id": str(d.alert_id) if d.alert_id else None, "mail_to": d.mail_to,
            "status": d.status.value, "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at.isoformat(), "last_error": d.last_error,
            "last_status_code": d.last_status_code, "created_at": d.created_at.isoformat(),
            "finished_at": d.finished_at.isoformat() if d.finished_at else None}


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"url": "https://soc.cert.example/rcsc-alerts", "description": "SOAR intake"}]})

    url: str = Field(description="where alerts are POSTed (http or https)")
    description: str = ""


@router.post("/webhooks", summary="Create a webhook", status_code=status.HTTP_201_CREATED,
             description="The answer carries the webhook's signing `secret`, shown this once; "
                         "see docs/correlation.md for how a receiver verifies a delivery.")
def create_webhook(uow: Uow, actor: ApiUser, request: Request, body: WebhookIn) -> Response:
    key = app_state(request).settings.effective_secret_key
    hook, secret = webhooks.create(uow, actor, key, url=body.url,
                                   description=body.description)
    return _json({**webhook_json(hook), "secret": secret}, status.HTTP_201_CREATED)


@router.get("/webhooks", summary="The organisation's webhooks")
def list_webhooks(uow: Uow, actor: ApiUser) -> Response:
    return _json({"items": [webhook_json(h) for h in webhooks.list_mine(uow, actor)]})


@router.get("/alerts/deliveries", summary="The organisation's deliveries",
            description="Webhook and mail deliveries, newest first; `failed` ones ran out "
                        "of attempts.")
def all_deliveries(uow: Uow, actor: ApiUser,
                   limit: int = Query(default=100, ge=1, le=webhooks.MAX_HISTORY)) -> Response:
    return _json({"items": [delivery_json(d) for d in webhooks.history(uow, actor, None,
                                                                        limit)]})


@router.delete("/webhooks/{webhook_id}", summary="Delete a webhook",
               status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(uow: Uow, actor: ApiUser, webhook_id: uuid.UUID) -> Response:
    webhooks.remove(uow, actor, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/webhooks/{webhook_id}/test", summary="Send a test delivery",
             status_code=status.HTTP_202_ACCEPTED,
             description="Queues a signed `rcsc.ping`; its outcome shows in the history.")
def test_webhook(uow: Uow, actor: ApiUser, webhook_id: uuid.UUID) -> Response:
    return _json(delivery_json(webhooks.send_test(uow, actor, webhook_id)),
                 status.HTTP_202_ACCEPTED)


@router.get("/webhooks/{webhook_id}/deliveries", summary="A webhook's delivery history")
def webhook_deliveries(uow: Uow, actor: ApiUser, webhook_id: uuid.UUID,
                       limit: int = Query(default=100, ge=1,
                                          le=webhooks.MAX_HISTORY)) -> Response:
    return _json({"items": [delivery_json(d) for d in webhooks.history(uow, actor, webhook_id,
                                                                        limit)]})
