"""The append-only audit log (UPDATE and DELETE are refused by triggers)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from rcsc.core.identity import ActorType, AuditEntry, AuditEvent, Outcome, Principal
from rcsc.storage.tables import AuditRow


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    action: str | None = None
    actor: str | None = None
    org_id: uuid.UUID | None = None
    outcome: Outcome | None = None
    object_type: str | None = None
    object_id: str | None = None


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id, at=row.at, actor_type=ActorType(row.actor_type), actor_id=row.actor_id,
        actor_label=row.actor_label, org_id=row.org_id, action=row.action,
        object_type=row.object_type, object_id=row.object_id, outcome=Outcome(row.outcome),
        client_addr=row.client_addr, detail=dict(row.detail or {}),
    )


class AuditRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def append(self, at: datetime, actor: Principal, event: AuditEvent) -> None:
        self.s.add(
            AuditRow(
                at=at, actor_type=actor.actor_type.value,
                actor_id=actor.token_id if actor.actor_type is ActorType.TOKEN else actor.user_id,
                actor_label=actor.label, org_id=actor.org_id, action=event.action,
                object_type=event.object_type, object_id=event.object_id,
                outcome=event.outcome.value, client_addr=actor.client_addr,
                detail=event.detail,
            )
        )

    def _filtered(self, f: AuditFilter) -> Select[AuditRow]:
        query = select(AuditRow)
        if f.since is not None:
            query = query.where(AuditRow.at >= f.since)
        if f.until is not None:
            query = query.where(AuditRow.at < f.until)
        if f.outcome is not None:
            query = query.where(AuditRow.outcome == f.outcome.value)
        equal: list[tuple[InstrumentedAttribute[Any], object]] = [
            (AuditRow.action, f.action), (AuditRow.actor_label, f.actor),
            (AuditRow.org_id, f.org_id), (AuditRow.object_type, f.object_type),
            (AuditRow.object_id, f.object_id),
        ]
        for column, value in equal:
            if value is not None:
                query = query.where(column == value)
        return query

    def list(self, f: AuditFilter, *, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """Newest first; `before_id` pages backwards."""
        query = self._filtered(f)
        if before_id is not None:
            query = query.where(AuditRow.id < before_id)
        rows = self.s.scalars(query.order_by(AuditRow.id.desc()).limit(limit))
        return [_entry(r) for r in rows]

    def iterate(self, f: AuditFilter, *, batch: int = 1000) -> Iterator[AuditEntry]:
        """Oldest first, in batches, for exports of any size."""
        after = 0
        while True:
            query = self._filtered(f).where(AuditRow.id > after)
            rows = list(self.s.scalars(query.order_by(AuditRow.id).limit(batch)))
            if not rows:
                return
            yield from (_entry(r) for r in rows)
            after = rows[-1].id

    def count(self, f: AuditFilter, *, client_addr: str | None = None) -> int:
        query = self._filtered(f)
        if client_addr is not None:
            query = query.where(AuditRow.client_addr == client_addr)
        return int(self.s.scalar(select(func.count()).select_from(query.subquery())) or 0)
