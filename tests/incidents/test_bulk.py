"""The batch path stores exactly what the services store, one call at a time, for the same
drafts (the demo's own, so every workflow step, NIS2 submission and stricter observable
level occurs); a bad draft fails the batch and writes nothing."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest

from rcsc.accounts import communities
from rcsc.accounts.auth import system
from rcsc.core.clock import FrozenClock
from rcsc.core.incidents import Incident, Milestone, Status
from rcsc.demo.incidents import Cast, drafts
from rcsc.demo.plan import CERTS, COMMUNITIES, plan_year
from rcsc.errors import ValidationFailed
from rcsc.incidents import bulk, observables, service
from rcsc.incidents.bulk import Draft
from rcsc.storage import Database, UnitOfWork
from tests.conftest import World
from tests.incidents.test_attachments import principal
from tests.web.api_support import row_counts

ZERO = uuid.UUID(int=0)


def _cast(db: Database, world: World) -> Cast:
    lt, ua = principal(db, world.analyst.id), principal(db, world.ua_analyst.id)
    orgs = {key: (world.lt_org if i % 2 else world.ua_org) for i, key in enumerate(
        ["cert-lt", "lt-mod", "lt-grid", "cert-ua", "ua-mod", "cert-pl", "pl-mod", "cert-ge",
         "cert-lv", "cert-ee", "cert-md"])}
    orgs["node"] = world.node_org
    with db.transaction() as uow:
        made = {c.key: communities.create(uow, system(), name=c.name,
                                          member_ids=[world.lt_org]).id for c in COMMUNITIES}
    analysts = {key: (lt if i % 2 else ua) for i, key in enumerate(CERTS)}
    return Cast(orgs=orgs, analysts=analysts, coordinator=world.admin.id, communities=made)


def one_by_one(uow: UnitOfWork, d: Draft) -> uuid.UUID:
    """The oracle: the draft filed through the services, each call at its own time."""
    clock = FrozenClock(d.filed_at)
    at_time = UnitOfWork(uow.session, clock)
    incident = service.create(at_time, d.actor, d.data)
    for item in d.observables:
        observables.add(at_time, d.actor, incident.id, **item)
    for when, what in sorted(d.events, key=lambda event: event[0]):
        clock.current = when
        if isinstance(what, Status):
            service.transition(at_time, d.actor, incident.id, what.value)
        elif isinstance(what, Milestone):
            service.submit_milestone(at_time, d.actor, incident.id, what.value, at=when)
        else:
            service.add_entry(at_time, d.actor, incident.id, "action", what, at=when)
    return incident.id


def _stored(uow: UnitOfWork, d: Draft, incident_id: uuid.UUID) -> dict[str, Any]:
    """Everything stored about one incident, ids left out, in a stable order."""
    assert d.actor.user_id and d.actor.org_id
    viewer = uow.incidents.viewer(d.actor.user_id, d.actor.org_id)
    incident = uow.incidents.get(incident_id, viewer)
    assert isinstance(incident, Incident)
    found = uow.incidents.observables(viewer, incident_id=incident_id)
    timeline = uow.incidents.timeline(incident_id)
    return {
        "incident": replace(incident, id=ZERO),
        "observables": sorted((replace(o, id=ZERO, incident_id=ZERO) for o in found),
                              key=lambda o: (o.type.value, o.value)),
        "timeline": sorted((replace(e, id=ZERO, incident_id=ZERO) for e in timeline),
                           key=lambda e: (e.at, e.text)),
    }


def test_the_batch_path_stores_what_the_services_store(db: Database, world: World) -> None:
    cast = _cast(db, world)
    with db.transaction() as uow:
        plans = plan_year(uow.clock.now(), seed=7)[::15]  # 40 spread over the year
        batch = drafts(cast, plans)
        oracle = [one_by_one(uow, d) for d in batch]
        fast = [i.id for i in bulk.file_many(uow, batch)]
        compared = [(_stored(uow, d, a), _stored(uow, d, b))
                    for d, a, b in zip(batch, oracle, fast, strict=True)]
    assert len(compared) == 40
    for expected, actual in compared:
        assert actual == expected
    events = {type(what) for d in batch for _, what in d.events}
    assert events == {Status, Milestone, str}  # every kind of history was compared
    assert any("tlp" in o for d in batch for o in d.observables)


def test_one_bad_draft_fails_the_batch_and_writes_nothing(db: Database, world: World) -> None:
    cast = _cast(db, world)
    before = row_counts(db)
    with db.transaction() as uow:
        good = drafts(cast, plan_year(uow.clock.now())[:5])
    bad = replace(good[2], observables=[{"type": "ipv4", "value": "not-an-address"}])
    with pytest.raises(ValidationFailed, match="value"), db.transaction() as uow:
        bulk.file_many(uow, [*good[:2], bad, *good[3:]])
    assert row_counts(db) == before
