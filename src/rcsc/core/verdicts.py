"""Verdicts on values, as plain types: sightings organisations record, and the entries of
the node's local allow-lists (docs/correlation.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rcsc.core.intel import IndexedValue
from rcsc.core.tlp import Tlp


class SightingKind(StrEnum):
    """STIX 2.1 sightings say "seen"; MISP sightings also say "false positive" (type 1) and
    "expiration" (type 2): the three kinds here."""

    SEEN = "seen"
    FALSE_POSITIVE = "false-positive"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Sighting:
    """An organisation saw a value or an indicator (by STIX id) `count` times between first
    and last seen, or judged it a false positive, or declared it expired."""

    id: uuid.UUID
    kind: SightingKind
    value: IndexedValue | None
    stix_id: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    tlp: Tlp
    owner_org_id: uuid.UUID
    author_id: uuid.UUID | None
    created_at: datetime
    comment: str = ""
    recipient_org_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    recipient_community_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


@dataclass(frozen=True)
class AllowEntry:
    """One entry of a local allow-list: a value, or a CIDR range covering addresses."""

    pk: int
    list_name: str
    value: IndexedValue
    comment: str
    created_by: uuid.UUID | None
    created_at: datetime


@dataclass(frozen=True)
class WarninglistState:
    """A MISP warninglist as the node applies it."""

    name: str
    description: str
    kind: str
    entries: int
    enabled: bool
