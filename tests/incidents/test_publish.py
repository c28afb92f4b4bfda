"""Incidents published as STIX in the TAXII collection `incidents`: the current state under
the current marking, replaced on every write; exercise incidents never."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from rcsc.accounts.auth import principal_for
from rcsc.core.exchange import ObjectQuery, VersionChoice
from rcsc.core.identity import ActorType
from rcsc.incidents import observables, publish, service
from rcsc.storage import Database, UnitOfWork
from tests.conftest import World

POOL = (("ipv4", "198.51.100.7"), ("domain", "c2-relay.example"), ("sha256", "ab" * 32),
        ("cve", "CVE-2024-3400"), ("url", "https://c2-relay.example/g"))


def _who(uow: UnitOfWork, user_id: uuid.UUID) -> Any:
    user = uow.users.get(user_id)
    assert user is not None
    return principal_for(user, via=ActorType.USER)


def _published(uow: UnitOfWork, user_id: uuid.UUID,
               every_version: bool = False) -> list[dict[str, Any]]:
    who = _who(uow, user_id)
    viewer = service.viewer_for(uow, who)
    choices = frozenset({VersionChoice.ALL if every_version else VersionChoice.LAST})
    page, more = uow.stix.page(viewer, publish.collection(uow).id,
                               ObjectQuery(choices=choices, limit=10_000))
    assert not more
    return [orjson.loads(item.body) for item in page]


def _file(uow: UnitOfWork, world: World, tlp: str, **extra: Any) -> uuid.UUID:
    author = _who(uow, world.ua_analyst.id)
    incident = service.create(uow, author, {
        "title": "Relay", "rsit_class": "fraud", "rsit_type": "phishing", "severity": "high",
        "tlp": tlp, **extra})
    for kind, value in POOL:
        observables.add(uow, author, incident.id, type=kind, value=value)
    return incident.id


def _kinds(objects: list[dict[str, Any]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for obj in objects:
        found[obj["type"]] = found.get(obj["type"], 0) + 1
    return found


def test_filed_incident_is_published_with_every_observable(db: Database, world: World) -> None:
    with db.transaction() as uow:
        _file(uow, world, "green")
        seen = _published(uow, world.analyst.id)
    kinds = _kinds(seen)
    assert kinds["incident"] == 1 and kinds["indicator"] == 4 and kinds["vulnerability"] == 1
    assert kinds["relationship"] == 5
    names = sorted(o["name"] for o in seen if o["type"] in ("indicator", "vulnerability"))
    assert names == sorted(v for _, v in POOL)
    assert {"marking-definition", "extension-definition"} <= set(kinds)


def test_remarking_the_incident_red_withdraws_every_object_from_others(
    db: Database, world: World
) -> None:
    with db.transaction() as uow:
        incident_id = _file(uow, world, "green")
        author = _who(uow, world.ua_analyst.id)
        service.update(uow, author, incident_id, {"tlp": "red"})
        other = _published(uow, world.analyst.id, every_version=True)
        own = _published(uow, world.ua_analyst.id)
    assert not [o for o in other if o["type"] not in ("marking-definition",
                                                      "extension-definition", "identity")]
    assert _kinds(own)["indicator"] == 4


def test_removed_observable_is_withdrawn(db: Database, world: World) -> None:
    with db.transaction() as uow:
        incident_id = _file(uow, world, "green")
        author = _who(uow, world.ua_analyst.id)
        target = next(o for o in observables.list_for(uow, author, incident_id)
                      if o.value == "198.51.100.7")
        observables.remove(uow, author, incident_id, target.id)
        names = {o.get("name") for o in _published(uow, world.analyst.id)}
    assert "198.51.100.7" not in names and "c2-relay.example" in names


@pytest.mark.parametrize("tlp", ["clear", "green"])
def test_exercise_incidents_are_never_published(db: Database, world: World, tlp: str) -> None:
    with db.transaction() as uow:
        _file(uow, world, tlp, exercise_id=str(uuid.uuid4()))
        seen = _published(uow, world.ua_analyst.id, every_version=True)
    assert not [o for o in seen if o["type"] in ("incident", "indicator", "relationship")]


def test_stricter_observable_of_a_clear_incident_keeps_the_recipients(
    db: Database, world: World
) -> None:
    """A CLEAR incident addressed to CERT-LT with one AMBER observable: CERT-LT sees that
    observable's indicator, as it sees the observable itself."""
    with db.transaction() as uow:
        author = _who(uow, world.ua_analyst.id)
        incident = service.create(uow, author, {
            "title": "Relay", "rsit_class": "fraud", "rsit_type": "phishing",
            "severity": "high", "tlp": "clear", "recipient_org_ids": [str(world.lt_org)]})
        observables.add(uow, author, incident.id, type="domain", value="c2-relay.example",
                        tlp="amber")
        lt = {o.get("name") for o in _published(uow, world.analyst.id)}
        direct = {o.value for o in observables.list_for(uow, _who(uow, world.analyst.id),
                                                         incident.id)}
    assert "c2-relay.example" in lt and direct == {"c2-relay.example"}


def test_observable_stricter_than_its_incident_needs_both_levels(
    db: Database, world: World
) -> None:
    """An AMBER+STRICT incident (CERT-UA's own) naming CERT-LT's analyst, with a RED
    observable: RED alone would show it to that named user, but the incident is not shared
    with CERT-LT, so its indicator must stay hidden from them, as the observable does."""
    with db.transaction() as uow:
        author = _who(uow, world.ua_analyst.id)
        incident = service.create(uow, author, {
            "title": "Relay", "rsit_class": "fraud", "rsit_type": "phishing",
            "severity": "high", "tlp": "amber+strict",
            "recipient_user_ids": [str(world.analyst.id)]})
        observables.add(uow, author, incident.id, type="domain", value="c2-relay.example",
                        tlp="red")
        named = _published(uow, world.analyst.id, every_version=True)
        own = {o.get("name") for o in _published(uow, world.ua_analyst.id)}
    assert not [o for o in named if o["type"] in ("incident", "indicator", "domain-name")]
    assert "c2-relay.example" in own
