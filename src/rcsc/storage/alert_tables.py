"""Alerts and their delivery (see docs/correlation.md, "Alerts"): the alerts themselves,
the webhooks organisations subscribe, the users who asked for mail, and the durable
delivery queue a background worker drains (so no request or indexer transaction ever
waits for a webhook or a mail server)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rcsc.storage.tables import Base
from rcsc.storage.types import UtcDateTime


class AlertRow(Base):
    """One alert for one organisation (or, for a cross-border cluster, one coordinator).
    `dedupe_key` makes alert generation idempotent: one alert per recipient × pair of
    items × value (or recipient × value × window), whatever the number of indexer runs."""

    __tablename__ = "alerts"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"))  # set: for this user only
    kind: Mapped[str] = mapped_column(String(16))  # match, cluster
    value_kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_alerts_org_id_created_at", "org_id", "created_at"),)


class WebhookRow(Base):
    """A URL an organisation receives its alerts at, signed with its own secret (kept
    encrypted with a key derived from the node's secret key: it must be used to sign)."""

    __tablename__ = "webhooks"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet; never the secret
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AlertMailRow(Base):
    """A user who asked for their organisation's alerts by mail."""

    __tablename__ = "alert_mail_optins"
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeliveryRow(Base):
    """One message to send (a webhook POST or a mail), with its exact body: retried with
    exponential backoff until delivered or out of attempts (`failed`)."""

    __tablename__ = "alert_deliveries"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"))
    alert_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # webhook, mail
    webhook_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    mail_to: Mapped[str | None] = mapped_column(String(320))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_alert_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_alert_deliveries_org_id_created_at", "org_id", "created_at"),
    )
