"""The correlation API on SQLite and PostgreSQL: related incidents of another country, the
sharing rule on both sides, value lookups with defanged input, bad input as a 422."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from rcsc.intel import index
from tests.conftest import Account, World
from tests.web.api_support import assert_problem
from tests.web.incident_support import API, file

if TYPE_CHECKING:
    from rcsc.storage import Database

CORRELATIONS = "/api/v1/intel/correlations"


def _with_value(client: TestClient, who: Account, tlp: str, kind: str, value: str) -> str:
    incident = file(client, who, tlp=tlp)
    added = client.post(f"{API}/{incident['id']}/observables", headers=who.auth,
                        json={"type": kind, "value": value})
    assert added.status_code == 201, added.text
    return str(incident["id"])


def _related(client: TestClient, who: Account, incident_id: str) -> dict[str, Any]:
    response = client.get(f"{CORRELATIONS}/incidents/{incident_id}", headers=who.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_incidents_of_two_countries_correlate_through_the_rule(
    client: TestClient, world: World, db: Database
) -> None:
    lt = _with_value(client, world.analyst, "green", "domain", "relay.example")
    ua = _with_value(client, world.ua_analyst, "green", "domain", "relay[.]example")
    hidden = _with_value(client, world.ua_analyst, "amber", "domain", "relay.example")
    index.catch_up(db)
    from_lt = _related(client, world.analyst, lt)
    assert [r["ref"] for r in from_lt["related"]] == [ua]  # never the AMBER one
    (item,) = from_lt["related"]
    assert item["kind"] == "incident" and item["owner_org_id"] == str(world.ua_org)
    assert {s["found"]["value"] for s in item["shared"]} == {"relay.example"}
    assert {r["ref"] for r in _related(client, world.ua_analyst, ua)["related"]} == {
        lt, hidden}
    unseen = client.get(f"{CORRELATIONS}/incidents/{hidden}", headers=world.analyst.auth)
    assert_problem(unseen, 404)


def test_lookup_finds_what_the_caller_may_see(client: TestClient, world: World,
                                              db: Database) -> None:
    lt = _with_value(client, world.analyst, "green", "ipv4", "5.188.10.90")
    index.catch_up(db)
    response = client.post("/api/v1/intel/lookup", headers=world.ua_analyst.auth,
                           json={"values": ["5.188.10[.]90", "nothing here"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["ref"] for r in body["related"]] == [lt]
    assert body["values"] == [{"type": "ipv4", "value": "5.188.10.90"}]
    assert body["unrecognised"] == ["nothing here"]


def test_bad_lookups_are_422_naming_the_field(client: TestClient, world: World) -> None:
    too_many = client.post("/api/v1/intel/lookup", headers=world.analyst.auth,
                           json={"values": ["5.188.10.1"] * 10_001})
    assert {e["field"] for e in assert_problem(too_many, 422)["errors"]} == {"values"}
    wrong = client.post("/api/v1/intel/lookup", headers=world.analyst.auth,
                        json={"values": "5.188.10.1"})
    assert_problem(wrong, 422)
    assert client.post("/api/v1/intel/lookup", json={"values": []}).status_code == 401
