"""TAXII 2.1 §3.4 filtering and pagination, on SQLite and PostgreSQL: `added_after`,
`match[id|type|version|spec_version]`, `limit` + `next` walks with no repeat and no gap, and
the X-TAXII-Date-Added-First/Last headers a client polls with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rcsc.core.clock import FrozenClock
from rcsc.core.tlp import Tlp
from rcsc.stix.common import parse_timestamp
from rcsc.stix.ids import sco_id
from tests.conftest import World
from tests.web.taxii_support import (
    MANIFEST,
    OBJECTS,
    added,
    auth,
    ids,
    indicator,
    ipv4,
    walk,
)

D1, D2, D3 = "2026-11-01T10:00:00.000Z", "2026-11-02T10:00:00.000Z", "2026-11-03T10:00:00.000Z"


@dataclass
class Stored:
    """Three batches a minute apart: `versioned` gets a new version in each."""

    headers: dict[str, str]
    versioned: list[dict[str, Any]]  # v1, v2, v3
    single: dict[str, Any]
    scos: list[dict[str, Any]]


@pytest.fixture
def stored(client: TestClient, world: World, clock: FrozenClock) -> Stored:
    token = world.analyst.token
    v1 = indicator("198.51.100.20", Tlp.CLEAR, modified=D1)
    v2, v3 = {**v1, "modified": D2, "name": "v2"}, {**v1, "modified": D3, "name": "v3"}
    single = indicator("198.51.100.21", Tlp.CLEAR)
    scos = [ipv4("198.51.100.22", Tlp.CLEAR),
            {"type": "domain-name", "spec_version": "2.1", "value": "bad.example",
             "id": sco_id("domain-name", {"value": "bad.example"})}]
    added(client, token, v1, single)
    clock.advance(minutes=1)
    added(client, token, v2, *scos)
    clock.advance(minutes=1)
    added(client, token, v3)
    return Stored(auth(token), [v1, v2, v3], single, scos)


def _get(client: TestClient, s: Stored, url: str = OBJECTS, **params: str) -> dict[str, Any]:
    response = client.get(url, headers=s.headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _versions(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(o["id"], o.get("modified", "")) for o in body.get("objects", [])]


def test_without_filters_each_object_comes_once_at_its_last_version_by_date_added(
    client: TestClient, stored: Stored
) -> None:
    s = stored
    assert _get(client, s)["objects"] == [s.single, *s.scos, s.versioned[2]]


@pytest.mark.parametrize(("choice", "expected"), [
    ("first", [D1]), ("last", [D3]), ("all", [D1, D2, D3]), (D2, [D2]),
    ("first,last", [D1, D3]), (f"{D1},{D3}", [D1, D3]), ("2026-11-02T10:00:00Z", [D2]),
    ("2020-01-01T00:00:00.000Z", [])])
def test_match_version_picks_versions(
    client: TestClient, stored: Stored, choice: str, expected: list[str]
) -> None:
    s = stored
    stix_id = s.versioned[0]["id"]
    listed = _get(client, s, **{"match[id]": stix_id, "match[version]": choice})
    assert [o["modified"] for o in listed.get("objects", [])] == expected
    one = client.get(f"{OBJECTS}{stix_id}/", headers=s.headers,
                     params={"match[version]": choice})
    assert [o["modified"] for o in one.json().get("objects", [])] == expected


def test_match_id_and_type_take_comma_separated_and_repeated_values(
    client: TestClient, stored: Stored
) -> None:
    s = stored
    two = f"{s.single['id']},{s.scos[0]['id']}"
    assert set(ids(_get(client, s, **{"match[id]": two}))) == {s.single["id"], s.scos[0]["id"]}
    repeated = client.get(OBJECTS, headers=s.headers, params=[
        ("match[type]", "ipv4-addr"), ("match[type]", "domain-name")]).json()
    assert ids(repeated) == [o["id"] for o in s.scos]
    assert ids(_get(client, s, **{"match[type]": "indicator", "match[version]": "all"})) == [
        s.versioned[0]["id"], s.single["id"], s.versioned[0]["id"], s.versioned[0]["id"]]
    assert _get(client, s, **{"match[type]": "malware"}) == {"more": False}


def test_match_spec_version_filters_on_the_stix_version(
    client: TestClient, stored: Stored
) -> None:
    s = stored
    assert len(_get(client, s, **{"match[spec_version]": "2.1"})["objects"]) == 4
    assert _get(client, s, **{"match[spec_version]": "2.0"}) == {"more": False}
    assert len(_get(client, s, **{"match[spec_version]": "2.0,2.1"})["objects"]) == 4


def test_added_after_is_exclusive_and_follows_date_added(
    client: TestClient, stored: Stored
) -> None:
    s = stored
    records = _get(client, s, MANIFEST, **{"match[version]": "all"})["objects"]
    assert len(records) == 6
    added_at = [parse_timestamp(r["date_added"], "date_added") for r in records]
    assert added_at == sorted(added_at) and len(set(added_at)) == 6
    for index, record in enumerate(records):
        later = _get(client, s, MANIFEST, added_after=record["date_added"],
                     **{"match[version]": "all"})
        assert later.get("objects", []) == records[index + 1:]
    after_first_batch = _get(client, s, added_after=records[1]["date_added"])
    assert _versions(after_first_batch) == [(o["id"], o.get("modified", "")) for o in [
        *s.scos, s.versioned[2]]]


def test_date_added_headers_bound_each_page_and_resume_a_poll(
    client: TestClient, stored: Stored
) -> None:
    s = stored
    seen: list[tuple[str, str]] = []
    added_after: dict[str, str] = {}
    for _ in range(10):
        response = client.get(OBJECTS, headers=s.headers,
                              params={"limit": "2", "match[version]": "all", **added_after})
        body = response.json()
        if "objects" not in body:
            break
        manifest = client.get(MANIFEST, headers=s.headers, params={
            "limit": "2", "match[version]": "all", **added_after}).json()["objects"]
        assert response.headers["X-TAXII-Date-Added-First"] == manifest[0]["date_added"]
        assert response.headers["X-TAXII-Date-Added-Last"] == manifest[-1]["date_added"]
        seen += _versions(body)
        added_after = {"added_after": response.headers["X-TAXII-Date-Added-Last"]}
    assert len(seen) == 6 and len(set(seen)) == 6


@pytest.mark.parametrize("limit", [1, 2, 4, 5, 6, 7])
def test_limit_and_next_walk_every_version_once(
    client: TestClient, stored: Stored, limit: int
) -> None:
    s = stored
    everything = _versions(_get(client, s, **{"match[version]": "all"}))
    pages = walk(client, OBJECTS, s.headers, limit, **{"match[version]": "all"})
    assert [v for page in pages for v in _versions(page)] == everything
    assert all(0 < len(page["objects"]) <= limit for page in pages)
    assert all(page["more"] and page["next"] for page in pages[:-1])
    assert "next" not in pages[-1]
    manifest = walk(client, MANIFEST, s.headers, limit, **{"match[version]": "all"})
    assert [(r["id"]) for page in manifest for r in page["objects"]] == [i for i, _ in everything]
    history = walk(client, f"{OBJECTS}{s.versioned[0]['id']}/versions/", s.headers, limit)
    assert [v for page in history for v in page["versions"]] == [D1, D2, D3]


def test_walk_neither_repeats_nor_skips_while_objects_are_added(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    headers = auth(world.analyst.token)
    first = [indicator(f"198.51.100.{n}", Tlp.CLEAR) for n in range(30, 40)]
    added(client, world.analyst.token, *first)
    page = client.get(OBJECTS, headers=headers, params={"limit": "3"}).json()
    walked = ids(page)
    late = [indicator(f"198.51.100.{n}", Tlp.CLEAR) for n in range(40, 45)]
    clock.advance(seconds=1)
    added(client, world.analyst.token, *late)
    while page["more"]:
        page = client.get(OBJECTS, headers=headers,
                          params={"limit": "3", "next": page["next"]}).json()
        walked += ids(page)
    assert walked == [o["id"] for o in first + late]
