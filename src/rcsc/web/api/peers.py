"""Peer nodes (federation): list, add, change, remove, sync now, runs. Node admins only.

The peer's token goes in (POST, PATCH) and never comes out. "Sync now" runs the sync in
the request, in transactions of its own (the request holds none meanwhile), and answers
with the run.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from rcsc.core.federation import SyncRun
from rcsc.exchange import peers, sync
from rcsc.exchange.peers import PeerStatus
from rcsc.web.deps import ApiUser, StreamingApiUser, Uow, app_state

router = APIRouter(tags=["federation"])
PEER = "/peers/{name}"


class PeerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "rcsc-ua", "url": "https://rcsc.cert.gov.ua/taxii2/api/",
        "token": "rcsc_…", "org_id": "5b0e4d1c-2f6a-4a57-9d43-6f0f7c1e8a10",
        "interval_minutes": 15}]})

    name: str
    url: str = Field(description="the peer's TAXII 2.1 API root")
    token: str = Field(description="this node's API token on the peer; never shown again",
                       repr=False)
    org_id: uuid.UUID = Field(description="the organisation running the peer node")
    interval_minutes: int = 15
    enabled: bool = True


class PeerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    token: str | None = Field(default=None, repr=False)
    interval_minutes: int | None = None
    enabled: bool | None = None
    reset_bookmarks: bool = Field(default=False, description="start again from the "
                                                             "beginning (idempotent)")


class RunOut(BaseModel):
    id: uuid.UUID
    peer: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    pulled_created: int
    pulled_updated: int
    pulled_unchanged: int
    pulled_rejected: int
    pushed: int
    pushed_unchanged: int
    pushed_refused: int
    error: str

    @classmethod
    def of(cls, r: SyncRun) -> RunOut:
        c = r.counts
        return cls(id=r.id, peer=r.peer_name, started_at=r.started_at,
                   finished_at=r.finished_at, outcome=r.outcome.value,
                   pulled_created=c.pulled_created, pulled_updated=c.pulled_updated,
                   pulled_unchanged=c.pulled_unchanged, pulled_rejected=c.pulled_rejected,
                   pushed=c.pushed, pushed_unchanged=c.pushed_unchanged,
                   pushed_refused=c.pushed_refused, error=r.error)


class PeerOut(BaseModel):
    id: uuid.UUID
    name: str
    url: str
    org_id: uuid.UUID
    org_name: str
    enabled: bool
    interval_minutes: int
    next_sync_at: datetime | None
    created_at: datetime
    last_run: RunOut | None

    @classmethod
    def of(cls, s: PeerStatus) -> PeerOut:
        p = s.peer
        return cls(id=p.id, name=p.name, url=p.url, org_id=p.org_id, org_name=s.org_name,
                   enabled=p.enabled, interval_minutes=p.interval_minutes,
                   next_sync_at=p.next_sync_at, created_at=p.created_at,
                   last_run=RunOut.of(s.last_run) if s.last_run else None)


def _status(uow: Uow, actor: ApiUser, name: str) -> PeerOut:
    found = [s for s in peers.list_all(uow, actor) if s.peer.name == name]
    return PeerOut.of(found[0])


@router.get("/peers", response_model=list[PeerOut])
def list_peers(uow: Uow, actor: ApiUser) -> list[PeerOut]:
    return [PeerOut.of(s) for s in peers.list_all(uow, actor)]


@router.post("/peers", response_model=PeerOut, status_code=status.HTTP_201_CREATED)
def add_peer(request: Request, body: PeerIn, uow: Uow, actor: ApiUser) -> PeerOut:
    made = peers.add(uow, actor, app_state(request).settings.effective_secret_key,
                     **body.model_dump())
    return _status(uow, actor, made.name)


@router.get(PEER, response_model=PeerOut)
def get_peer(name: str, uow: Uow, actor: ApiUser) -> PeerOut:
    return _status(uow, actor, peers.get(uow, actor, name).name)


@router.patch(PEER, response_model=PeerOut)
def update_peer(request: Request, name: str, body: PeerPatch, uow: Uow,
                actor: ApiUser) -> PeerOut:
    changed = peers.update(uow, actor, app_state(request).settings.effective_secret_key,
                           name, **body.model_dump())
    return _status(uow, actor, changed.name)


@router.delete(PEER, status_code=status.HTTP_204_NO_CONTENT)
def remove_peer(name: str, uow: Uow, actor: ApiUser) -> Response:
    peers.remove(uow, actor, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(PEER + "/sync", response_model=RunOut)
def sync_now(request: Request, name: str, actor: StreamingApiUser) -> RunOut:
    """Sync with this peer now (enabled or not); the run, failed or not, is the answer."""
    state = app_state(request)
    return RunOut.of(sync.run(state.db, state.settings, actor, name)[0])


@router.get(PEER + "/runs", response_model=list[RunOut])
def list_runs(name: str, uow: Uow, actor: ApiUser,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[RunOut]:
    return [RunOut.of(r) for r in peers.runs(uow, actor, name, limit)]
