"""What federation keeps: the peer nodes this node syncs with, where each sync stopped
(bookmarks) and the record of every sync run. Plain values; storage returns them.

A peer is one remote RCSC node run by one organisation that both nodes know by the same
UUID. Its API token is kept encrypted (`token_encrypted`); the plain token exists only in
memory while a sync runs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Direction(StrEnum):
    PULL = "pull"  # objects the peer serves us, by its `added_after` bookmark
    PUSH = "push"  # objects we send it, by our own (date_added, pk) keyset position


class RunOutcome(StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True)
class Peer:
    id: uuid.UUID
    name: str
    url: str  # the peer's TAXII API root, ending in "/": http://host:port/taxii2/api/
    org_id: uuid.UUID  # the organisation that runs the peer node
    token_encrypted: bytes
    enabled: bool
    interval_minutes: int
    next_sync_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Bookmark:
    """Where sync stopped in one collection, one direction.

    Pull: the peer's `X-TAXII-Date-Added-Last` of the last stored page, as the peer wrote it
    (`text`, sent back verbatim) and parsed (`at`). Push: the (date_added, pk) of the last
    local object version the peer accepted."""

    peer_id: uuid.UUID
    direction: Direction
    collection: str
    at: datetime
    text: str = ""
    pk: int = 0


@dataclass(frozen=True)
class Counts:
    """What one sync run moved. Pulled objects are counted by what storing them did here;
    pushed ones by what the peer answered."""

    pulled_created: int = 0
    pulled_updated: int = 0
    pulled_unchanged: int = 0
    pulled_rejected: int = 0
    pushed: int = 0  # sent and stored by the peer as new (created or updated)
    pushed_unchanged: int = 0  # sent, and the peer held that version already
    pushed_refused: int = 0  # sent, and the peer refused them (named in the run's error)

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.pulled_created, self.pulled_updated, self.pulled_unchanged,
                self.pulled_rejected, self.pushed, self.pushed_unchanged, self.pushed_refused)

    @property
    def moved(self) -> int:
        """Object versions that are now stored somewhere they were not before."""
        return self.pulled_created + self.pulled_updated + self.pushed


@dataclass(frozen=True)
class SyncRun:
    id: uuid.UUID
    peer_id: uuid.UUID
    peer_name: str
    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome
    counts: Counts
    error: str = ""
