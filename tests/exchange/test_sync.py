"""Sync with a real peer node (an RCSC app served on loopback with its own database): what
crosses at each TLP level in each direction, provenance, bookmarks, paging, idempotence,
and peers that are down, slow or answer garbage. The local node runs on SQLite and
PostgreSQL (`db`); the peer on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from rcsc.accounts.auth import system
from rcsc.config import Settings
from rcsc.core.exchange import peer_label
from rcsc.core.federation import Direction, RunOutcome, SyncRun
from rcsc.core.identity import Principal, Role
from rcsc.core.tlp import Tlp
from rcsc.exchange import peers, sync
from rcsc.storage import Database
from rcsc.storage.tables import StixObjectRow
from tests.exchange.federation_support import (
    API_ROOT_REPLY,
    LT,
    PL,
    UA,
    Reply,
    Served,
    account,
    marked,
    misbehaving_peer,
    post,
    principal,
    register_orgs,
    served_node,
)
from tests.web.api_support import audit_entries


@dataclass(frozen=True)
class Row:
    received_from: str | None
    origin: str
    owner: uuid.UUID


def stored(db: Database) -> dict[str, list[Row]]:
    """Every stored version by STIX id, with its provenance."""
    found: dict[str, list[Row]] = {}
    with db.engine.connect() as conn:
        for stix_id, received, origin, owner in conn.execute(select(
                StixObjectRow.stix_id, StixObjectRow.received_from, StixObjectRow.origin,
                StixObjectRow.owner_org_id)):
            found.setdefault(stix_id, []).append(Row(received, origin, owner))
    return found


@dataclass
class Federation:
    local: Database  # the hub, run by LT's node
    remote: Served  # UA's node
    settings: Settings
    lt: Principal  # an analyst of CERT-LT on the hub
    ua: Principal  # an analyst of CERT-UA on UA's node

    def sync(self, name: str | None = "ua", **overrides: Any) -> list[SyncRun]:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        return sync.run(self.local, settings, system("test"), name)


@pytest.fixture
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_node(tmp_path_factory.mktemp("ua"), "RCSC UA") as node:
        yield node


def add_peer(db: Database, settings: Settings, name: str, url: str, token: str,
             org_id: uuid.UUID) -> None:
    with db.transaction() as uow:
        peers.add(uow, system("test"), settings.effective_secret_key, name=name, url=url,
                  token=token, org_id=org_id)


@pytest.fixture
def fed(db: Database, remote: Served, settings: Settings) -> Federation:
    register_orgs(db)
    node_account = account(remote.db, "node@cert-lt.example", LT, Role.PEER)
    add_peer(db, settings, "ua", remote.api_root, node_account, UA)
    return Federation(
        db, remote, settings,
        lt=principal(db, account(db, "analyst@cert-lt.example", LT, Role.ANALYST)),
        ua=principal(remote.db, account(remote.db, "analyst@cert-ua.example", UA,
                                        Role.ANALYST)))


def one(runs: list[SyncRun]) -> SyncRun:
    assert len(runs) == 1
    return runs[0]


# --- what crosses, and only once ---------------------------------------------------------

UA_POSTS = {  # UA's node holds these; which may reach LT's node
    "clear": (marked("198.51.100.1", Tlp.CLEAR), True),
    "green": (marked("198.51.100.2", Tlp.GREEN), True),
    "amber for LT": (marked("198.51.100.3", Tlp.AMBER, LT), True),
    "amber for PL": (marked("198.51.100.4", Tlp.AMBER, PL), False),
    "amber+strict for LT": (marked("198.51.100.5", Tlp.AMBER_STRICT, LT), True),
    "red": (marked("198.51.100.6", Tlp.RED), False),
}
LT_POSTS = {  # the hub holds these; which may reach UA's node
    "clear": (marked("203.0.113.1", Tlp.CLEAR), True),
    "green": (marked("203.0.113.2", Tlp.GREEN), True),
    "amber for UA": (marked("203.0.113.3", Tlp.AMBER, UA), True),
    "amber for PL": (marked("203.0.113.4", Tlp.AMBER, PL), False),
    "amber+strict for UA": (marked("203.0.113.5", Tlp.AMBER_STRICT, UA), True),
    "red": (marked("203.0.113.6", Tlp.RED), False),
}


@pytest.mark.parametrize("page", [1, 2, 1000])
def test_sync_moves_exactly_what_may_cross_each_way_and_a_second_sync_moves_nothing(
    fed: Federation, page: int
) -> None:
    post(fed.remote.db, fed.ua, *(o for o, _ in UA_POSTS.values()))
    post(fed.local, fed.lt, *(o for o, _ in LT_POSTS.values()))

    run = one(fed.sync(federation_page_size=page, federation_push_batch=page))

    assert run.outcome is RunOutcome.OK, run.error
    here, there = stored(fed.local), stored(fed.remote.db)
    for label, (obj, crosses) in UA_POSTS.items():
        assert (obj["id"] in here) is crosses, label
        if crosses:
            assert here[obj["id"]] == [Row(peer_label(UA), sync.ORIGIN, UA)], label
        assert [r.received_from for r in there[obj["id"]]] == [
            "taxii:analyst@cert-ua.example"], f"{label} came back to UA"
    for label, (obj, crosses) in LT_POSTS.items():
        assert (obj["id"] in there) is crosses, label
        if crosses:
            assert [(r.received_from, r.owner) for r in there[obj["id"]]] == [
                (peer_label(LT), LT)], label
    assert (run.counts.pulled_created, run.counts.pushed) == (4, 4)

    again = one(fed.sync(federation_page_size=page, federation_push_batch=page))
    assert again.outcome is RunOutcome.OK and again.counts.moved == 0, again
    assert (stored(fed.local), stored(fed.remote.db)) == (here, there)


def test_bookmarks_advance_and_a_new_version_is_pulled_as_an_update(fed: Federation) -> None:
    first = marked("198.51.100.10", Tlp.GREEN, modified="2026-11-01T10:00:00.000Z")
    post(fed.remote.db, fed.ua, first)
    assert one(fed.sync()).counts.pulled_created == 1
    with fed.local.transaction(readonly=True) as uow:
        peer = uow.peers.by_name("ua")
        assert peer is not None
        before = uow.peers.bookmark(peer.id, Direction.PULL, "shared")
    assert before is not None

    post(fed.remote.db, fed.ua, {**first, "modified": "2026-11-02T10:00:00.000Z"})
    run = one(fed.sync())

    assert (run.counts.pulled_created, run.counts.pulled_updated,
            run.counts.pulled_unchanged) == (0, 1, 0)
    with fed.local.transaction(readonly=True) as uow:
        after = uow.peers.bookmark(peer.id, Direction.PULL, "shared")
    assert after is not None and after.at > before.at
    assert len(stored(fed.local)[first["id"]]) == 2


def test_objects_each_side_refuses_are_reported_once_and_not_retried(
    fed: Federation
) -> None:
    """The same id made by two organisations: each node keeps its creator's object and
    refuses the other's version (STIX 2.1 §3.6)."""
    ours = marked("203.0.113.20", Tlp.GREEN, modified="2026-11-03T10:00:00.000Z")
    theirs = {**ours, "modified": "2026-11-04T10:00:00.000Z"}
    post(fed.local, fed.lt, ours)
    post(fed.remote.db, fed.ua, theirs)

    run = one(fed.sync())

    assert run.outcome is RunOutcome.FAILED
    assert (run.counts.pulled_rejected, run.counts.pushed_refused) == (1, 1)
    assert run.error.count(ours["id"]) == 2 and "another organisation" in run.error
    again = one(fed.sync())
    assert again.outcome is RunOutcome.OK and again.counts.moved == 0, again.error


