"""The TLP truth table over TAXII 2.1, on SQLite and PostgreSQL: an object posted with a TLP
2.0 marking and our recipients extension is listed, fetched by id, named in the manifest and
its versions exactly for the viewers `rcsc.sharing.RULE` allows; a hidden object is a 404
that looks like one that does not exist; `match[version]` picks among visible versions."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from rcsc.core.incidents import Recipients
from rcsc.core.tlp import Tlp
from rcsc.incidents.service import viewer_for
from rcsc.sharing import Marking, visible
from rcsc.stix.markings import marking_ref
from rcsc.stix.recipients import mark
from tests.incidents.sharing_world import EXPECTED, VIEWERS, SharingWorld, build_sharing_world
from tests.web.api_support import audit_entries
from tests.web.taxii_support import (
    MANIFEST,
    OBJECTS,
    added,
    assert_taxii_error,
    auth,
    ids,
    indicator,
    ipv4,
    post,
)

if TYPE_CHECKING:
    from rcsc.storage import Database

V1, V2 = "2026-11-01T10:00:00.000Z", "2026-11-02T10:00:00.000Z"


@pytest.fixture
def sharing_world(db: Database) -> SharingWorld:
    return build_sharing_world(db)


def _audience(w: SharingWorld) -> Recipients:
    """The recipient organisation, community and user of the world, as `incident_body`."""
    return Recipients(org_ids=frozenset({w.recipient_org}),
                      community_ids=frozenset({w.named_community}),
                      user_ids=frozenset({w.named_user}))


def _marked(w: SharingWorld, tlp: Tlp, value: str, **fields: Any) -> dict[str, Any]:
    return mark(indicator(value, None, **fields), tlp, _audience(w))


def _reads(client: TestClient, w: SharingWorld, who: str, stix_id: str) -> dict[str, Any]:
    """What one viewer gets for one object from each TAXII read endpoint (None: a 404)."""
    headers = auth(w.tokens[who])
    listed = client.get(OBJECTS, headers=headers)
    by_id = client.get(f"{OBJECTS}{stix_id}/", headers=headers)
    manifest = client.get(MANIFEST, headers=headers)
    versions = client.get(f"{OBJECTS}{stix_id}/versions/", headers=headers)
    for hidden in (by_id, versions):
        if hidden.status_code != 200:
            assert_taxii_error(hidden, 404)  # never a 403: that would confirm it exists
    return {
        "listed": [o for o in listed.json().get("objects", []) if o["id"] == stix_id],
        "by_id": by_id.json().get("objects") if by_id.status_code == 200 else None,
        "manifest": [m["version"] for m in manifest.json().get("objects", [])
                     if m["id"] == stix_id],
        "versions": versions.json().get("versions") if versions.status_code == 200 else None,
    }


@pytest.mark.parametrize("tlp", list(Tlp), ids=lambda t: t.value)
def test_every_taxii_read_follows_the_truth_table(
    client: TestClient, sharing_world: SharingWorld, tlp: Tlp
) -> None:
    w = sharing_world
    obj = _marked(w, tlp, "198.51.100.1")
    added(client, w.tokens["author"], obj, _marked(w, Tlp.RED, "203.0.113.99"))
    for who, expected in zip(VIEWERS, EXPECTED[tlp], strict=True):
        seen = _reads(client, w, who, obj["id"])
        want = {"listed": [obj], "by_id": [obj], "manifest": [V1], "versions": [V1]} \
            if expected else {"listed": [], "by_id": None, "manifest": [], "versions": None}
        assert seen == want, f"{who} on {tlp.label}"


def test_hidden_object_is_a_404_like_an_object_that_does_not_exist(
    client: TestClient, sharing_world: SharingWorld
) -> None:
    w = sharing_world
    obj = _marked(w, Tlp.AMBER_STRICT, "198.51.100.2")
    added(client, w.tokens["author"], obj)
    headers = auth(w.tokens["other member org"])
    never = f"indicator--{uuid.uuid4()}"
    for suffix in ("", "versions/"):
        hidden = client.get(f"{OBJECTS}{obj['id']}/{suffix}", headers=headers)
        absent = client.get(f"{OBJECTS}{never}/{suffix}", headers=headers)
        hidden_body, absent_body = assert_taxii_error(hidden, 404), assert_taxii_error(absent, 404)
        assert hidden_body["title"] == absent_body["title"]
        assert hidden_body["description"].replace(obj["id"], never) == absent_body["description"]
    assert client.get(OBJECTS, headers=headers, params={"match[id]": obj["id"]}).json() == {
        "more": False}


def test_unmarked_object_takes_the_collection_default_green(
    client: TestClient, sharing_world: SharingWorld, db: Database
) -> None:
    """No TLP marking: GREEN with no named community, i.e. the owner and every organisation
    of the node's default community (the rule evaluated in Python is the oracle)."""
    w = sharing_world
    obj = indicator("198.51.100.3", None)
    added(client, w.tokens["author"], obj)
    author = w.people["author"]
    assert author.org_id is not None
    marking = Marking(Tlp.GREEN, author.org_id, author.user_id)
    with db.transaction(readonly=True) as uow:
        viewers = {who: viewer_for(uow, person) for who, person in w.people.items()}
    for who in VIEWERS:
        viewer = viewers[who]
        expected = viewer is not None and visible(viewer, marking)
        assert bool(_reads(client, w, who, obj["id"])["by_id"]) == expected, who


