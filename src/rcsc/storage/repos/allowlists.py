"""The node's local allow-lists and its choice of MISP warninglists, in SQL."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType
from rcsc.core.verdicts import AllowEntry
from rcsc.errors import Conflict
from rcsc.storage.verdict_tables import AllowEntryRow, WarninglistSettingRow

A = AllowEntryRow
W = WarninglistSettingRow


class AllowlistRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, list_name: str, value: IndexedValue, comment: str,
            created_by: uuid.UUID | None, at: datetime) -> AllowEntry:
        span = value.span
        row = A(list_name=list_name, kind=value.kind.value, value=value.value,
                value_key=value.key, ip_lo=span[0] if span else None,
                ip_hi=span[1] if span else None, comment=comment, created_by=created_by,
                created_at=at)
        try:
            with self.s.begin_nested():
                self.s.add(row)
                self.s.flush()
        except IntegrityError:
            raise Conflict(f"{value.value} is already on the allow-list {list_name}",
                           field="value") from None
        return _entry(row)

    def entries(self, list_name: str | None = None) -> list[AllowEntry]:
        stmt = select(A).order_by(A.list_name, A.kind, A.value)
        if list_name is not None:
            stmt = stmt.where(A.list_name == list_name)
        return [_entry(r) for r in self.s.scalars(stmt)]

    def get(self, pk: int) -> AllowEntry | None:
        row = self.s.get(A, pk)
        return _entry(row) if row else None

    def remove(self, pk: int) -> bool:
        return bool(self.s.execute(delete(A).where(A.pk == pk)).rowcount)  # type: ignore[attr-defined]

    # --- which warninglists apply -----------------------------------------------------------

    def disabled_warninglists(self) -> frozenset[str]:
        return frozenset(self.s.scalars(select(W.name).where(W.enabled.is_(False))))

    def set_warninglist(self, name: str, enabled: bool, by: uuid.UUID | None,
                        at: datetime) -> None:
        row = self.s.get(W, name)
        if row is None:
            self.s.add(W(name=name, enabled=enabled, changed_by=by, changed_at=at))
        else:
            row.enabled, row.changed_by, row.changed_at = enabled, by, at
        self.s.flush()


def _entry(row: AllowEntryRow) -> AllowEntry:
    return AllowEntry(pk=row.pk, list_name=row.list_name,
                      value=IndexedValue(ObservableType(row.kind), row.value),
                      comment=row.comment, created_by=row.created_by,
                      created_at=row.created_at)