def test_the_token_is_stored_encrypted_and_never_audited(
    fed: Federation, settings: Settings
) -> None:
    token = "rcsc_" + "s3cret" * 7
    with fed.local.transaction() as uow:
        peers.update(uow, system("test"), settings.effective_secret_key, "ua", token=token)
    with fed.local.engine.connect() as conn:
        raw = b"".join(bytes(r[0]) for r in conn.exec_driver_sql(
            "SELECT token_encrypted FROM peers"))
    assert token.encode() not in raw
    assert all(token not in orjson.dumps(e.detail).decode() for e in audit_entries(fed.local))
    with fed.local.transaction(readonly=True) as uow:
        peer = uow.peers.by_name("ua")
    assert peer is not None
    assert peers.unseal(settings.effective_secret_key, peer.token_encrypted) == token


def test_a_changed_secret_key_fails_the_run_with_a_clear_reason(fed: Federation) -> None:
    run = one(fed.sync(secret_key="another-secret-key-" + "x" * 40))
    assert run.outcome is RunOutcome.FAILED and "RCSC_SECRET_KEY" in run.error


def test_every_sync_is_audited_with_its_counts(fed: Federation) -> None:
    post(fed.remote.db, fed.ua, marked("198.51.100.30", Tlp.CLEAR))
    run = one(fed.sync())
    entry = audit_entries(fed.local, action="peer.sync")[-1]
    assert entry.detail["run"] == str(run.id) and entry.detail["pulled_created"] == 1


# --- peers that are down, slow or answer garbage -------------------------------------------

def _objects_page(*objects: dict[str, Any], more: bool = False, next: str | None = None,
                  last: str | None = "2026-11-23T09:00:00.000000Z") -> Reply:
    body: dict[str, Any] = {"more": more, "objects": list(objects)}
    if next:
        body["next"] = next
    headers = {"X-TAXII-Date-Added-Last": last} if last else {}
    return Reply(body=orjson.dumps(body), headers=headers)


