"""The schema. Migrations in `migrations/versions` must produce exactly this."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rcsc.storage.types import UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class NodeMeta(Base):
    """Facts about this node (e.g. whether the demo world was loaded)."""

    __tablename__ = "node_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OrganisationRow(Base):
    __tablename__ = "organisations"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UserRoleRow(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class CommunityRow(Base):
    __tablename__ = "communities"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CommunityMemberRow(Base):
    __tablename__ = "community_members"
    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[str] = mapped_column(String(64))  # space-separated Scope values
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebSessionRow(Base):
    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    client_addr: Mapped[str | None] = mapped_column(String(64))


class AuditRow(Base):
    """Append-only: triggers in the migration refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_label: Mapped[str] = mapped_column(String(320))
    org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_audit_log_action_at", "action", "at"),
        Index("ix_audit_log_at", "at"),
    )


# --- incidents -----------------------------------------------------------------------------


class IncidentRow(Base):
    __tablename__ = "incidents"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    rsit_class: Mapped[str] = mapped_column(String(64))
    rsit_type: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    tlp: Mapped[str] = mapped_column(String(16))
    owner_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    sector: Mapped[str | None] = mapped_column(String(64))
    subsector: Mapped[str | None] = mapped_column(String(64))
    affected_systems: Mapped[int | None] = mapped_column(Integer)
    affected_users: Mapped[int | None] = mapped_column(BigInteger)
    cross_border: Mapped[bool] = mapped_column(Boolean, default=False)
    critical_infrastructure: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    detected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    aware_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    contained_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attack_techniques: Mapped[list[str]] = mapped_column(JSON, default=list)
    cves: Mapped[list[str]] = mapped_column(JSON, default=list)
    threat_actors: Mapped[list[str]] = mapped_column(JSON, default=list)
    malware: Mapped[list[str]] = mapped_column(JSON, default=list)
    exercise_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_incidents_created_at_id", "created_at", "id"),
        Index("ix_incidents_owner_org_id_tlp", "owner_org_id", "tlp"),
        # No index on tlp alone: five values, and the sharing filter names all of them, so
        # planners took it for a MULTI-INDEX OR over the whole table plus a sort (SQLite:
        # 600 ms for a first page of 100,000 incidents; without it 15 ms). See 0003.
        Index("ix_incidents_author_id", "author_id"),
    )


class IncidentRecipientRow(Base):
    """Who an incident is addressed to: organisations, communities or named users."""

    __tablename__ = "incident_recipients"
    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # org, community, user
    ref_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)

    # Covering the sharing filter's lookups (the incidents shared with me): answered from
    # the index alone, without visiting the table (PostgreSQL: 75 -> 47 ms for a first page
    # of 100,000 incidents). See migration 0003.
    __table_args__ = (Index("ix_incident_recipients_kind_ref_id_incident_id", "kind", "ref_id",
                            "incident_id"),)


class IncidentCountryRow(Base):
    __tablename__ = "incident_countries"
    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class IncidentMilestoneRow(Base):
    """A NIS2 report marked as submitted."""

    __tablename__ = "incident_milestones"
    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    milestone: Mapped[str] = mapped_column(String(32), primary_key=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class TimelineRow(Base):
    __tablename__ = "incident_timeline"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))


class ObservableRow(Base):
    __tablename__ = "observables"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048))
    role: Mapped[str] = mapped_column(String(16))
    tlp: Mapped[str | None] = mapped_column(String(16))
    first_seen: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("incident_id", "type", "value"),
        Index("ix_observables_type_value", "type", "value"),
    )


