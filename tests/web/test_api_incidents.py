"""/api/v1/incidents: filing, reading, editing with ETag / If-Match, the status workflow,
the timeline, observables, NIS2 submissions and the reference taxonomies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from rcsc.core.taxonomy import RSIT
from tests.web.api_support import assert_problem, assert_validation_problem, row_counts
from tests.web.incident_support import API, file

if TYPE_CHECKING:
    from rcsc.core.clock import FrozenClock
    from rcsc.storage import Database
    from tests.conftest import World


def _auth_if_match(world: World, version: int | str) -> dict[str, str]:
    return {**world.analyst.auth, "If-Match": f'"{version}"' if isinstance(version, int)
            else version}


def test_create_read_update_round_trip(client: TestClient, world: World) -> None:
    sent = {"title": "  DDoS on the tax portal ", "summary": "3 Gbit/s", "rsit_class":
            "availability", "rsit_type": "ddos", "severity": "medium", "tlp": "amber",
            "countries": ["lt", "UA"], "sector": "public-administration",
            "affected_users": 12000, "cross_border": True, "cves": ["cve-2024-3094"],
            "aware_at": "2026-11-23T08:00:00+02:00", "recipient_org_ids": [str(world.ua_org)]}
    created = client.post(API, json=sent, headers=world.analyst.auth)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"{API}/{body['id']}"
    assert created.headers["etag"] == '"1"'
    assert (body["title"], body["countries"], body["cves"]) == (
        "DDoS on the tax portal", ["LT", "UA"], ["CVE-2024-3094"])
    assert (body["status"], body["version"], body["owner_org_id"], body["author_id"]) == (
        "new", 1, str(world.lt_org), str(world.analyst.id))
    assert body["aware_at"] == "2026-11-23T06:00:00Z"
    assert body["recipient_org_ids"] == [str(world.ua_org)]
    assert [d["milestone"] for d in body["deadlines"]] == [
        "early-warning", "notification", "final-report"]
    read = client.get(created.headers["location"], headers=world.analyst.auth)
    assert read.headers["etag"] == '"1"' and read.json() == body
    changed = client.patch(f"{API}/{body['id']}", json={"severity": "critical", "sector": None},
                           headers=_auth_if_match(world, 1))
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    after = client.get(f"{API}/{body['id']}", headers=world.analyst.auth).json()
    assert (after["severity"], after["sector"], after["version"]) == ("critical", None, 2)
    untouched = {k: v for k, v in body.items()
                 if k not in ("severity", "sector", "version", "updated_at")}
    assert untouched.items() <= after.items()


def test_stale_if_match_gets_412_and_changes_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    incident = file(client, world.analyst)
    url = f"{API}/{incident['id']}"
    assert client.patch(url, json={"title": "first"},
                        headers=_auth_if_match(world, 1)).status_code == 200
    before, current = row_counts(db), client.get(url, headers=world.analyst.auth).json()
    for method, path, body in [("PATCH", "", {"title": "second"}),
                               ("POST", "/status", {"status": "triage"})]:
        response = client.request(method, url + path, json=body,
                                  headers=_auth_if_match(world, 1))
        problem = assert_problem(response, 412)
        assert "version 2" in problem["detail"]
    assert row_counts(db) == before
    assert client.get(url, headers=world.analyst.auth).json() == current


def test_if_match_is_optional_and_star_matches_any(client: TestClient, world: World) -> None:
    url = f"{API}/{file(client, world.analyst)['id']}"
    assert client.patch(url, json={"severity": "low"}, headers=world.analyst.auth).json()[
        "version"] == 2
    response = client.patch(url, json={"severity": "medium"},
                            headers=_auth_if_match(world, "*"))
    assert response.json()["version"] == 3


def test_malformed_if_match_gets_422_naming_it(
    client: TestClient, world: World, db: Database
) -> None:
    url = f"{API}/{file(client, world.analyst)['id']}"
    before = row_counts(db)
    for value in ("1", 'W/"1"', '"one"'):
        response = client.patch(url, json={"severity": "low"},
                                headers=_auth_if_match(world, value))
        assert_validation_problem(response, "If-Match")
    assert row_counts(db) == before


def test_transitions_follow_the_workflow_and_reach_the_timeline(
    client: TestClient, world: World, clock: FrozenClock, db: Database
) -> None:
    url = f"{API}/{file(client, world.analyst)['id']}"
    path = ["triage", "in-progress", "contained", "resolved", "closed"]
    for version, target in enumerate(path, start=2):
        clock.advance(minutes=10)
        response = client.post(f"{url}/status", json={"status": target, "note": f"to {target}"},
                               headers=_auth_if_match(world, version - 1))
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.headers["etag"]) == (target, f'"{version}"')
    before = row_counts(db)
    refused = client.post(f"{url}/status", json={"status": "contained"},
                          headers=world.analyst.auth)
    body = assert_validation_problem(refused, "status")
    assert "closed" in body["detail"] and "contained" in body["detail"]
    assert row_counts(db) == before
    entries = client.get(f"{url}/timeline", headers=world.analyst.auth).json()
    moves = [(e["from_status"], e["to_status"]) for e in entries]
    assert moves == [(None, "new"), ("new", "triage"), ("triage", "in-progress"),
                     ("in-progress", "contained"), ("contained", "resolved"),
                     ("resolved", "closed")]
    last = entries[-1]
    assert (last["author_id"], last["author_name"], last["text"], last["kind"]) == (
        str(world.analyst.id), "analyst", "to closed", "status")
    assert last["at"] == "2026-11-23T09:50:00Z"


def test_timeline_entries_are_added_and_listed_in_time_order(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    url = f"{API}/{file(client, world.analyst)['id']}/timeline"
    early = {"kind": "action", "text": "Blocked the sender domain",
             "at": "2026-11-23T07:00:00+00:00"}
    clock.advance(minutes=1)
    added = client.post(url, json={"kind": "note", "text": "ISP informed"},
                        headers=world.analyst.auth)
    assert added.status_code == 201, added.text
    assert (added.json()["at"], added.json()["author_name"]) == ("2026-11-23T09:01:00Z",
                                                                  "analyst")
    assert client.post(url, json=early, headers=world.analyst.auth).status_code == 201
    texts = [e["text"] for e in client.get(url, headers=world.viewer.auth).json()]
    assert texts == ["Blocked the sender domain", "Incident reported", "ISP informed"]
    assert_validation_problem(client.post(url, json={"kind": "status", "text": "x"},
                                          headers=world.analyst.auth), "kind")


def test_observables_are_normalised_merged_listed_and_deleted(
    client: TestClient, world: World
) -> None:
    url = f"{API}/{file(client, world.analyst)['id']}/observables"
    first = client.post(url, json={"type": "ipv4", "value": "203.0.113[.]7",
                                   "last_seen": "2026-11-22T10:00:00+00:00"},
                        headers=world.analyst.auth)
    assert first.status_code == 201, first.text
    assert (first.json()["value"], first.json()["role"]) == ("203.0.113.7", "ioc")
    again = client.post(url, json={"type": "ipv4", "value": "203.0.113.7",
                                   "last_seen": "2026-11-23T08:00:00+00:00",
                                   "role": "context"}, headers=world.analyst.auth).json()
    assert (again["id"], again["last_seen"], again["role"]) == (
        first.json()["id"], "2026-11-23T08:00:00Z", "context")
    assert [o["value"] for o in client.get(url, headers=world.viewer.auth).json()] == [
        "203.0.113.7"]
    gone = client.delete(f"{url}/{again['id']}", headers=world.analyst.auth)
    assert gone.status_code == 204 and gone.content == b""
    assert client.get(url, headers=world.analyst.auth).json() == []
    assert_problem(client.delete(f"{url}/{again['id']}", headers=world.analyst.auth), 404)


def test_observable_stricter_than_its_incident_is_hidden_from_recipients(
    client: TestClient, world: World
) -> None:
    incident = file(client, world.analyst, tlp="amber", recipient_org_ids=[str(world.ua_org)])
    url = f"{API}/{incident['id']}/observables"
    for value, tlp in (("a.evil.example", None), ("b.evil.example", "red")):
        response = client.post(url, json={"type": "domain", "value": value, "tlp": tlp},
                               headers=world.analyst.auth)
        assert response.status_code == 201, response.text
    mine = sorted(o["value"] for o in client.get(url, headers=world.analyst.auth).json())
    theirs = sorted(o["value"] for o in client.get(url, headers=world.ua_analyst.auth).json())
    assert (mine, theirs) == (["a.evil.example", "b.evil.example"], ["a.evil.example"])


def test_nis2_submission_is_recorded_in_the_deadlines(
    client: TestClient, world: World
) -> None:
    incident = file(client, world.analyst, aware_at="2026-11-23T08:00:00+00:00")
    url = f"{API}/{incident['id']}/nis2/early-warning"
    response = client.post(url, json={}, headers=world.analyst.auth)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    deadlines = {d["milestone"]: d for d in response.json()["deadlines"]}
    assert deadlines["early-warning"]["submitted_at"] == "2026-11-23T09:00:00Z"
    assert deadlines["early-warning"]["submitted_by"] == str(world.analyst.id)
    assert deadlines["notification"] == {
        "milestone": "notification", "due": "2026-11-26T08:00:00Z", "submitted_at": None,
        "submitted_by": None, "overdue": False}
    unaware = file(client, world.analyst)
    refused = client.post(f"{API}/{unaware['id']}/nis2/notification", json={},
                          headers=world.analyst.auth)
    assert_validation_problem(refused, "aware_at")
    assert_validation_problem(client.post(f"{API}/{unaware['id']}/nis2/never", json={},
                                          headers=world.analyst.auth), "milestone")


def test_viewer_role_reads_but_cannot_file(client: TestClient, world: World) -> None:
    incident = file(client, world.analyst)
    assert client.get(f"{API}/{incident['id']}", headers=world.viewer.auth).status_code == 200
    problem = assert_problem(client.post(API, json={"title": "x", "rsit_class": "fraud",
                                                    "rsit_type": "phishing", "severity": "low",
                                                    "tlp": "clear"},
                                         headers=world.viewer.auth), 403)
    assert "analyst" in problem["detail"]


def test_taxonomies_give_clients_the_reference_data(client: TestClient, world: World) -> None:
    body = client.get("/api/v1/taxonomies", headers=world.viewer.auth).json()
    assert body["rsit"]["version"] == "1003" and "enisaeu" in body["rsit"]["source"]
    assert {c["key"]: c["types"] for c in body["rsit"]["classes"]} == {
        k: list(v) for k, v in RSIT.items()}
    energy = next(s for s in body["nis2"]["sectors"] if s["key"] == "energy")
    assert energy["annex"] == "I" and {"key": "gas", "name": "Gas"} in energy["subsectors"]
    assert [t["level"] for t in body["tlp"]["levels"]] == [
        "clear", "green", "amber", "amber+strict", "red"]
    assert body["transitions"]["closed"] == ["in-progress"]
    assert "ipv4" in body["observable_types"] and body["timeline_kinds"] == ["note", "action"]


def test_openapi_documents_bodies_with_examples_and_the_etag_headers(
    client: TestClient,
) -> None:
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in ("IncidentIn", "IncidentPatch", "TransitionIn", "TimelineIn", "ObservableIn",
                 "MilestoneIn"):
        assert schemas[name]["examples"], name
        assert schemas[name]["additionalProperties"] is False, name
    patch = spec["paths"]["/api/v1/incidents/{incident_id}"]["patch"]
    assert "if-match" in {p["name"].lower() for p in patch["parameters"]}
    assert "412" in patch["responses"]
    listing = spec["paths"]["/api/v1/incidents"]["get"]
    named = {p["name"] for p in listing["parameters"]}
    assert {"status", "rsit_class", "severity", "tlp", "country", "sector", "created_from",
            "created_to", "q", "exercise", "sort", "order", "limit", "cursor"} <= named