GARBAGE: dict[str, tuple[Reply, str]] = {
    "html": (Reply(content_type="text/html", body=b"<html>Login</html>"), "text/html"),
    "server error": (Reply(500, "text/plain", b"Internal Server Error"), "HTTP 500"),
    "not json": (Reply(body=b"{not json"), "not JSON"),
    "json list": (Reply(body=b"[1, 2]"), "not a JSON object"),
    "objects not a list": (Reply(body=b'{"objects": {"a": 1}}'), "`objects` is dict"),
    "more not a bool": (Reply(body=b'{"more": "yes"}'), "`more` is str"),
    "no date header": (_objects_page(marked("192.0.2.1", Tlp.CLEAR), last=None),
                       "X-TAXII-Date-Added-Last"),
    "more without next": (_objects_page(marked("192.0.2.2", Tlp.CLEAR), more=True),
                          "`next` is missing"),
    "slow": (Reply(delay=3.0), "no answer within the timeout"),
}


@pytest.mark.parametrize("case", sorted(GARBAGE))
def test_a_peer_answering_garbage_fails_the_run_and_changes_nothing(
    fed: Federation, settings: Settings, case: str
) -> None:
    reply, reason = GARBAGE[case]

    def answer(method: str, path: str) -> Reply:
        return API_ROOT_REPLY if path.endswith("/taxii2/api/") else reply

    before = stored(fed.local)
    with misbehaving_peer(answer) as url:
        add_peer(fed.local, settings, "bad", url, "rcsc_token", PL)
        run = one(fed.sync("bad", federation_read_timeout=1.0))
    assert run.outcome is RunOutcome.FAILED and reason in run.error, run.error
    assert "rcsc_token" not in run.error
    assert stored(fed.local) == before
    with fed.local.transaction(readonly=True) as uow:
        peer = uow.peers.by_name("bad")
        assert peer is not None and uow.peers.bookmarks(peer.id) == []
        assert uow.peers.runs(peer.id)[0].outcome is RunOutcome.FAILED


def test_a_peer_that_is_down_fails_the_run_and_the_others_still_sync(
    fed: Federation, settings: Settings
) -> None:
    from tests.processes import free_port

    add_peer(fed.local, settings, "down", f"http://127.0.0.1:{free_port()}/taxii2/api/",
             "rcsc_token", PL)
    post(fed.remote.db, fed.ua, marked("198.51.100.40", Tlp.CLEAR))

    runs = {r.peer_name: r for r in fed.sync(None)}

    assert runs["down"].outcome is RunOutcome.FAILED
    assert "cannot connect" in runs["down"].error
    assert runs["ua"].outcome is RunOutcome.OK and runs["ua"].counts.pulled_created == 1


def test_a_failure_after_some_pages_keeps_them_and_their_bookmark(
    fed: Federation, settings: Settings
) -> None:
    good = marked("192.0.2.10", Tlp.CLEAR)
    first_page = _objects_page(good, more=True, next="page-2",
                               last="2026-11-23T09:00:00.000001Z")

    def answer(method: str, path: str) -> Reply:
        if path.endswith("/taxii2/api/"):
            return API_ROOT_REPLY
        return Reply(502, "text/plain", b"Bad gateway") if "next=page-2" in path else first_page

    with misbehaving_peer(answer) as url:
        add_peer(fed.local, settings, "flaky", url, "rcsc_token", PL)
        run = one(fed.sync("flaky"))
        assert run.outcome is RunOutcome.FAILED and "HTTP 502" in run.error
        assert run.counts.pulled_created == 1
        assert stored(fed.local)[good["id"]] == [Row(peer_label(PL), sync.ORIGIN, PL)]
        with fed.local.transaction(readonly=True) as uow:
            peer = uow.peers.by_name("flaky")
            assert peer is not None
            mark = uow.peers.bookmark(peer.id, Direction.PULL, "shared")
        assert mark is not None and mark.text == "2026-11-23T09:00:00.000001Z"


def test_invalid_objects_from_a_peer_are_rejected_by_name_and_the_good_ones_kept(
    fed: Federation, settings: Settings
) -> None:
    good = marked("192.0.2.20", Tlp.CLEAR)
    bad = marked("192.0.2.21", Tlp.CLEAR, pattern="[nonsense")

    def answer(method: str, path: str) -> Reply:
        if path.endswith("/taxii2/api/"):
            return API_ROOT_REPLY
        if "/incidents/" in path:
            return Reply(404, body=b'{"title": "Not found"}')
        if "added_after" in path:
            return _objects_page()
        return _objects_page(good, bad)

    with misbehaving_peer(answer) as url:
        add_peer(fed.local, settings, "sloppy", url, "rcsc_token", PL)
        run = one(fed.sync("sloppy"))
        assert run.outcome is RunOutcome.FAILED
        assert (run.counts.pulled_created, run.counts.pulled_rejected) == (1, 1)
        assert bad["id"] in run.error and "pattern" in run.error
        assert good["id"] in stored(fed.local) and bad["id"] not in stored(fed.local)
        again = one(fed.sync("sloppy"))  # rejected versions are decided, not retried
        assert again.outcome is RunOutcome.OK and again.counts.moved == 0