class AttachmentRow(Base):
    """Evidence file metadata; the bytes live content-addressed under the data dir."""

    __tablename__ = "attachments"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    sha1: Mapped[str] = mapped_column(String(40))
    md5: Mapped[str] = mapped_column(String(32))
    is_malware: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CollectionRow(Base):
    """A TAXII 2.1 collection (see `rcsc.core.exchange.Collection`)."""

    __tablename__ = "taxii_collections"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    alias: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    default_tlp: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("communities.id"))
    writable: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StixObjectRow(Base):
    """One version of a STIX object in one collection; `body` is its JSON as received, so
    it is served back unchanged without being parsed again."""

    __tablename__ = "stix_objects"
    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    collection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("taxii_collections.id"))
    stix_id: Mapped[str] = mapped_column(String(250))
    type: Mapped[str] = mapped_column(String(64))
    spec_version: Mapped[str] = mapped_column(String(8))
    version: Mapped[datetime] = mapped_column(UtcDateTime)
    is_latest: Mapped[bool] = mapped_column(Boolean)  # newest version in its collection
    date_added: Mapped[datetime] = mapped_column(UtcDateTime)
    name: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    tlp: Mapped[str] = mapped_column(String(16))
    # The level of what the object belongs to, when it differs (an observable stricter than
    # its incident): the object is seen only by those who may see it at both levels.
    context_tlp: Mapped[str | None] = mapped_column(String(16))
    owner_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    origin: Mapped[str] = mapped_column(String(200))
    received_from: Mapped[str | None] = mapped_column(String(200))
    # What a published object was made from ("incident:<id>"): publishing it again replaces
    # exactly these rows. None for objects received as they are.
    source_key: Mapped[str | None] = mapped_column(String(64))

    # Every index is written once per stored version: bulk ingest pays for each (migration
    # 0009). An object is found by id through the unique index, collection by collection.
    __table_args__ = (
        UniqueConstraint("collection_id", "stix_id", "version"),
        Index("ix_stix_objects_collection_id_date_added_pk", "collection_id", "date_added",
              "pk"),
        Index("ix_stix_objects_source_key", "source_key",
              sqlite_where=text("source_key IS NOT NULL"),
              postgresql_where=text("source_key IS NOT NULL")),
    )


class StixRecipientRow(Base):
    """Who an AMBER, AMBER+STRICT or RED object version is addressed to."""

    __tablename__ = "stix_object_recipients"
    object_pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("stix_objects.pk", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # org, community, user
    ref_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)

    __table_args__ = (Index("ix_stix_object_recipients_kind_ref_id_object_pk", "kind",
                            "ref_id", "object_pk"),)


class TaxiiStatusRow(Base):
    """The outcome of one TAXII POST, readable by the poster at the status endpoint."""

    __tablename__ = "taxii_status"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    request_timestamp: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    details: Mapped[Any] = mapped_column(JSON)  # {"successes": [...], "failures": [...], ...}


class PeerRow(Base):
    """A peer node this node syncs with (see `rcsc.core.federation.Peer`)."""

    __tablename__ = "peers"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    token_encrypted: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet; never the token
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=15)
    next_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PeerBookmarkRow(Base):
    """Where sync with a peer stopped, per direction and collection."""

    __tablename__ = "peer_bookmarks"
    peer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("peers.id", ondelete="CASCADE"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8), primary_key=True)  # pull, push
    collection: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(String(64), default="")  # pull: as the peer wrote it
    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


class PeerSyncRunRow(Base):
    """One sync with a peer: when, how it ended, what it moved, why it failed."""

    __tablename__ = "peer_sync_runs"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    peer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("peers.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    pulled_created: Mapped[int] = mapped_column(Integer, default=0)
    pulled_updated: Mapped[int] = mapped_column(Integer, default=0)
    pulled_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    pulled_rejected: Mapped[int] = mapped_column(Integer, default=0)
    pushed: Mapped[int] = mapped_column(Integer, default=0)
    pushed_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    pushed_refused: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_peer_sync_runs_peer_id_started_at", "peer_id", "started_at"),)


class IntelPostingRow(Base):
    """The correlation index: one row per (value, object version), never one per matching
    pair. `value_key` finds equal values; `ip_lo`/`ip_hi` (fixed-width big-endian bytes)
    find addresses inside ranges and ranges around addresses."""

    __tablename__ = "intel_postings"
    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    object_pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("stix_objects.pk", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    value_key: Mapped[bytes] = mapped_column(LargeBinary(16))
    ip_lo: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    ip_hi: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    is_range: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_intel_postings_value_key_object_pk", "value_key", "object_pk"),
        Index("ix_intel_postings_object_pk", "object_pk"),
        Index("ix_intel_postings_kind_ip_lo", "kind", "ip_lo"),
        # Ranges only (migration 0012): finding the ranges around an address reads the few
        # ranges, never the many single addresses (a (kind, is_range) index left SQLite
        # walking every IPv4 posting below the highest address asked).
        Index("ix_intel_postings_ranges", "kind", "ip_lo", "ip_hi",
              sqlite_where=text("is_range = 1"), postgresql_where=text("is_range")),
    )


class IntelWatermarkRow(Base):
    """How far the indexer has read each collection, in its date_added order (which follows
    commit order: writers to a collection take turns)."""

    __tablename__ = "intel_watermarks"
    collection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("taxii_collections.id", ondelete="CASCADE"), primary_key=True)
    date_added: Mapped[datetime] = mapped_column(UtcDateTime)
    object_pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


import rcsc.storage.alert_tables  # noqa: E402, F401  (alerts, webhooks: issue 5)
from rcsc.storage import verdict_tables  # noqa: E402, F401  (sightings, allow-lists: issue 5)
