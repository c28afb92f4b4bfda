"""The OASIS TAXII 2.1 client (`taxii2client.v21`) against a real `rcsc serve` on loopback,
on SQLite and PostgreSQL: discovery, API root, collections, adding objects and polling the
status, every filter, pagination with `as_pages`, one object, its versions, the manifest and
deleting — with HTTP Basic (e-mail and API token), as other TAXII tools connect."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages  # type: ignore[import-untyped]

from rcsc.accounts import bootstrap, organisations, tokens, users
from rcsc.accounts.auth import system
from rcsc.core.identity import Role, scopes_allowed
from rcsc.core.tlp import Tlp
from rcsc.exchange import collections
from rcsc.storage import Database, migrate
from tests.conftest import PASSWORD
from tests.pg_scratch import scratch_database
from tests.processes import RCSC, child_env, free_port, start
from tests.web.taxii_support import TAXII, indicator, ipv4

pytestmark = pytest.mark.e2e
D1, D2 = "2026-11-01T10:00:00.000Z", "2026-11-02T10:00:00.000Z"


@dataclass
class Node:
    base: str
    url: str  # the database the server runs on
    logins: dict[str, tuple[str, str]]  # who -> (e-mail, token) for HTTP Basic


def _user(db: Database, email: str, org_id: uuid.UUID) -> tuple[str, str]:
    with db.transaction() as uow:
        user = users.create(uow, system("test"), email=email, name=email.split("@")[0],
                            org_id=org_id, roles=["analyst"], password=PASSWORD)
        scopes = sorted(s.value for s in scopes_allowed(frozenset({Role.ANALYST})))
        _token, secret = tokens.create(uow, system("test"), user_id=user.id, name="taxii",
                                       scopes=scopes, expires_days=1)
    return email, secret


def _initialise(url: str) -> dict[str, tuple[str, str]]:
    db = Database(url)
    try:
        migrate.upgrade(db.engine)
        with db.transaction() as uow:
            bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                                 admin_email="admin@rcsc.example")
            lt = organisations.create(uow, system("test"), name="CERT-LT", country="LT",
                                      kind="national-csirt")
            ua = organisations.create(uow, system("test"), name="CERT-UA", country="UA",
                                      kind="national-csirt")
        return {"lt": _user(db, "analyst@cert-lt.example", lt.id),
                "ua": _user(db, "analyst@cert-ua.example", ua.id)}
    finally:
        db.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Node]:
    """One server per backend for the module; each test works in a collection of its own."""
    home = tmp_path_factory.mktemp(f"taxii-{request.param}")
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(contextmanager(scratch_database)("taxii")) \
            if request.param == "postgresql" else f"sqlite:///{home / 'rcsc.sqlite3'}"
        logins = _initialise(url)  # `rcsc serve` refuses a database that is not migrated
        port = free_port()
        process = start([*RCSC, "serve", "--host", "127.0.0.1", "--port", str(port)],
                        child_env(data_dir=str(home / "data"), database_url=url),
                        home / "logs", cwd=home, name="serve")
        stack.callback(process.kill_group)  # before the scratch database is dropped
        process.wait_for_http(f"http://127.0.0.1:{port}/healthz")
        yield Node(f"http://127.0.0.1:{port}", url, logins)


def _collection_of_its_own(node: Node) -> str:
    db = Database(node.url)
    try:
        with db.transaction() as uow:
            made = collections.create(uow, system("test"), alias=f"t-{uuid.uuid4().hex[:12]}",
                                      title="TAXII client test")
    finally:
        db.dispose()
    return str(made.id)


def _root(node: Node, who: str = "lt") -> ApiRoot:
    email, token = node.logins[who]
    return ApiRoot(f"{node.base}/taxii2/api/", user=email, password=token)


@pytest.fixture
def collection(node: Node) -> Iterator[Collection]:
    collection_id = _collection_of_its_own(node)
    with _root(node) as root:
        found = [c for c in root.collections if c.id == collection_id]
        assert len(found) == 1
        yield found[0]


def _as(node: Node, collection: Collection, who: str) -> Collection:
    email, token = node.logins[who]
    return Collection(collection.url, user=email, password=token)


def test_discovery_api_root_and_collections(node: Node, collection: Collection) -> None:
    email, token = node.logins["lt"]
    with Server(f"{node.base}/taxii2/", user=email, password=token) as server:
        assert server.title and server.contact
        assert [r.url for r in server.api_roots] == [f"{node.base}/taxii2/api/"]
        root = server.default
        assert root.url == f"{node.base}/taxii2/api/"
        assert root.versions == [TAXII] and root.max_content_length > 0
        assert {"shared", collection.alias} <= {c.alias for c in root.collections}
        root.close()
    assert (collection.can_read, collection.can_write) == (True, True)
    assert collection.media_types == ["application/stix+json;version=2.1"]


def test_add_objects_reports_each_object_and_the_status_can_be_polled(
    node: Node, collection: Collection
) -> None:
    good, bad = indicator("198.51.100.50"), indicator("198.51.100.51", pattern="[nonsense")
    status = collection.add_objects({"objects": [good, bad]}, wait_for_completion=False)
    assert (status.status, status.total_count, status.success_count,
            status.failure_count) == ("complete", 2, 1, 1)
    assert status.failures[0]["id"] == bad["id"]
    assert status.failures[0]["message"].startswith("pattern:")
    status.refresh()  # GET …/status/{id}/ again, as a polling client does
    status.wait_until_final(poll_interval=0.1, timeout=10)
    assert status.status == "complete" and status.successes[0]["id"] == good["id"]
    with _root(node) as root:
        again = root.get_status(status.id)
    assert again.success_count == 1 and again.failure_count == 1
    assert collection.get_object(good["id"])["objects"] == [good]


def _fill(collection: Collection) -> dict[str, Any]:
    v1 = indicator("198.51.100.52", Tlp.CLEAR, modified=D1)
    v2 = {**v1, "modified": D2, "name": "second"}
    others = [indicator(f"198.51.100.{n}", Tlp.CLEAR) for n in range(53, 57)]
    sco = ipv4("198.51.100.57", Tlp.CLEAR)
    for batch in ([v1, *others[:2]], [sco, *others[2:]], [v2]):
        assert collection.add_objects({"objects": batch}).success_count == len(batch)
    return {"v1": v1, "v2": v2, "others": others, "sco": sco}


def _http_status(error: pytest.ExceptionInfo[requests.HTTPError]) -> int:
    assert error.value.response is not None
    return error.value.response.status_code


def _ids(envelope: dict[str, Any]) -> list[str]:
    return [o["id"] for o in envelope.get("objects", [])]


def test_get_objects_with_every_filter(collection: Collection) -> None:
    o = _fill(collection)
    stix_id = o["v1"]["id"]
    assert collection.get_objects(id=stix_id)["objects"] == [o["v2"]]
    assert collection.get_objects(id=stix_id, version="first")["objects"] == [o["v1"]]
    assert collection.get_objects(id=stix_id, version="all")["objects"] == [o["v1"], o["v2"]]
    assert collection.get_objects(id=stix_id, version=D1)["objects"] == [o["v1"]]
    assert _ids(collection.get_objects(type="ipv4-addr")) == [o["sco"]["id"]]
    assert len(_ids(collection.get_objects(spec_version="2.1"))) == 6
    assert collection.get_objects(spec_version="2.0") == {"more": False}
    manifest = collection.get_manifest(version="all")["objects"]
    assert len(manifest) == 7
    later = collection.get_objects(added_after=manifest[2]["date_added"], version="all")
    assert _ids(later) == [r["id"] for r in manifest[3:]]
    pair = [o["others"][0]["id"], o["others"][3]["id"]]
    assert _ids(collection.get_objects(id=pair)) == pair


@pytest.mark.parametrize("per_request", [1, 2, 3, 7, 50])
def test_as_pages_walks_objects_and_manifest_without_repeats_or_gaps(
    collection: Collection, per_request: int
) -> None:
    _fill(collection)
    everything = [(r["id"], r["version"]) for r in collection.get_manifest(
        version="all")["objects"]]
    objects = [(obj["id"], obj.get("modified")) for page in as_pages(
        collection.get_objects, per_request=per_request, version="all")
        for obj in page.get("objects", [])]
    assert [i for i, _ in objects] == [i for i, _ in everything]
    records = [(r["id"], r["version"]) for page in as_pages(
        collection.get_manifest, per_request=per_request, version="all")
        for r in page.get("objects", [])]
    assert records == everything


def test_object_versions_manifest_and_delete(node: Node, collection: Collection) -> None:
    o = _fill(collection)
    stix_id = o["v1"]["id"]
    assert collection.get_object(stix_id)["objects"] == [o["v2"]]
    assert collection.object_versions(stix_id)["versions"] == [D1, D2]
    records = collection.get_manifest(id=stix_id)["objects"]
    assert [(r["id"], r["version"], r["media_type"]) for r in records] == [
        (stix_id, D2, "application/stix+json;version=2.1")]
    with _as(node, collection, "ua") as stranger, \
            pytest.raises(requests.HTTPError) as refused:
        stranger.delete_object(stix_id, version="all")
    assert _http_status(refused) == 404
    collection.delete_object(stix_id, version="all")
    with pytest.raises(requests.HTTPError) as gone:
        collection.get_object(stix_id)
    assert _http_status(gone) == 404
    assert stix_id not in _ids(collection.get_objects(version="all"))


def test_amber_object_is_invisible_to_another_organisation(
    node: Node, collection: Collection
) -> None:
    amber = indicator("198.51.100.58", Tlp.AMBER)
    collection.add_objects({"objects": [amber]})
    with _as(node, collection, "ua") as stranger:
        assert stranger.get_objects() == {"more": False}
        with pytest.raises(requests.HTTPError) as hidden:
            stranger.get_object(amber["id"])
    assert _http_status(hidden) == 404
    assert collection.get_objects()["objects"] == [amber]
