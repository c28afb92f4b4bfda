"""What the exchange feature keeps: TAXII collections, stored STIX object versions and the
status of each TAXII POST. Plain values; storage returns them, services decide with them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from rcsc.core.incidents import Recipients
from rcsc.core.tlp import Tlp

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
# date_added steps by this within one write, so every version has its own time
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Collection:
    """A TAXII collection. Reads of it pass the sharing rule object by object; objects
    posted to it without a TLP marking take `default_tlp` (GREEN unless set otherwise) and,
    when it names one, its community as recipients."""

    id: uuid.UUID
    alias: str
    title: str
    description: str
    default_tlp: Tlp
    community_id: uuid.UUID | None
    writable: bool  # members may POST; read-only collections are filled by sync or import
    created_at: datetime


@dataclass(frozen=True)
class ObjectVersion:
    """One version of a STIX object, as stored: its JSON exactly as received."""

    stix_id: str
    type: str
    spec_version: str
    version: datetime  # `modified`, else `created`, else the time it was added
    date_added: datetime
    body: bytes
    tlp: Tlp
    pk: int = 0


@dataclass(slots=True)
class NewVersion:
    """A version about to be stored, with the marking the sharing rule will apply.

    Not frozen, unlike the read-side types: made a thousand times per TAXII envelope, and a
    frozen dataclass's __init__ costs 2.5 times as much (measured, bench/taxii.py). Nothing
    changes one after it is made."""

    stix_id: str
    type: str
    spec_version: str
    version: datetime
    name: str | None
    body: bytes
    tlp: Tlp
    owner_org_id: uuid.UUID
    author_id: uuid.UUID | None
    recipients: Recipients = field(default_factory=Recipients)
    origin: str = ""  # the node the object first entered the federation through
    received_from: str | None = None  # the peer or channel it came to this node by
    source_key: str | None = None  # what this node published it from ("incident:<id>")
    context_tlp: Tlp | None = None  # the level of what it belongs to, when that differs
    version_text: str = ""  # the STIX timestamp `version` was read from, when there is one


class VersionChoice(StrEnum):
    FIRST = "first"
    LAST = "last"
    ALL = "all"


PEER_PREFIX = "peer:"  # received_from of an object another node sent: "peer:<its org id>"


def peer_label(peer_org_id: uuid.UUID) -> str:
    """`received_from` of the objects a peer node (run by that organisation) sent here."""
    return f"{PEER_PREFIX}{peer_org_id}"


@dataclass(frozen=True)
class Boundary:
    """Reading for another node: what may cross to the node run by `peer_org_id`, on top of
    what that organisation may see here. RED never leaves; AMBER+STRICT that came from
    another node is never forwarded; nothing goes back to the node it came from, nor to
    the organisation that made it."""

    peer_org_id: uuid.UUID

    @property
    def label(self) -> str:
        return peer_label(self.peer_org_id)


@dataclass(frozen=True)
class ObjectQuery:
    """TAXII 2.1 §3.4.2 filters plus the keyset position of `next`."""

    added_after: datetime | None = None
    ids: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    choices: frozenset[VersionChoice] = frozenset({VersionChoice.LAST})
    versions: frozenset[datetime] = frozenset()  # specific versions asked for
    spec_versions: frozenset[str] = frozenset()
    after: tuple[datetime, int] | None = None
    limit: int = 1000
    boundary: Boundary | None = None  # set when a peer node reads (federation rules)


class StatusState(StrEnum):
    PENDING = "pending"
    COMPLETE = "complete"


@dataclass(slots=True)
class StatusDetail:
    """One object's line in a status. Not frozen, like `NewVersion`: a thousand per TAXII
    envelope, and a frozen dataclass's __init__ cost three times as much (measured,
    bench/taxii.py). Nothing changes one after it is made."""

    id: str
    version: str
    message: str = ""
    # For successes, what storing it did: "created" (a new object), "updated" (a new version
    # of a stored object) or "unchanged" (that version was stored already). Not part of the
    # TAXII status resource; imports report it.
    outcome: str = ""


@dataclass(frozen=True)
class TaxiiStatus:
    """TAXII 2.1 §4.3.1: the outcome of one POST of an envelope."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    status: StatusState
    request_timestamp: datetime
    successes: tuple[StatusDetail, ...] = ()
    failures: tuple[StatusDetail, ...] = ()
    pendings: tuple[StatusDetail, ...] = ()

    @property
    def total_count(self) -> int:
        return len(self.successes) + len(self.failures) + len(self.pendings)


@dataclass(frozen=True)
class ObjectSearch:
    """A search over the newest visible version of every stored STIX object, newest first:
    `text` is found in the object's name (any case), as its id, or anywhere in its JSON
    (exact case, so values such as hashes and domains match as stored)."""

    text: str = ""
    types: frozenset[str] = frozenset()
    collection_id: uuid.UUID | None = None
    before: tuple[datetime, int] | None = None  # keyset: (date_added, pk) of the last hit
    limit: int = 50


@dataclass(frozen=True)
class ObjectHit:
    version: ObjectVersion
    name: str | None
    collection_alias: str
