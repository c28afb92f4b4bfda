"""TAXII 2.1 resources (OASIS TAXII 2.1 §4 discovery, API root, status; §5 collections,
objects, delete), on SQLite and PostgreSQL: what each one returns, who may write, how a
POST reports each object, and that only the owner may delete."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from rcsc.accounts.auth import system
from rcsc.config import Settings
from rcsc.core.clock import FrozenClock
from rcsc.core.tlp import Tlp
from rcsc.exchange import collections
from rcsc.stix.common import parse_timestamp
from tests.conftest import World
from tests.web.api_support import row_counts
from tests.web.taxii_support import (
    OBJECTS,
    ROOT,
    TAXII,
    added,
    assert_taxii_error,
    auth,
    basic,
    ids,
    indicator,
    ipv4,
    post,
)

if TYPE_CHECKING:
    from rcsc.storage import Database

BASE = "http://127.0.0.1"  # the TestClient's base URL
BAD_PATTERN = "[ipv4-addr:value = "


def test_discovery_names_the_one_api_root_as_the_default(
    client: TestClient, world: World
) -> None:
    response = client.get("/taxii2/", headers=auth(world.viewer.token))
    assert response.status_code == 200
    assert response.headers["content-type"].replace(" ", "") == TAXII
    body = response.json()
    assert body["api_roots"] == [f"{BASE}{ROOT}/"] and body["default"] == f"{BASE}{ROOT}/"
    assert body["title"] and body["contact"]


def test_api_root_announces_taxii_2_1_and_the_largest_envelope(
    client: TestClient, world: World, settings: Settings
) -> None:
    body = client.get(f"{ROOT}/", headers=auth(world.viewer.token)).json()
    assert body["versions"] == [TAXII]
    assert body["max_content_length"] == settings.taxii_max_content_length
    assert body["title"]


@pytest.mark.parametrize(("who", "can_write"), [
    ("admin", True), ("analyst", True), ("ua_analyst", True), ("viewer", False)])
def test_collections_say_what_each_role_may_do(
    client: TestClient, world: World, who: str, can_write: bool
) -> None:
    token = getattr(world, who).token
    listed = client.get(f"{ROOT}/collections/", headers=auth(token)).json()["collections"]
    assert [c["alias"] for c in listed] == ["shared"]
    shared = listed[0]
    assert (shared["can_read"], shared["can_write"]) == (True, can_write)
    assert shared["media_types"] == ["application/stix+json;version=2.1"]
    by_id = client.get(f"{ROOT}/collections/{shared['id']}/", headers=auth(token))
    assert by_id.json() == shared


def test_viewer_cannot_add_objects_and_nothing_is_stored(
    client: TestClient, world: World, db: Database
) -> None:
    client.get(f"{ROOT}/collections/", headers=auth(world.viewer.token))  # makes `shared`
    before = row_counts(db)
    assert_taxii_error(post(client, world.viewer.token, indicator("198.51.100.1")), 403)
    after = row_counts(db)
    assert after.pop("audit_log") == before.pop("audit_log") + 1  # the refusal is audited
    assert after == before


def test_read_only_collection_refuses_every_writer(
    client: TestClient, world: World, db: Database
) -> None:
    with db.transaction() as uow:
        feed = collections.create(uow, system(), alias="feed", title="Upstream feed",
                                  writable=False)
    listed = client.get(f"{ROOT}/collections/", headers=auth(world.admin.token)).json()
    assert {c["alias"]: c["can_write"] for c in listed["collections"]} == {
        "shared": True, "feed": False}
    response = post(client, world.admin.token, indicator("198.51.100.2"),
                    url=f"{ROOT}/collections/{feed.id}/objects/")
    assert "read-only" in assert_taxii_error(response, 403)["description"]


def test_post_reports_each_bad_object_by_id_and_reason_among_good_ones(
    client: TestClient, world: World
) -> None:
    good, sco = indicator("198.51.100.3"), ipv4("198.51.100.4")
    bad_pattern = indicator("198.51.100.5", pattern=BAD_PATTERN)
    bad_id = {**indicator("198.51.100.6"), "id": "indicator--not-a-uuid"}
    response = post(client, world.analyst.token, good, bad_pattern, sco, bad_id)
    assert response.status_code == 202, response.text
    assert response.headers["content-type"].replace(" ", "") == TAXII
    status = response.json()
    assert (status["status"], status["total_count"], status["success_count"],
            status["failure_count"], status["pending_count"]) == ("complete", 4, 2, 2, 0)
    assert [s["id"] for s in status["successes"]] == [good["id"], sco["id"]]
    failures = {f["id"]: f for f in status["failures"]}
    assert failures.keys() == {bad_pattern["id"], "indicator--not-a-uuid"}
    assert failures[bad_pattern["id"]]["version"] == bad_pattern["modified"]
    assert failures[bad_pattern["id"]]["message"].startswith("pattern:")
    assert failures["indicator--not-a-uuid"]["message"].startswith("id:")
    again = client.get(f"{ROOT}/status/{status['id']}/", headers=auth(world.analyst.token))
    assert again.json() == status
    stored = client.get(OBJECTS, headers=auth(world.analyst.token)).json()
    assert ids(stored) == [good["id"], sco["id"]]


def test_atomic_post_with_one_bad_object_stores_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    client.get(f"{ROOT}/collections/", headers=auth(world.analyst.token))
    before = row_counts(db)
    objects = (indicator("198.51.100.7"), indicator("198.51.100.8", pattern=BAD_PATTERN))
    response = post(client, world.analyst.token, *objects, atomic="true")
    body = assert_taxii_error(response, 422)
    assert list(body["details"]) == ["objects.1"]
    assert body["details"]["objects.1"].startswith("pattern:")
    assert row_counts(db) == before
    assert client.get(OBJECTS, headers=auth(world.analyst.token)).json() == {"more": False}


def test_reposting_the_same_version_is_unchanged_and_stored_once(
    client: TestClient, world: World, db: Database
) -> None:
    obj = indicator("198.51.100.9")
    first = added(client, world.analyst.token, obj)
    count = row_counts(db)["stix_objects"]
    second = added(client, world.analyst.token, obj, obj)
    assert "message" not in first["successes"][0]
    assert [s["message"] for s in second["successes"]] == ["already stored: unchanged"] * 2
    assert row_counts(db)["stix_objects"] == count
    versions = client.get(f"{OBJECTS}{obj['id']}/versions/", headers=auth(world.analyst.token))
    assert versions.json()["versions"] == [obj["modified"]]


def test_sco_without_modified_is_stored_once_per_organisation_at_its_first_arrival(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    """An SCO has no creator or version: each organisation keeps one copy under its own
    marking (so nobody learns of a copy they may not see), first arrival as version."""
    sco = ipv4("198.51.100.10", Tlp.CLEAR)
    first = added(client, world.analyst.token, sco)
    clock.advance(minutes=5)
    again = added(client, world.analyst.token, sco)
    assert again["successes"][0]["message"] == "already stored: unchanged"
    headers = auth(world.analyst.token)
    manifest = client.get(f"{ROOT}/collections/shared/manifest/", headers=headers).json()
    (record,) = manifest["objects"]
    moments = {parse_timestamp(text, "t") for text in (
        record["version"], first["successes"][0]["version"], record["date_added"])}
    assert moments == {clock.current - timedelta(minutes=5)}  # one moment, however written
    other = added(client, world.ua_analyst.token, sco)
    assert "message" not in other["successes"][0]  # stored: UA's own copy
    everything = client.get(f"{ROOT}/collections/shared/manifest/",
                            params={"match[version]": "all"}, headers=headers).json()
    assert len(everything["objects"]) == 2
    assert client.get(f"{OBJECTS}{sco['id']}/", headers=headers).json()["objects"] == [sco]


def test_status_of_another_user_is_not_found(client: TestClient, world: World) -> None:
    status = added(client, world.analyst.token, indicator("198.51.100.11"))
    url = f"{ROOT}/status/{status['id']}/"
    assert client.get(url, headers=auth(world.analyst.token)).status_code == 200
    for who in (world.viewer, world.ua_analyst, world.admin):  # colleague, stranger, admin
        assert_taxii_error(client.get(url, headers=auth(who.token)), 404)
    unknown = f"{ROOT}/status/00000000-0000-4000-8000-000000000000/"
    assert_taxii_error(client.get(unknown, headers=auth(world.analyst.token)), 404)


def test_http_basic_with_email_and_token_authenticates(
    client: TestClient, world: World
) -> None:
    ok = client.get(f"{ROOT}/collections/", headers=basic(world.analyst.email,
                                                          world.analyst.token))
    assert ok.status_code == 200
    wrong_user = basic(world.viewer.email, world.analyst.token)
    assert_taxii_error(client.get(f"{ROOT}/collections/", headers=wrong_user), 401)


def test_owner_organisation_deletes_and_another_organisation_gets_404(
    client: TestClient, world: World
) -> None:
    obj = indicator("198.51.100.12", Tlp.CLEAR)
    added(client, world.analyst.token, obj)
    url = f"{OBJECTS}{obj['id']}/"
    assert_taxii_error(client.delete(url, headers=auth(world.ua_analyst.token)), 404)
    assert client.get(url, headers=auth(world.ua_analyst.token)).status_code == 200
    assert_taxii_error(client.delete(url, headers=auth(world.viewer.token)), 403)
    assert client.delete(url, headers=auth(world.analyst.token)).status_code == 200
    assert_taxii_error(client.get(url, headers=auth(world.analyst.token)), 404)
    assert_taxii_error(client.delete(url, headers=auth(world.analyst.token)), 404)


def test_delete_of_the_last_version_brings_back_the_previous_one(
    client: TestClient, world: World
) -> None:
    v1 = indicator("198.51.100.13", modified="2026-11-01T10:00:00.000Z")
    v2 = {**v1, "modified": "2026-11-02T10:00:00.000Z", "name": "second"}
    v3 = {**v1, "modified": "2026-11-03T10:00:00.000Z", "name": "third"}
    added(client, world.analyst.token, v1, v2, v3)
    url, headers = f"{OBJECTS}{v1['id']}/", auth(world.analyst.token)
    assert client.delete(url, headers=headers).status_code == 200  # default: the last
    assert client.get(url, headers=headers).json()["objects"] == [v2]
    assert client.get(OBJECTS, headers=headers).json()["objects"] == [v2]
    gone = client.delete(url, headers=headers, params={"match[version]": v1["modified"]})
    assert gone.status_code == 200
    assert client.get(f"{url}versions/", headers=headers).json()["versions"] == [v2["modified"]]
    assert client.delete(url, headers=headers, params={"match[version]": "all"}).status_code \
        == 200
    assert_taxii_error(client.get(url, headers=headers), 404)
