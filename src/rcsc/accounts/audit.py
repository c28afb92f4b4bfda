"""Recording and reading the audit log.

Rows are written through the caller's unit of work, so an audit row commits or rolls back
with the change it records. Refusals (401/403/429) have no change to ride on and are
written in their own transaction by `record_refusal`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import orjson

from rcsc.core.identity import AuditEntry, AuditEvent, Outcome, Principal
from rcsc.core.permissions import Action, require
from rcsc.errors import ValidationFailed
from rcsc.storage import Database, UnitOfWork
from rcsc.storage.repos.audit import AuditFilter

EXPORT_FIELDS = (
    "id", "at", "actor_type", "actor_id", "actor_label", "org_id", "action",
    "object_type", "object_id", "outcome", "client_addr", "detail",
)
MAX_PAGE = 500


def record(uow: UnitOfWork, actor: Principal, event: AuditEvent) -> None:
    uow.audit.append(uow.clock.now(), actor, event)


def record_refusal(db: Database, actor: Principal, event: AuditEvent) -> None:
    with db.transaction() as uow:
        record(uow, actor, event)


def query(
    uow: UnitOfWork, actor: Principal, f: AuditFilter, *, limit: int = 100,
    before_id: int | None = None,
) -> list[AuditEntry]:
    require(actor, Action.AUDIT_READ)
    return uow.audit.list(f, limit=max(1, min(limit, MAX_PAGE)), before_id=before_id)


def _row(entry: AuditEntry) -> dict[str, object]:
    return {
        "id": entry.id, "at": entry.at.isoformat(), "actor_type": entry.actor_type.value,
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "actor_label": entry.actor_label,
        "org_id": str(entry.org_id) if entry.org_id else None, "action": entry.action,
        "object_type": entry.object_type, "object_id": entry.object_id,
        "outcome": entry.outcome.value, "client_addr": entry.client_addr,
        "detail": entry.detail,
    }


def as_dict(entry: AuditEntry) -> dict[str, object]:
    return _row(entry)


EXPORT_FORMATS = ("csv", "jsonl")


def export(uow: UnitOfWork, db: Database, actor: Principal, f: AuditFilter,
           fmt: str) -> Iterator[bytes]:
    """Stream the filtered log, oldest first, as CSV or JSON Lines.

    Permission and format are checked and the export is audited in `uow` before the first
    byte, so a refused export fails as a whole. The returned iterator reads in batches inside
    its own read-only transaction (start it after `uow` has committed): a consistent snapshot
    of any size.
    """
    require(actor, Action.AUDIT_READ)
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed.field("format", f"must be one of: {', '.join(EXPORT_FORMATS)}")
    record(uow, actor, AuditEvent("audit.export", detail={"format": fmt}))
    return _stream(db, f, fmt)


def _stream(db: Database, f: AuditFilter, fmt: str) -> Iterator[bytes]:
    with db.transaction(readonly=True) as uow:
        entries = uow.audit.iterate(f)
        yield from (_csv(entries) if fmt == "csv" else _jsonl(entries))


def _jsonl(entries: Iterator[AuditEntry]) -> Iterator[bytes]:
    for entry in entries:
        yield orjson.dumps(_row(entry)) + b"\n"


def _csv(entries: Iterator[AuditEntry]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for entry in entries:
        row = _row(entry)
        row["detail"] = orjson.dumps(row["detail"]).decode()
        writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def failed_logins(uow: UnitOfWork, *, since_minutes: int, email: str | None = None,
                  client_addr: str | None = None) -> int:
    since = uow.clock.now() - timedelta(minutes=since_minutes)
    f = AuditFilter(since=since, action="auth.login", actor=email, outcome=Outcome.FAILURE)
    return uow.audit.count(f, client_addr=client_addr)
