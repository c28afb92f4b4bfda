"""Peer nodes: the admin services (checks by field, conflicts, permission, audit), their
storage (bookmarks only move forward, due peers are claimed once), the scheduler, and the
boundary a peer node meets when it reads from us over TAXII — a truth table."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rcsc.accounts import organisations
from rcsc.accounts.auth import system
from rcsc.config import Settings
from rcsc.core.clock import FrozenClock
from rcsc.core.federation import Bookmark, Direction
from rcsc.core.identity import Role
from rcsc.core.tlp import Tlp
from rcsc.errors import Conflict, PermissionDenied, ValidationFailed
from rcsc.exchange import peers
from rcsc.exchange.scheduler import Scheduler
from rcsc.storage import Database
from tests.exchange.federation_support import (
    LT,
    PL,
    UA,
    account,
    marked,
    post,
    principal,
    register_orgs,
)
from tests.web.api_support import audit_entries
from tests.web.taxii_support import OBJECTS, auth

KEY = "a-node-secret-key-for-tests-" + "k" * 20
URL = "https://rcsc.cert.gov.ua/taxii2/api/"


@pytest.fixture
def node(db: Database) -> Database:
    register_orgs(db)
    return db


def _add(db: Database, **fields: Any) -> None:
    given: dict[str, Any] = {"name": "ua", "url": URL, "token": "rcsc_abc", "org_id": UA,
                             **fields}
    with db.transaction() as uow:
        peers.add(uow, system("test"), KEY, **given)


# --- the services -----------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "named"), [
    ({"name": ""}, "name"), ({"name": "has space"}, "name"), ({"name": "x" * 65}, "name"),
    ({"url": "ftp://x.example/"}, "url"), ({"url": "rcsc.example/taxii2/api/"}, "url"),
    ({"url": "https://u:p@x.example/taxii2/api/"}, "url"),
    ({"url": "https://x.example/taxii2/api/?a=1"}, "url"),
    ({"token": ""}, "token"), ({"token": "two words"}, "token"),
    ({"org_id": uuid.UUID(int=7)}, "org_id"),
    ({"interval_minutes": 0}, "interval_minutes"),
    ({"interval_minutes": 7 * 24 * 60 + 1}, "interval_minutes"),
])
def test_bad_input_is_refused_by_field_and_stores_nothing(
    node: Database, fields: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValidationFailed) as error:
        _add(node, **fields)
    assert [e.field for e in error.value.errors] == [named]
    with node.transaction(readonly=True) as uow:
        assert uow.peers.every() == []
    assert audit_entries(node, action="peer.add") == []


def test_a_peer_is_due_at_once_with_a_slash_ended_url_and_the_add_is_audited(
    node: Database, clock: FrozenClock
) -> None:
    _add(node, url="https://rcsc.cert.gov.ua/taxii2/api", interval_minutes=30)
    with node.transaction(readonly=True) as uow:
        [status] = peers.list_all(uow, system("test"))
    assert (status.peer.url, status.peer.next_sync_at, status.org_name,
            status.last_run) == (URL, clock.now(), "CERT-UA", None)
    [entry] = audit_entries(node, action="peer.add")
    assert entry.detail["name"] == "ua" and "rcsc_abc" not in str(entry.detail)


def test_one_peer_per_name_and_per_organisation(node: Database) -> None:
    _add(node)
    with pytest.raises(Conflict) as same_name:
        _add(node, org_id=PL)
    assert same_name.value.field == "name"
    with pytest.raises(Conflict) as same_org:
        _add(node, name="ua-2")
    assert same_org.value.field == "org_id"


def test_only_node_admins_manage_peers(node: Database) -> None:
    analyst = principal(node, account(node, "analyst@cert-lt.example", LT, Role.ANALYST))
    with node.transaction() as uow, pytest.raises(PermissionDenied, match="peer.manage"):
        peers.add(uow, analyst, KEY, name="ua", url=URL, token="t", org_id=UA)
    with node.transaction() as uow, pytest.raises(PermissionDenied):
        peers.list_all(uow, analyst)


def test_disable_enable_reset_and_remove(node: Database, clock: FrozenClock) -> None:
    _add(node)
    with node.transaction() as uow:
        peer = peers.get(uow, system("test"), "ua")
        uow.peers.advance(Bookmark(peer.id, Direction.PULL, "shared", clock.now(), "x"))
        off = peers.update(uow, system("test"), KEY, "ua", enabled=False)
    assert (off.enabled, off.next_sync_at) == (False, None)
    clock.advance(minutes=5)
    with node.transaction() as uow:
        on = peers.update(uow, system("test"), KEY, "ua", enabled=True, interval_minutes=5,
                          reset_bookmarks=True)
        assert uow.peers.bookmarks(peer.id) == []
    assert (on.enabled, on.next_sync_at, on.interval_minutes) == (True, clock.now(), 5)
    with node.transaction() as uow:
        peers.remove(uow, system("test"), "ua")
        assert uow.peers.every() == []
    assert [e.action for e in audit_entries(node, object_type="peer")] == [
        "peer.add", "peer.update", "peer.update", "peer.remove"]


def test_an_organisation_can_be_registered_by_the_id_another_node_gave_it(
    node: Database
) -> None:
    wanted = uuid.UUID("22222222-0000-4000-8000-000000000009")
    with node.transaction() as uow:
        made = organisations.create(uow, system("test"), name="CERT-EE", country="EE",
                                    kind="national-csirt", org_id=wanted)
    assert made.id == wanted
    with node.transaction() as uow, pytest.raises(Conflict) as clash:
        organisations.create(uow, system("test"), name="Other", country="EE",
                             kind="national-csirt", org_id=wanted)
    assert clash.value.field == "id"


def test_the_token_cannot_be_read_with_another_secret_key() -> None:
    sealed = peers.seal(KEY, "rcsc_token")
    assert peers.unseal(KEY, sealed) == "rcsc_token"
    with pytest.raises(Exception, match="RCSC_SECRET_KEY"):
        peers.unseal(KEY + "x", sealed)


# --- storage ------------------------------------------------------------------------------

def test_a_bookmark_only_moves_forward(node: Database, clock: FrozenClock) -> None:
    _add(node)
    with node.transaction() as uow:
        peer = peers.get(uow, system("test"), "ua")
        later = Bookmark(peer.id, Direction.PUSH, "shared", clock.now(), pk=9)
        uow.peers.advance(later)
        uow.peers.advance(Bookmark(peer.id, Direction.PUSH, "shared", clock.now(), pk=3))
        uow.peers.advance(Bookmark(peer.id, Direction.PUSH, "shared",
                                   clock.now() - timedelta(seconds=1), pk=99))
        assert uow.peers.bookmark(peer.id, Direction.PUSH, "shared") == later


def test_due_peers_are_claimed_once_and_moved_on_by_their_interval(
    node: Database, clock: FrozenClock
) -> None:
    _add(node, interval_minutes=10)
    _add(node, name="pl", org_id=PL, enabled=False)
    with node.transaction() as uow:
        claimed = uow.peers.claim_due(clock.now())
    assert [p.name for p in claimed] == ["ua"]
    with node.transaction() as uow:
        assert uow.peers.claim_due(clock.now()) == []
        assert uow.peers.by_name("ua").next_sync_at == clock.now() + timedelta(minutes=10)  # type: ignore[union-attr]


def test_concurrent_claims_skip_each_others_peers_on_postgresql(node: Database,
                                                                 clock: FrozenClock) -> None:
    if node.dialect != "postgresql":
        pytest.skip("SQLite takes one writer at a time")
    for n, org in enumerate((UA, PL)):
        _add(node, name=f"p{n}", org_id=org)
    holding, release = threading.Event(), threading.Event()
    first: list[str] = []

    def claim_and_hold() -> None:
        with node.transaction() as uow:
            first.extend(p.name for p in uow.peers.claim_due(clock.now(), limit=1))
            holding.set()
            release.wait(10)

    worker = threading.Thread(target=claim_and_hold)
    worker.start()
    assert holding.wait(10)
    with node.transaction() as uow:
        second = [p.name for p in uow.peers.claim_due(clock.now())]
    release.set()
    worker.join(10)
    assert len(first) == 1 and second and set(first).isdisjoint(second)
    assert sorted(first + second) == ["p0", "p1"]


def test_the_scheduler_syncs_a_due_peer_and_reports_a_down_one(
    node: Database, settings: Settings, clock: FrozenClock
) -> None:
    from tests.processes import free_port

    _add(node, url=f"http://127.0.0.1:{free_port()}/taxii2/api/", interval_minutes=5)
    scheduler = Scheduler(node, settings.model_copy(update={"secret_key": KEY}))
    [run] = scheduler.tick()
    assert "cannot connect" in run.error
    assert scheduler.tick() == []  # not due again before its interval
    with node.transaction(readonly=True) as uow:
        assert uow.peers.by_name("ua").next_sync_at == clock.now() + timedelta(minutes=5)  # type: ignore[union-attr]


# --- the boundary a peer node reads through ---------------------------------------------------

# (what the hub holds, made by whom, received from which node) -> may PL's node read it?
BOUNDARY = [
    ("clear, local", Tlp.CLEAR, (), None, True),
    ("green, local", Tlp.GREEN, (), None, True),
    ("amber for PL, local", Tlp.AMBER, (PL,), None, True),
    ("amber for UA only, local", Tlp.AMBER, (UA,), None, False),
    ("amber+strict for PL, local", Tlp.AMBER_STRICT, (PL,), None, True),
    ("red, local", Tlp.RED, (), None, False),
    ("clear, from UA's node", Tlp.CLEAR, (), UA, True),
    ("green, from UA's node", Tlp.GREEN, (), UA, True),
    ("amber for PL, from UA's node", Tlp.AMBER, (PL,), UA, True),
    ("amber+strict for PL, from UA's node", Tlp.AMBER_STRICT, (PL,), UA, False),
    ("clear, from PL's own node", Tlp.CLEAR, (), PL, False),
    ("amber for PL, from PL's own node", Tlp.AMBER, (PL,), PL, False),
]


def test_a_peer_node_reads_over_taxii_exactly_what_may_cross(
    node: Database, client: TestClient
) -> None:
    lt = principal(node, account(node, "analyst@cert-lt.example", LT, Role.ANALYST))
    senders = {org: principal(node, account(node, f"node@{name}.example", org, Role.PEER))
               for org, name in ((UA, "cert-ua"), (PL, "cert-pl"))}
    pl_node_token = account(node, "node2@cert-pl.example", PL, Role.PEER)
    pl_analyst_token = account(node, "analyst@cert-pl.example", PL, Role.ANALYST)
    made: dict[str, tuple[str, bool]] = {}
    for n, (label, tlp, recipients, sender, crosses) in enumerate(BOUNDARY):
        obj = marked(f"192.0.2.{n + 1}", tlp, *recipients)
        status = post(node, senders[sender] if sender else lt, obj)
        assert len(status.successes) == 1, label
        made[label] = (obj["id"], crosses)

    def read(token: str) -> set[str]:
        response = client.get(OBJECTS, headers=auth(token))
        assert response.status_code == 200, response.text
        return {o["id"] for o in response.json().get("objects", [])}

    as_node, as_analyst = read(pl_node_token), read(pl_analyst_token)
    for label, (stix_id, crosses) in made.items():
        assert (stix_id in as_node) is crosses, label
    # the same organisation's people on this node see more: the boundary is for nodes only
    assert {made["amber+strict for PL, from UA's node"][0],
            made["amber for PL, from PL's own node"][0]} <= as_analyst
