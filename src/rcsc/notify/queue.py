"""Draining the delivery queue: claim what is due, send it outside any transaction, write
the outcome. A receiver that answers anything but 2xx, times out or cannot be reached is
tried again after an exponential backoff with jitter, until the last attempt marks the
delivery `failed` (shown to the organisation's admins). Nothing here runs in the transaction
of the write that raised the alert, so a dead receiver never loses or blocks that write.
"""

from __future__ import annotations

import logging
import random
import smtplib
from dataclasses import dataclass
from datetime import timedelta

import httpx
import orjson

from rcsc.config import Settings
from rcsc.core.alerts import Channel, DeliveryStatus, DueDelivery
from rcsc.notify import mail, webhooks
from rcsc.storage import Database
from rcsc.storage.repos.webhooks import WebhookRepo

log = logging.getLogger("rcsc.notify")
LEASE = timedelta(minutes=5)  # longer than any one send may take
BATCH = 50
MAX_DELAY = 6 * 3600.0  # seconds: the longest wait between two attempts


def backoff(attempts: int, base: float, rnd: random.Random) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: base × 2^(attempts-1), at
    most six hours, scaled by a random factor in [0.5, 1) so receivers that failed together
    are not all retried in the same second."""
    delay = min(MAX_DELAY, base * 2.0 ** max(0, attempts - 1))
    return delay * (0.5 + rnd.random() / 2)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""


def _send_webhook(due: DueDelivery, settings: Settings, now: float) -> Outcome:
    if due.url is None or due.sealed_secret is None:
        return Outcome(False, error="the webhook no longer exists")
    secret = webhooks.unseal(settings.effective_secret_key, due.sealed_secret)
    sent = webhooks.headers(secret, str(due.delivery.id), int(now), due.body)
    try:
        code = webhooks.post(due.url, due.body, sent, settings.webhook_timeout_seconds)
    except httpx.HTTPError as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}")
    return Outcome(200 <= code < 300, code, "" if 200 <= code < 300 else f"HTTP {code}")


def _send_mail(due: DueDelivery, settings: Settings) -> Outcome:
    config = mail.config_of(settings)
    if config is None:
        return Outcome(False, error="mail is disabled (RCSC_SMTP_HOST is not set)")
    content = orjson.loads(due.body)
    try:
        mail.send(config, due.delivery.mail_to or "", content["subject"], content["text"])
    except (OSError, smtplib.SMTPException) as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}")
    return Outcome(True)


def send(due: DueDelivery, settings: Settings, now: float) -> Outcome:
    """Send one claimed delivery (`now`: Unix seconds, the signature's timestamp)."""
    try:
        if due.delivery.channel is Channel.WEBHOOK:
            return _send_webhook(due, settings, now)
        return _send_mail(due, settings)
    except Exception as exc:  # one bad message must not stop the others
        log.exception("delivery %s failed unexpectedly", due.delivery.id)
        return Outcome(False, error=f"{type(exc).__name__}: {exc}")


def deliver_due(db: Database, settings: Settings, rnd: random.Random | None = None,
                limit: int = BATCH) -> int:
    """Send every delivery due now (at most `limit`); how many were attempted."""
    rnd = rnd or random.Random()  # noqa: S311 - jitter, not a secret
    now = db.clock.now()
    with db.transaction() as uow:
        claimed = WebhookRepo(uow.session).claim_due(now, now + LEASE, limit)
    for due in claimed:
        outcome = send(due, settings, db.clock.now().timestamp())
        _record(db, settings, due, outcome, rnd)
    return len(claimed)


def _record(db: Database, settings: Settings, due: DueDelivery, outcome: Outcome,
            rnd: random.Random) -> None:
    now = db.clock.now()
    attempts = due.delivery.attempts
    if outcome.ok:
        status, next_at = DeliveryStatus.DELIVERED, None
    elif attempts >= settings.alert_max_attempts:
        status, next_at = DeliveryStatus.FAILED, None
        log.warning("delivery %s failed after %d attempts: %s", due.delivery.id, attempts,
                    outcome.error)
    else:
        status = DeliveryStatus.PENDING
        next_at = now + timedelta(seconds=backoff(attempts, settings.alert_retry_base_seconds,
                                                  rnd))
    with db.transaction() as uow:
        WebhookRepo(uow.session).finish(due.delivery.id, status=status, at=now,
                                        next_attempt_at=next_at, error=outcome.error,
                                        status_code=outcome.status_code)