@pytest.mark.parametrize("who", VIEWERS)
def test_last_version_is_the_newest_the_viewer_may_see(
    client: TestClient, sharing_world: SharingWorld, who: str
) -> None:
    """v1 is CLEAR, v2 (newer) is RED: those who may not see RED get v1 as the latest."""
    w = sharing_world
    stix_id = f"indicator--{uuid.uuid4()}"
    v1 = _marked(w, Tlp.CLEAR, "198.51.100.4", ident=stix_id, modified=V1)
    v2 = _marked(w, Tlp.RED, "198.51.100.4", ident=stix_id, modified=V2)
    added(client, w.tokens["author"], v1, v2)
    sees_red = bool(EXPECTED[Tlp.RED][VIEWERS.index(who)])
    newest = v2 if sees_red else v1
    seen = _reads(client, w, who, stix_id)
    assert seen["listed"] == [newest] and seen["by_id"] == [newest]
    assert seen["manifest"] == [newest["modified"]]
    assert seen["versions"] == ([V1, V2] if sees_red else [V1])
    headers = auth(w.tokens[who])
    every = client.get(f"{OBJECTS}{stix_id}/", headers=headers,
                       params={"match[version]": "all"}).json()["objects"]
    assert every == ([v1, v2] if sees_red else [v1])
    asked = client.get(OBJECTS, headers=headers, params={"match[version]": V2}).json()
    assert asked.get("objects", []) == ([v2] if sees_red else [])


@pytest.mark.parametrize("who", VIEWERS)
def test_first_version_is_the_oldest_the_viewer_may_see(
    client: TestClient, sharing_world: SharingWorld, who: str
) -> None:
    w = sharing_world
    stix_id = f"indicator--{uuid.uuid4()}"
    v1 = _marked(w, Tlp.RED, "198.51.100.5", ident=stix_id, modified=V1)
    v2 = _marked(w, Tlp.CLEAR, "198.51.100.5", ident=stix_id, modified=V2)
    added(client, w.tokens["author"], v1, v2)
    first = v1 if EXPECTED[Tlp.RED][VIEWERS.index(who)] else v2
    got = client.get(OBJECTS, headers=auth(w.tokens[who]), params={"match[version]": "first"})
    assert got.json()["objects"] == [first]


@pytest.mark.parametrize(("tlp", "audited"), [
    (Tlp.CLEAR, False), (Tlp.AMBER, False), (Tlp.AMBER_STRICT, True), (Tlp.RED, True)])
def test_reading_amber_strict_or_red_over_taxii_is_audited_with_the_id(
    client: TestClient, sharing_world: SharingWorld, db: Database, tlp: Tlp, audited: bool
) -> None:
    w = sharing_world
    obj = _marked(w, tlp, "198.51.100.9")
    added(client, w.tokens["author"], obj)
    reader = w.people["author"]
    for url in (OBJECTS, f"{OBJECTS}{obj['id']}/"):
        assert client.get(url, headers=auth(w.tokens["author"])).status_code == 200
    reads = audit_entries(db, action="intel.read")
    assert len(reads) == (2 if audited else 0)
    for entry in reads:
        assert entry.org_id == reader.org_id and entry.detail["ids"] == [obj["id"]]


def test_version_from_another_organisation_does_not_replace_the_owners_object(
    client: TestClient, sharing_world: SharingWorld
) -> None:
    """An outsider posts a newer CLEAR version under the id of an AMBER object it cannot
    see: the owner and the AMBER audience must still get the owner's object."""
    w = sharing_world
    stix_id = f"indicator--{uuid.uuid4()}"
    original = _marked(w, Tlp.AMBER, "198.51.100.6", ident=stix_id)
    added(client, w.tokens["author"], original)
    spoof = indicator("192.0.2.66", Tlp.CLEAR, ident=stix_id, modified=V2)
    assert post(client, w.tokens["other member org"], spoof).status_code == 202
    for who in ("author", "recipient org"):
        got = client.get(f"{OBJECTS}{stix_id}/", headers=auth(w.tokens[who]))
        assert got.json()["objects"] == [original], who


def test_sco_stored_by_another_organisation_is_still_readable_by_its_second_poster(
    client: TestClient, sharing_world: SharingWorld
) -> None:
    w = sharing_world
    added(client, w.tokens["author"], mark(ipv4("198.51.100.7"), Tlp.RED, _audience(w)))
    second = w.tokens["other member org"]
    status = added(client, second, ipv4("198.51.100.7", Tlp.CLEAR))
    stix_id = status["successes"][0]["id"]
    assert client.get(f"{OBJECTS}{stix_id}/", headers=auth(second)).status_code == 200
    assert ids(client.get(OBJECTS, headers=auth(second)).json()) == [stix_id]
    assert status["successes"][0].get("message", "") == "", "the status reveals a hidden copy"


RED_REF = marking_ref(Tlp.RED)


@pytest.mark.parametrize("malformed", [
    {"object_marking_refs": RED_REF},
    {"object_marking_refs": [{"id": RED_REF}]},
    {"granular_markings": {"marking_ref": RED_REF, "selectors": ["pattern"]}}],
    ids=["refs-as-string", "refs-as-objects", "granular-as-object"])
def test_malformed_red_marking_never_widens_the_audience(
    client: TestClient, sharing_world: SharingWorld, malformed: dict[str, Any]
) -> None:
    w = sharing_world
    obj = {**indicator("198.51.100.8", None), **malformed}
    assert post(client, w.tokens["author"], obj).status_code == 202
    outsider = client.get(f"{OBJECTS}{obj['id']}/", headers=auth(w.tokens["same org"]))
    assert_taxii_error(outsider, 404)
