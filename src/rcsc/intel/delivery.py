"""What leaves the node for an alert: one webhook delivery per active webhook of the
recipient organisation, one mail per user who asked for it — queued in the transaction
that stores the alert and sent later by the delivery worker (`notify.queue`), never in the
request or indexer transaction.

An alert addressed to one user (a coordinator's cross-border cluster) goes to that user's
mail only: the organisation's webhooks could reach people who may not see those items.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from rcsc.core.alerts import Alert, Channel, NewDelivery
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.alerts import AlertRepo
from rcsc.storage.repos.webhooks import WebhookRepo

if TYPE_CHECKING:
    from rcsc.intel.alerts import AlertRules


def alert_json(alert: Alert, base_url: str) -> dict[str, Any]:
    """The alert as the API, webhooks and pages show it."""
    return {"id": str(alert.id), "kind": alert.kind.value, "title": alert.title,
            "value": {"type": alert.value.kind.value, "value": alert.value.value},
            "detail": alert.detail, "org_id": str(alert.org_id),
            "user_id": str(alert.user_id) if alert.user_id else None,
            "created_at": alert.created_at.isoformat(),
            "read_at": alert.read_at.isoformat() if alert.read_at else None,
            "url": f"{base_url}/alerts"}


def webhook_body(alert: Alert, base_url: str) -> bytes:
    return orjson.dumps({"type": "rcsc.alert", "alert": alert_json(alert, base_url)})


def ping_body(webhook_id: str, at: str) -> bytes:
    return orjson.dumps({"type": "rcsc.ping", "webhook_id": webhook_id, "sent_at": at})


def mail_body(alert: Alert, base_url: str) -> bytes:
    lines = [alert.title, "", f"Value: {alert.value.value} ({alert.value.kind.value})"]
    other = alert.detail.get("other")
    if isinstance(other, dict):
        lines.append(f"Shared with: {other.get('org_name')} ({other.get('country')}), "
                     f"{other.get('kind')} \"{other.get('title')}\"")
    if alert.detail.get("countries"):
        lines.append("Countries: " + ", ".join(alert.detail["countries"]))
    lines += ["", f"Your alerts: {base_url}/alerts", "",
              "You receive this mail because you asked for alerts by mail; turn it off on "
              "the alerts page."]
    return orjson.dumps({"subject": f"[RCSC] {alert.title}", "text": "\n".join(lines)})


def fan_out(uow: UnitOfWork, alerts: Sequence[Alert], rules: AlertRules) -> int:
    """Queue the deliveries of new alerts; how many were queued."""
    hooks, people = WebhookRepo(uow.session), AlertRepo(uow.session)
    queued: list[NewDelivery] = []
    for alert in alerts:
        if alert.user_id is None:
            queued += [NewDelivery(alert.org_id, alert.id, Channel.WEBHOOK,
                                   webhook_body(alert, rules.public_base_url), webhook_id=h.id)
                       for h in hooks.of_org(alert.org_id, active_only=True)]
        if rules.mail:
            queued += [NewDelivery(alert.org_id, alert.id, Channel.MAIL,
                                   mail_body(alert, rules.public_base_url), mail_to=to)
                       for to in people.mail_addresses(alert.org_id, alert.user_id)]
    hooks.enqueue(queued, uow.clock.now())
    return len(queued)
