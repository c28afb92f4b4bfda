"""Peer nodes, their sync bookmarks and sync runs.

Due peers are claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's
writers take turns anyway) and their next time is moved on in the same transaction, so
with any number of `rcsc serve` processes each due sync is started by exactly one.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from rcsc.core.federation import Bookmark, Counts, Direction, Peer, RunOutcome, SyncRun
from rcsc.storage.tables import PeerBookmarkRow, PeerRow, PeerSyncRunRow

_COUNTS = ("pulled_created", "pulled_updated", "pulled_unchanged", "pulled_rejected",
           "pushed", "pushed_unchanged", "pushed_refused")


def _peer(r: PeerRow) -> Peer:
    return Peer(id=r.id, name=r.name, url=r.url, org_id=r.org_id,
                token_encrypted=r.token_encrypted, enabled=r.enabled,
                interval_minutes=r.interval_minutes, next_sync_at=r.next_sync_at,
                created_at=r.created_at)


def _run(r: PeerSyncRunRow, name: str) -> SyncRun:
    return SyncRun(id=r.id, peer_id=r.peer_id, peer_name=name, started_at=r.started_at,
                   finished_at=r.finished_at, outcome=RunOutcome(r.outcome),
                   counts=Counts(*(getattr(r, c) for c in _COUNTS)), error=r.error)


class PeerRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    # --- peers ----------------------------------------------------------------------------

    def add(self, p: Peer) -> None:
        self.s.add(PeerRow(id=p.id, name=p.name, url=p.url, org_id=p.org_id,
                           token_encrypted=p.token_encrypted, enabled=p.enabled,
                           interval_minutes=p.interval_minutes, next_sync_at=p.next_sync_at,
                           created_at=p.created_at))
        self.s.flush()

    def update(self, p: Peer) -> None:
        row = self.s.get(PeerRow, p.id)
        assert row is not None
        row.url, row.org_id, row.token_encrypted = p.url, p.org_id, p.token_encrypted
        row.enabled, row.interval_minutes = p.enabled, p.interval_minutes
        row.next_sync_at = p.next_sync_at
        self.s.flush()

    def get(self, peer_id: uuid.UUID) -> Peer | None:
        row = self.s.get(PeerRow, peer_id)
        return _peer(row) if row else None

    def by_name(self, name: str) -> Peer | None:
        row = self.s.scalar(select(PeerRow).where(PeerRow.name == name))
        return _peer(row) if row else None

    def every(self) -> list[Peer]:
        return [_peer(r) for r in self.s.scalars(select(PeerRow).order_by(PeerRow.name))]

    def delete(self, peer_id: uuid.UUID) -> None:
        """The peer with its bookmarks and runs (the audit log keeps what happened)."""
        for table in (PeerBookmarkRow, PeerSyncRunRow):
            self.s.execute(delete(table).where(table.peer_id == peer_id))
        self.s.execute(delete(PeerRow).where(PeerRow.id == peer_id))

    def schedule(self, peer_id: uuid.UUID, at: datetime | None) -> None:
        row = self.s.get(PeerRow, peer_id)
        if row is not None:
            row.next_sync_at = at

    def claim_due(self, now: datetime, limit: int = 20) -> list[Peer]:
        """Enabled peers due by `now`, each moved on by its interval (a lease: whoever
        claims a peer syncs it, the others skip it; the run sets the next time again when it
        ends). Rows another transaction holds are skipped, not waited for."""
        stmt = (select(PeerRow).where(PeerRow.enabled, PeerRow.next_sync_at <= now)
                .order_by(PeerRow.next_sync_at).limit(limit))
        if self.s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(self.s.scalars(stmt))
        for row in rows:
            row.next_sync_at = now + timedelta(minutes=row.interval_minutes)
        self.s.flush()
        return [_peer(r) for r in rows]

    # --- bookmarks ------------------------------------------------------------------------

    def bookmark(self, peer_id: uuid.UUID, direction: Direction,
                 collection: str) -> Bookmark | None:
        row = self.s.get(PeerBookmarkRow, (peer_id, direction.value, collection))
        if row is None:
            return None
        return Bookmark(row.peer_id, Direction(row.direction), row.collection, row.at,
                        row.text, row.pk)

    def bookmarks(self, peer_id: uuid.UUID) -> list[Bookmark]:
        rows = self.s.scalars(select(PeerBookmarkRow).where(PeerBookmarkRow.peer_id == peer_id)
                              .order_by(PeerBookmarkRow.direction, PeerBookmarkRow.collection))
        return [Bookmark(r.peer_id, Direction(r.direction), r.collection, r.at, r.text, r.pk)
                for r in rows]

    def advance(self, b: Bookmark) -> None:
        """Store `b` unless the stored bookmark is already past it: a bookmark only moves
        forward, even when two syncs of the same peer overlap."""
        row = self.s.get(PeerBookmarkRow, (b.peer_id, b.direction.value, b.collection))
        if row is None:
            self.s.add(PeerBookmarkRow(peer_id=b.peer_id, direction=b.direction.value,
                                       collection=b.collection, at=b.at, text=b.text, pk=b.pk))
        elif (b.at, b.pk) > (row.at, row.pk):
            row.at, row.text, row.pk = b.at, b.text, b.pk
        self.s.flush()

    def forget_bookmarks(self, peer_id: uuid.UUID) -> None:
        self.s.execute(delete(PeerBookmarkRow).where(PeerBookmarkRow.peer_id == peer_id))

    # --- runs -----------------------------------------------------------------------------

    def save_run(self, run: SyncRun) -> None:
        """Insert or update one run (started, then finished)."""
        row = self.s.get(PeerSyncRunRow, run.id)
        if row is None:
            row = PeerSyncRunRow(id=run.id, peer_id=run.peer_id, started_at=run.started_at)
            self.s.add(row)
        row.finished_at, row.outcome, row.error = run.finished_at, run.outcome.value, run.error
        for name, value in zip(_COUNTS, run.counts.as_tuple(), strict=True):
            setattr(row, name, value)
        self.s.flush()

    def runs(self, peer_id: uuid.UUID | None = None, limit: int = 50) -> list[SyncRun]:
        """Newest first."""
        stmt = (select(PeerSyncRunRow, PeerRow.name)
                .join(PeerRow, PeerRow.id == PeerSyncRunRow.peer_id)
                .order_by(PeerSyncRunRow.started_at.desc(), PeerSyncRunRow.id).limit(limit))
        if peer_id is not None:
            stmt = stmt.where(PeerSyncRunRow.peer_id == peer_id)
        return [_run(row, name) for row, name in self.s.execute(stmt)]

    def last_runs(self) -> dict[uuid.UUID, SyncRun]:
        """The newest run of each peer."""
        newest = (select(PeerSyncRunRow.peer_id,
                         func.max(PeerSyncRunRow.started_at).label("at"))
                  .group_by(PeerSyncRunRow.peer_id).subquery())
        stmt = (select(PeerSyncRunRow, PeerRow.name)
                .join(PeerRow, PeerRow.id == PeerSyncRunRow.peer_id)
                .join(newest, (newest.c.peer_id == PeerSyncRunRow.peer_id)
                      & (newest.c.at == PeerSyncRunRow.started_at)))
        return {row.peer_id: _run(row, name) for row, name in self.s.execute(stmt)}
