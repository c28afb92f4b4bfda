"""What a node may publish without credentials: its TLP:CLEAR incidents, only when the
operator enables it (`RCSC_ANONYMOUS_CLEAR_EXPORT=true`). Off, the route answers 404."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from rcsc.accounts.auth import anonymous
from rcsc.incidents import export
from rcsc.web.api.incidents import Filters
from rcsc.web.deps import Uow, app_state, client_addr

router = APIRouter(tags=["public"])


@router.get("/public/incidents/export", response_class=StreamingResponse, responses={
    200: {"description": "every TLP:CLEAR real incident, oldest first",
          "content": {"text/csv": {}, "application/json": {}}},
    404: {"description": "anonymous export is not enabled on this node",
          "content": {"application/problem+json": {}}}})
def export_clear(request: Request, uow: Uow, query: Filters,
                 format: Literal["csv", "json"] = "csv") -> StreamingResponse:
    """TLP:CLEAR incidents for anyone (audited as `incident.export`, actor anonymous).

    The filters are those of `/incidents/export`; exercise incidents are never included,
    nor internal references (author, recipients, exercise)."""
    state = app_state(request)
    stream = export.export_public(uow, state.db, anonymous(client_addr(request)), query,
                                  format, enabled=state.settings.anonymous_clear_export)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return StreamingResponse(stream, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="rcsc-clear-incidents.{format}"',
        "Cache-Control": "no-store"})
