"""The audit log: query (newest first, paged) and export (CSV or JSON Lines)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from rcsc.accounts import audit
from rcsc.core.clock import as_utc
from rcsc.core.identity import Outcome
from rcsc.storage.repos.audit import AuditFilter
from rcsc.web.api.schemas import AuditOut, AuditPage
from rcsc.web.deps import ApiUser, Uow, app_state

router = APIRouter(tags=["audit"])


def _utc(value: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC (the columns refuse naive datetimes)."""
    return as_utc(value) if value is not None else None


def audit_filter(
    since: datetime | None = None, until: datetime | None = None, action: str | None = None,
    actor: str | None = None, org_id: uuid.UUID | None = None,
    outcome: Outcome | None = None, object_type: str | None = None,
    object_id: str | None = None,
) -> AuditFilter:
    return AuditFilter(since=_utc(since), until=_utc(until), action=action, actor=actor,
                       org_id=org_id, outcome=outcome, object_type=object_type,
                       object_id=object_id)


Filter = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("/audit", response_model=AuditPage)
def list_audit(
    uow: Uow, actor: ApiUser, f: Filter,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 100,
    before_id: Annotated[int | None, Query(ge=1)] = None,
) -> AuditPage:
    entries = audit.query(uow, actor, f, limit=limit, before_id=before_id)
    next_id = entries[-1].id if len(entries) == limit else None
    return AuditPage(items=[AuditOut.of(e) for e in entries], next_before_id=next_id)


@router.get("/audit/export", response_class=StreamingResponse)
def export_audit(
    request: Request, uow: Uow, actor: ApiUser, f: Filter,
    format: Literal["csv", "jsonl"] = "csv",
) -> StreamingResponse:
    stream = audit.export(uow, app_state(request).db, actor, f, format)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/jsonl"
    return StreamingResponse(stream, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="rcsc-audit.{format}"'})
