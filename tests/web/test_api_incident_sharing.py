"""The TLP truth table through the REST API, on SQLite and PostgreSQL: for every level and
every relation a viewer can have, detail, list, free-text search, facets, totals and export
agree with the rule exactly — and a hidden incident is a 404, never a 403."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from rcsc.core.tlp import Tlp
from tests.incidents.sharing_world import (
    EXPECTED,
    VIEWERS,
    SharingWorld,
    build_sharing_world,
    incident_body,
)
from tests.web.api_support import assert_problem, audit_entries

if TYPE_CHECKING:
    from rcsc.storage import Database

API = "/api/v1/incidents"


@pytest.fixture
def sharing_world(db: Database) -> SharingWorld:
    return build_sharing_world(db)


def _file(client: TestClient, w: SharingWorld, tlp: Tlp, title: str) -> str:
    response = client.post(API, json=incident_body(w, tlp, title), headers=w.auth("author"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _sees(client: TestClient, w: SharingWorld, who: str, incident_id: str,
          tlp: Tlp) -> tuple[bool, ...]:
    """(detail, list, search, search total, facets, export) for one viewer."""
    auth = w.auth(who)
    search = {"q": f"kaunas {tlp.value}"}
    detail = client.get(f"{API}/{incident_id}", headers=auth)
    if detail.status_code != 200:
        assert_problem(detail, 404)
    listed = client.get(API, params={"limit": 200}, headers=auth).json()
    found = client.get(API, params=search, headers=auth).json()
    facets = client.get(f"{API}/facets", params=search, headers=auth).json()
    exported = client.get(f"{API}/export", params={**search, "format": "json"}, headers=auth)
    assert exported.status_code == 200, exported.text
    return (
        detail.status_code == 200,
        incident_id in _ids(listed["items"]),
        _ids(found["items"]) == {incident_id},
        found["total"] == 1 and facets["total"] == 1,
        facets["tlp"] == {tlp.value: 1},
        _ids(exported.json()) == {incident_id},
    )


def _ids(items: list[dict[str, Any]]) -> set[str]:
    return {str(item["id"]) for item in items}


@pytest.mark.parametrize("tlp", list(Tlp))
def test_every_api_read_path_follows_the_truth_table(
    client: TestClient, sharing_world: SharingWorld, tlp: Tlp
) -> None:
    incident_id = _file(client, sharing_world, tlp, f"Kaunas {tlp.value} incident")
    _file(client, sharing_world, Tlp.RED, "unrelated red")  # seen by almost no one
    for who, expected in zip(VIEWERS, EXPECTED[tlp], strict=True):
        seen = _sees(client, sharing_world, who, incident_id, tlp)
        assert seen == (bool(expected),) * 6, f"{who} on {tlp.label}: {seen}"


def test_hidden_incident_is_404_for_every_route_never_403(
    client: TestClient, sharing_world: SharingWorld, db: Database
) -> None:
    incident_id = _file(client, sharing_world, Tlp.RED, "red for the named user only")
    outsider = sharing_world.auth("same org")  # even a colleague of the author
    observable = str(uuid.uuid4())
    for method, path, body in [
        ("GET", "", None), ("PATCH", "", {"severity": "low"}),
        ("POST", "/status", {"status": "triage"}), ("GET", "/timeline", None),
        ("POST", "/timeline", {"kind": "note", "text": "x"}), ("GET", "/observables", None),
        ("POST", "/observables", {"type": "domain", "value": "evil.example"}),
        ("DELETE", f"/observables/{observable}", None),
        ("POST", "/nis2/early-warning", {}),
    ]:
        response = client.request(method, f"{API}/{incident_id}{path}", json=body,
                                  headers=outsider)
        body_ = assert_problem(response, 404)
        assert incident_id in body_["detail"]
    assert not audit_entries(db, action="access.denied")


def test_recipient_who_may_read_gets_403_on_every_write(
    client: TestClient, sharing_world: SharingWorld
) -> None:
    incident_id = _file(client, sharing_world, Tlp.AMBER, "amber for the recipients")
    reader = sharing_world.auth("recipient org")
    assert client.get(f"{API}/{incident_id}", headers=reader).status_code == 200
    for method, path, body in [
        ("PATCH", "", {"severity": "low"}), ("POST", "/status", {"status": "triage"}),
        ("POST", "/timeline", {"kind": "note", "text": "x"}),
        ("POST", "/observables", {"type": "domain", "value": "evil.example"}),
        ("POST", "/nis2/early-warning", {}),
    ]:
        response = client.request(method, f"{API}/{incident_id}{path}", json=body,
                                  headers=reader)
        assert_problem(response, 403)
    after = client.get(f"{API}/{incident_id}", headers=reader).json()
    assert (after["version"], after["severity"], after["status"]) == (1, "high", "new")


@pytest.mark.parametrize(("tlp", "audited"), [
    (Tlp.CLEAR, False), (Tlp.GREEN, False), (Tlp.AMBER, False), (Tlp.AMBER_STRICT, True),
    (Tlp.RED, True),
])
def test_reading_amber_strict_or_red_writes_one_audit_row_per_read(
    client: TestClient, sharing_world: SharingWorld, db: Database, tlp: Tlp, audited: bool
) -> None:
    incident_id = _file(client, sharing_world, tlp, "to be read")
    for _ in range(2):
        response = client.get(f"{API}/{incident_id}", headers=sharing_world.auth("author"))
        assert response.status_code == 200
    reads = audit_entries(db, action="incident.read", object_id=incident_id)
    assert len(reads) == (2 if audited else 0)
    for entry in reads:
        assert entry.detail["tlp"] == tlp.value
        assert entry.actor_label == "author@ua.example"


def test_list_showing_amber_strict_or_red_is_audited_once_naming_them(
    client: TestClient, sharing_world: SharingWorld, db: Database
) -> None:
    shown = {tlp: _file(client, sharing_world, tlp, f"listed {tlp.value}") for tlp in Tlp}
    response = client.get(API, headers=sharing_world.auth("author"))
    assert _ids(response.json()["items"]) == set(shown.values())
    [entry] = audit_entries(db, action="incident.list")
    assert entry.detail["incident_ids"] == sorted([shown[Tlp.AMBER_STRICT], shown[Tlp.RED]])
    client.get(API, params={"tlp": ["clear", "amber"]}, headers=sharing_world.auth("author"))
    assert len(audit_entries(db, action="incident.list")) == 1  # nothing sensitive shown
