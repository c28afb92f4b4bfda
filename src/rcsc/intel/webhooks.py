"""Webhook subscriptions, managed by an organisation's admins: create (the secret is shown
once, then kept only encrypted), list, remove, send a test (queued like any delivery) and
read the delivery history, failures included. Every change is audited."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from rcsc.accounts.audit import record
from rcsc.core.alerts import Channel, Delivery, NewDelivery, Webhook
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.permissions import Action, require
from rcsc.errors import NotFound, ValidationFailed
from rcsc.intel.delivery import ping_body
from rcsc.notify import webhooks as signing
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.webhooks import WebhookRepo

MAX_URL = 500
MAX_HISTORY = 500


def _admin_org(actor: Principal) -> uuid.UUID:
    require(actor, Action.ORG_MANAGE)
    if actor.org_id is None:
        raise ValidationFailed.field("org_id", "webhooks belong to organisations; this "
                                               "account has none")
    return actor.org_id


def _url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed.field("url", f"{url[:100]!r} is not an absolute http(s) URL "
                                            "such as https://soc.example.org/rcsc-alerts")
    if parts.username or parts.password:
        raise ValidationFailed.field("url", "must not carry credentials; the signature "
                                            "authenticates the node")
    if len(url) > MAX_URL:
        raise ValidationFailed.field("url", f"at most {MAX_URL} characters")
    return url


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > 200:
        raise ValidationFailed.field("description", "at most 200 characters")
    return text


def create(uow: UnitOfWork, actor: Principal, secret_key: str, *, url: str,
           description: str = "") -> tuple[Webhook, str]:
    """The new webhook and its secret (shown this once: only its encrypted form is kept)."""
    org_id = _admin_org(actor)
    hook = Webhook(id=uuid.uuid4(), org_id=org_id, url=_url(url),
                   description=_description(description), active=True,
                   created_by=actor.user_id, created_at=uow.clock.now())
    secret = signing.new_secret()
    WebhookRepo(uow.session).add(hook, signing.seal(secret_key, secret))
    record(uow, actor, AuditEvent("webhook.create", object_type="webhook",
                                  object_id=str(hook.id), detail={"url": hook.url}))
    return hook, secret


def list_mine(uow: UnitOfWork, actor: Principal) -> list[Webhook]:
    return WebhookRepo(uow.session).of_org(_admin_org(actor))


def get(uow: UnitOfWork, actor: Principal, webhook_id: uuid.UUID) -> Webhook:
    """One of the actor's organisation's webhooks; another's is not found."""
    org_id = _admin_org(actor)
    hook = WebhookRepo(uow.session).get(webhook_id)
    if hook is None or hook.org_id != org_id:
        raise NotFound("webhook", str(webhook_id))
    return hook


def remove(uow: UnitOfWork, actor: Principal, webhook_id: uuid.UUID) -> None:
    hook = get(uow, actor, webhook_id)
    WebhookRepo(uow.session).remove(hook.id)
    record(uow, actor, AuditEvent("webhook.remove", object_type="webhook",
                                  object_id=str(hook.id), detail={"url": hook.url}))


def send_test(uow: UnitOfWork, actor: Principal, webhook_id: uuid.UUID) -> Delivery:
    """Queue a signed `rcsc.ping`; the delivery worker sends it like any alert."""
    hook = get(uow, actor, webhook_id)
    repo = WebhookRepo(uow.session)
    now = uow.clock.now()
    (delivery_id,) = repo.enqueue([NewDelivery(hook.org_id, None, Channel.WEBHOOK,
                                               ping_body(str(hook.id), now.isoformat()),
                                               webhook_id=hook.id)], now)
    record(uow, actor, AuditEvent("webhook.test", object_type="webhook",
                                  object_id=str(hook.id)))
    found = repo.get_delivery(delivery_id)
    assert found is not None
    return found


def history(uow: UnitOfWork, actor: Principal, webhook_id: uuid.UUID | None = None,
            limit: int = 100) -> list[Delivery]:
    """The organisation's deliveries (of one webhook, or all, mail included), newest first."""
    org_id = _admin_org(actor)
    if webhook_id is not None:
        get(uow, actor, webhook_id)
    if not 1 <= limit <= MAX_HISTORY:
        raise ValidationFailed.field("limit", f"between 1 and {MAX_HISTORY}")
    return WebhookRepo(uow.session).history(org_id, webhook_id, limit)
