"""Searching stored STIX objects (API `GET /api/v1/intel/objects` and the `/intel` page), on
SQLite and PostgreSQL: a hit only for viewers the sharing rule allows, the newest version
each viewer may see, by name, id or a value in the JSON; keyset pages; bad input is a 422
naming the field; AMBER+STRICT and RED hits are audited."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from rcsc.core.incidents import Recipients
from rcsc.core.tlp import Tlp
from rcsc.stix.recipients import mark
from tests.conftest import PASSWORD, World
from tests.incidents.sharing_world import EXPECTED, VIEWERS, SharingWorld, build_sharing_world
from tests.web.api_support import assert_problem, audit_entries
from tests.web.page_support import assert_html, logged_in
from tests.web.taxii_support import added, indicator

if TYPE_CHECKING:
    from rcsc.storage import Database

SEARCH = "/api/v1/intel/objects"


@pytest.fixture
def sharing_world(db: Database) -> SharingWorld:
    return build_sharing_world(db)


def _marked(w: SharingWorld, tlp: Tlp, value: str, **fields: Any) -> dict[str, Any]:
    audience = Recipients(org_ids=frozenset({w.recipient_org}),
                          community_ids=frozenset({w.named_community}),
                          user_ids=frozenset({w.named_user}))
    return mark(indicator(value, None, **fields), tlp, audience)


def _found(client: TestClient, token: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(SEARCH, params=params, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.mark.parametrize("tlp", list(Tlp), ids=lambda t: t.value)
def test_a_hit_only_for_the_viewers_the_rule_allows(
    client: TestClient, sharing_world: SharingWorld, tlp: Tlp
) -> None:
    w = sharing_world
    obj = _marked(w, tlp, "198.51.100.20", name="Kaunas scanner wave")
    added(client, w.tokens["author"], obj)
    for who, expected in zip(VIEWERS, EXPECTED[tlp], strict=True):
        for params in ({"q": "KAUNAS scanner"}, {"q": obj["id"]}, {"q": "198.51.100.20"}):
            hits = _found(client, w.tokens[who], **params)
            assert [h["id"] for h in hits] == ([obj["id"]] if expected else []), (who, params)
            if expected:
                assert hits[0]["object"] == obj and hits[0]["tlp"] == tlp.value
                assert hits[0]["collection"] == "shared" and hits[0]["type"] == "indicator"


@pytest.mark.parametrize("who", VIEWERS)
def test_each_viewer_finds_the_newest_version_it_may_see(
    client: TestClient, sharing_world: SharingWorld, who: str
) -> None:
    w = sharing_world
    stix_id = f"indicator--{uuid.uuid4()}"
    v1 = _marked(w, Tlp.CLEAR, "198.51.100.21", ident=stix_id, name="Vilnius botnet")
    v2 = _marked(w, Tlp.RED, "198.51.100.21", ident=stix_id, name="Vilnius botnet",
                 modified="2026-11-02T10:00:00.000Z")
    added(client, w.tokens["author"], v1, v2)
    newest = v2 if EXPECTED[Tlp.RED][VIEWERS.index(who)] else v1
    assert [h["object"] for h in _found(client, w.tokens[who], q="vilnius")] == [newest]


def test_type_filter_and_literal_wildcards(client: TestClient, world: World) -> None:
    actor = {"name": "Sandworm %_ team", "type": "threat-actor", "spec_version": "2.1",
             "id": f"threat-actor--{uuid.uuid4()}", "created": "2026-11-01T10:00:00.000Z",
             "modified": "2026-11-01T10:00:00.000Z"}
    other = indicator("198.51.100.22", Tlp.CLEAR, name="Sandworm infrastructure")
    added(client, world.analyst.token, actor, other)
    token = world.viewer.token
    assert {h["id"] for h in _found(client, token, q="sandworm")} == {actor["id"], other["id"]}
    assert [h["id"] for h in _found(client, token, q="sandworm", type="threat-actor")] == [
        actor["id"]]
    assert [h["id"] for h in _found(client, token, q="%_")] == [actor["id"]]
    assert _found(client, token, q="worm_infra") == []  # `_` is not "any character"


def test_pages_follow_the_cursor_without_overlap(client: TestClient, world: World) -> None:
    made = [indicator(f"198.51.100.{30 + n}", Tlp.CLEAR, name=f"Paging probe {n}")
            for n in range(5)]
    for obj in made:  # one POST each: a distinct date_added each
        added(client, world.analyst.token, obj)
    headers = {"Authorization": f"Bearer {world.viewer.token}"}
    seen: list[str] = []
    cursor = ""
    for _ in range(5):
        page = client.get(SEARCH, params={"q": "paging probe", "limit": 2, "cursor": cursor},
                          headers=headers).json()
        seen += [h["id"] for h in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [obj["id"] for obj in reversed(made)]  # newest first, each once


def test_bad_input_is_a_422_naming_each_field(client: TestClient, world: World,
                                              db: Database) -> None:
    headers = {"Authorization": f"Bearer {world.viewer.token}"}
    response = client.get(SEARCH, headers=headers, params={
        "q": "x" * 501, "type": "Not A Type", "limit": 0, "cursor": "garbage"})
    body = assert_problem(response, 422)
    assert {e["field"] for e in body["errors"]} == {"q", "type", "limit", "cursor"}
    missing = client.get(SEARCH, headers=headers, params={"collection": "nope"})
    assert_problem(missing, 404)
    assert client.get(SEARCH).status_code == 401


@pytest.mark.parametrize(("tlp", "audited"), [
    (Tlp.GREEN, False), (Tlp.AMBER_STRICT, True), (Tlp.RED, True)])
def test_restricted_hits_are_audited(client: TestClient, sharing_world: SharingWorld,
                                     db: Database, tlp: Tlp, audited: bool) -> None:
    w = sharing_world
    obj = _marked(w, tlp, "198.51.100.23", name="Audited probe")
    added(client, w.tokens["author"], obj)
    assert _found(client, w.tokens["author"], q="audited probe")
    reads = [e for e in audit_entries(db, action="intel.read")
             if e.object_type == "search"]
    assert len(reads) == (1 if audited else 0)
    if audited:
        assert reads[0].detail["ids"] == [obj["id"]]


def test_the_intel_page_lists_what_the_viewer_may_see(client: TestClient,
                                                      world: World) -> None:
    shown = indicator("198.51.100.24", Tlp.CLEAR, name="Page probe visible")
    hidden = mark(indicator("198.51.100.25", None, name="Page probe hidden"), Tlp.AMBER_STRICT,
                  Recipients())
    added(client, world.ua_analyst.token, shown, hidden)
    logged_in(client, world.viewer.email, PASSWORD)
    html = assert_html(client.get("/intel", params={"q": "page probe"}), 200)
    assert "Page probe visible" in html and shown["id"] in html
    assert "Page probe hidden" not in html and hidden["id"] not in html
    bad = assert_html(client.get("/intel", params={"type": "NOT A TYPE"}), 422)
    assert "is not a STIX type" in bad
