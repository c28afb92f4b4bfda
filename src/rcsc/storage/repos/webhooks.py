"""Webhook subscriptions and the durable delivery queue.

A due delivery is claimed by moving its `next_attempt_at` a lease ahead in the claiming
transaction (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several processes claim
different rows and each message is sent once); the outcome is written afterwards in a
transaction of its own. A process that dies while sending leaves the row to be claimed
again when the lease ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from rcsc.core.alerts import (
    Channel,
    Delivery,
    DeliveryStatus,
    DueDelivery,
    NewDelivery,
    Webhook,
)
from rcsc.storage.alert_tables import DeliveryRow, WebhookRow

D = DeliveryRow


def _webhook(r: WebhookRow) -> Webhook:
    return Webhook(id=r.id, org_id=r.org_id, url=r.url, description=r.description,
                   active=r.active, created_by=r.created_by, created_at=r.created_at)


def _delivery(r: DeliveryRow) -> Delivery:
    return Delivery(id=r.id, org_id=r.org_id, alert_id=r.alert_id, channel=Channel(r.channel),
                    webhook_id=r.webhook_id, mail_to=r.mail_to, status=DeliveryStatus(r.status),
                    attempts=r.attempts, next_attempt_at=r.next_attempt_at,
                    last_error=r.last_error, last_status_code=r.last_status_code,
                    created_at=r.created_at, finished_at=r.finished_at)


class WebhookRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    # --- subscriptions --------------------------------------------------------------------

    def add(self, webhook: Webhook, sealed_secret: bytes) -> None:
        self.s.add(WebhookRow(id=webhook.id, org_id=webhook.org_id, url=webhook.url,
                              description=webhook.description, active=webhook.active,
                              secret_encrypted=sealed_secret, created_by=webhook.created_by,
                              created_at=webhook.created_at))
        self.s.flush()

    def get(self, webhook_id: uuid.UUID) -> Webhook | None:
        row = self.s.get(WebhookRow, webhook_id)
        return _webhook(row) if row else None

    def of_org(self, org_id: uuid.UUID, *, active_only: bool = False) -> list[Webhook]:
        stmt = select(WebhookRow).where(WebhookRow.org_id == org_id)
        if active_only:
            stmt = stmt.where(WebhookRow.active)
        return [_webhook(r) for r in self.s.scalars(stmt.order_by(WebhookRow.created_at,
                                                                   WebhookRow.id))]

    def remove(self, webhook_id: uuid.UUID) -> None:
        """Its queued and past deliveries go with it."""
        self.s.execute(delete(WebhookRow).where(WebhookRow.id == webhook_id))

    # --- the queue ------------------------------------------------------------------------

    def enqueue(self, items: Sequence[NewDelivery], at: datetime) -> list[uuid.UUID]:
        ids: list[uuid.UUID] = []
        for item in items:
            ids.append(uuid.uuid4())
            self.s.add(DeliveryRow(
                id=ids[-1], org_id=item.org_id, alert_id=item.alert_id,
                channel=item.channel.value, webhook_id=item.webhook_id, mail_to=item.mail_to,
                body=item.body, status=DeliveryStatus.PENDING.value, attempts=0,
                next_attempt_at=at, last_error="", last_status_code=None, created_at=at,
                finished_at=None))
        self.s.flush()
        return ids

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[DueDelivery]:
        """Due pending deliveries, each counted as one more attempt and hidden from other
        claimers until `lease_until`."""
        stmt = (select(D).where(D.status == DeliveryStatus.PENDING.value,
                                D.next_attempt_at <= now)
                .order_by(D.next_attempt_at, D.id).limit(limit))
        if self.s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(self.s.scalars(stmt))
        hooks = self._hooks([r.webhook_id for r in rows if r.webhook_id])
        due: list[DueDelivery] = []
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = lease_until
            hook = hooks.get(row.webhook_id) if row.webhook_id else None
            due.append(DueDelivery(_delivery(row), row.body, hook.url if hook else None,
                                   hook.secret_encrypted if hook else None))
        self.s.flush()
        return due

    def _hooks(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, WebhookRow]:
        if not ids:
            return {}
        return {r.id: r for r in self.s.scalars(select(WebhookRow).where(
            WebhookRow.id.in_(set(ids))))}

    def finish(self, delivery_id: uuid.UUID, *, status: DeliveryStatus, at: datetime,
               next_attempt_at: datetime | None, error: str,
               status_code: int | None) -> None:
        values: dict[str, object] = {"status": status.value, "last_error": error[:2000],
                                     "last_status_code": status_code}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        if status is not DeliveryStatus.PENDING:
            values["finished_at"] = at
        self.s.execute(update(D).where(D.id == delivery_id).values(**values))

    def get_delivery(self, delivery_id: uuid.UUID) -> Delivery | None:
        row = self.s.get(D, delivery_id)
        return _delivery(row) if row else None

    def history(self, org_id: uuid.UUID, webhook_id: uuid.UUID | None,
                limit: int) -> list[Delivery]:
        """An organisation's deliveries (of one webhook, or all), newest first."""
        stmt = select(D).where(D.org_id == org_id)
        if webhook_id is not None:
            stmt = stmt.where(D.webhook_id == webhook_id)
        return [_delivery(r) for r in self.s.scalars(
            stmt.order_by(D.created_at.desc(), D.id.desc()).limit(limit))]
