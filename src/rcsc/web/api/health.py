"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from rcsc.web.deps import app_state
from rcsc.web.errors import problem

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up (it checks nothing else)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(request: Request) -> dict[str, str] | Response:
    """The database answers and its schema is at this code's migration head."""
    db = app_state(request).db
    try:
        db.ping()
        db.check_schema()
    except Exception as exc:  # every cause makes the node not ready, and says why
        return problem(request, 503, "not-ready", "Not ready", str(exc))
    return {"status": "ready", "database": db.dialect}
