"""Tables of the verdicts on values (issue 5): sightings recorded by organisations, the
node's local allow-lists and which MISP warninglists the node applies.

Registered in `Base.metadata` by an import at the end of `storage/tables.py`; created by
migration 0007 (`_sightings_upgrade`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rcsc.storage.tables import Base
from rcsc.storage.types import UtcDateTime


class SightingRow(Base):
    """An organisation saw a value or an indicator (kind `seen`), judged it a false positive,
    or declared it expired: `count` times between first and last seen. Marked with a TLP
    like everything else; read through the sharing rule."""

    __tablename__ = "intel_sightings"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # seen, false-positive, expired
    value_kind: Mapped[str | None] = mapped_column(String(16))
    value: Mapped[str | None] = mapped_column(Text)
    value_key: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    stix_id: Mapped[str | None] = mapped_column(String(100))
    count: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    tlp: Mapped[str] = mapped_column(String(16))
    owner_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_intel_sightings_value_key", "value_key"),
        Index("ix_intel_sightings_stix_id", "stix_id"),
    )


class SightingRecipientRow(Base):
    """Whom a sighting is addressed to (as `incident_recipients`), for the sharing rule."""

    __tablename__ = "intel_sighting_recipients"
    sighting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intel_sightings.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # org, community, user
    ref_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


class AllowEntryRow(Base):
    """One entry of a local allow-list: a value, or a CIDR range whose addresses it covers
    (first and last address as fixed-width bytes, as in `intel_postings`)."""

    __tablename__ = "intel_allow_entries"
    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    list_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    value_key: Mapped[bytes] = mapped_column(LargeBinary(16))
    ip_lo: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    ip_hi: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("list_name", "value_key"),)


class WarninglistSettingRow(Base):
    """A MISP warninglist the node admins turned off (a row with enabled=False), or back on."""

    __tablename__ = "intel_warninglist_settings"
    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
