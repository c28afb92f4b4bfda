"""Alerts and their delivery, as the services and repositories exchange them (no ORM)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from rcsc.core.intel import IndexedValue


class AlertKind(StrEnum):
    MATCH = "match"  # an item of the recipient shares a value with another org's item
    CLUSTER = "cluster"  # items of two or more countries share a value (coordinators)


class Channel(StrEnum):
    WEBHOOK = "webhook"
    MAIL = "mail"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # out of attempts: shown to the organisation's admins


def dedupe_key(*parts: object) -> str:
    """What makes an alert the same alert on every indexer run (SHA-256 of its parts)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


@dataclass(frozen=True)
class NewAlert:
    dedupe_key: str
    org_id: uuid.UUID
    user_id: uuid.UUID | None
    kind: AlertKind
    value: IndexedValue
    title: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Alert:
    id: uuid.UUID
    org_id: uuid.UUID
    user_id: uuid.UUID | None
    kind: AlertKind
    value: IndexedValue
    title: str
    detail: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class Webhook:
    id: uuid.UUID
    org_id: uuid.UUID
    url: str
    description: str
    active: bool
    created_by: uuid.UUID | None
    created_at: datetime


@dataclass(frozen=True)
class NewDelivery:
    org_id: uuid.UUID
    alert_id: uuid.UUID | None
    channel: Channel
    body: bytes
    webhook_id: uuid.UUID | None = None
    mail_to: str | None = None


@dataclass(frozen=True)
class Delivery:
    id: uuid.UUID
    org_id: uuid.UUID
    alert_id: uuid.UUID | None
    channel: Channel
    webhook_id: uuid.UUID | None
    mail_to: str | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str
    last_status_code: int | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class DueDelivery:
    """A claimed delivery with what sending it needs (the webhook's URL and sealed secret)."""

    delivery: Delivery
    body: bytes
    url: str | None
    sealed_secret: bytes | None


@dataclass(frozen=True)
class Cluster:
    """A value shared by items of at least two countries within a window."""

    value: IndexedValue
    countries: tuple[str, ...]
    items: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class ItemInfo:
    """A newly indexed object version, as alert generation needs it."""

    pk: int
    stix_id: str
    type: str
    name: str | None
    owner_org_id: uuid.UUID
    source_key: str | None

    @property
    def ref(self) -> str:
        """One item per incident (all its published objects), else one per object."""
        return self.source_key or self.stix_id
