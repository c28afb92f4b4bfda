"""Listing incidents: filters, free text, sorting, cursor pages, facets, NIS2 deadline lists
and exports (CSV and JSON, audited), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import assert_validation_problem, audit_entries, row_counts
from tests.web.incident_support import API, file, ids

if TYPE_CHECKING:
    from rcsc.core.clock import FrozenClock
    from rcsc.storage import Database
    from tests.conftest import World


@pytest.fixture
def mix(client: TestClient, world: World, clock: FrozenClock) -> dict[str, str]:
    """Five incidents a day apart (the first oldest); `ua` is CERT-UA's and addressed to
    CERT-LT, `hidden` is CERT-UA's and not shared with it, `drill` is an exercise."""
    specs: dict[str, tuple[Any, dict[str, Any]]] = {
        "ddos": (world.analyst, {"title": "DDoS on the tax portal", "rsit_class":
                                 "availability", "rsit_type": "ddos", "severity": "medium",
                                 "countries": ["LT"], "sector": "public-administration"}),
        "phish": (world.analyst, {"summary": "Kaunas hospital staff targeted", "tlp": "amber",
                                  "countries": ["LT", "UA"], "sector": "health"}),
        "ua": (world.ua_analyst, {"title": "Wiper in an energy company", "rsit_class":
                                  "malicious-code", "rsit_type": "infected-system",
                                  "severity": "critical", "tlp": "amber",
                                  "countries": ["UA"], "sector": "energy",
                                  "recipient_org_ids": [str(world.lt_org)]}),
        "hidden": (world.ua_analyst, {"title": "Not for CERT-LT", "tlp": "amber"}),
        "drill": (world.analyst, {"title": "Exercise phishing",
                                  "exercise_id": str(uuid.uuid4())}),
    }
    made = {}
    for key, (who, fields) in specs.items():
        clock.advance(days=1)
        made[key] = str(file(client, who, **fields)["id"])
    return made


def _ids(client: TestClient, world: World, **params: Any) -> set[str]:
    response = client.get(API, params={"limit": 200, **params}, headers=world.analyst.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return set(ids(body["items"]))


@pytest.mark.parametrize(("params", "expected"), [
    ({}, {"ddos", "phish", "ua"}),
    ({"status": "new"}, {"ddos", "phish", "ua"}),
    ({"status": ["triage", "closed"]}, set()),
    ({"rsit_class": ["availability", "malicious-code"]}, {"ddos", "ua"}),
    ({"severity": "high"}, {"phish"}),
    ({"tlp": "amber"}, {"phish", "ua"}),
    ({"tlp": "TLP:GREEN"}, {"ddos"}),
    ({"country": "ua"}, {"phish", "ua"}),
    ({"country": ["LT"], "tlp": "green"}, {"ddos"}),
    ({"sector": ["energy", "health"]}, {"phish", "ua"}),
    ({"q": "KAUNAS"}, {"phish"}),
    ({"q": "tax"}, {"ddos", "ua"}),  # the title of one, the summary of the other
    ({"q": "100%"}, set()),
    ({"created_from": "2026-11-25T09:00:00Z"}, {"phish", "ua"}),
    ({"created_from": "2026-11-25T09:00:00", "created_to": "2026-11-26T09:00:00+00:00"},
     {"phish"}),
    ({"exercise": "true"}, {"drill"}),
    ({"exercise": "all"}, {"ddos", "phish", "ua", "drill"}),
])
def test_filters_select_exactly_the_matching_visible_incidents(
    client: TestClient, world: World, mix: dict[str, str], params: dict[str, Any],
    expected: set[str],
) -> None:
    assert _ids(client, world, **params) == {mix[key] for key in expected}


@pytest.mark.parametrize("sort", ["created", "updated"])
@pytest.mark.parametrize("order", ["desc", "asc"])
def test_cursor_pages_walk_every_incident_once_in_order(
    client: TestClient, world: World, clock: FrozenClock, sort: str, order: str
) -> None:
    made = []
    for index in range(8):  # pairs share a creation time: the id breaks the tie
        made.append(file(client, world.analyst, title=f"incident {index}"))
        if index % 2:
            clock.advance(minutes=1)
    for incident in made[:3]:  # updated in the reverse order of creation
        clock.advance(minutes=1)
        client.patch(f"{API}/{incident['id']}", json={"severity": "low"},
                     headers=world.analyst.auth)
    everything = client.get(API, params={"sort": sort, "order": order, "limit": 200},
                            headers=world.analyst.auth).json()["items"]
    key = "created_at" if sort == "created" else "updated_at"
    expected = sorted(everything, key=lambda i: (i[key], i["id"]), reverse=order == "desc")
    assert ids(everything) == ids(expected)
    walked: list[str] = []
    cursor = None
    while True:
        params = {"sort": sort, "order": order, "limit": 3, **({"cursor": cursor} if cursor
                                                              else {})}
        page = client.get(API, params=params, headers=world.analyst.auth).json()
        assert page["total"] == (None if cursor else 8) and len(page["items"]) <= 3
        walked += ids(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == ids(expected)
    assert len(walked) == 8 and len(set(walked)) == 8


def test_a_cursor_belongs_to_its_sort(client: TestClient, world: World) -> None:
    for index in range(3):
        file(client, world.analyst, title=f"incident {index}")
    cursor = client.get(API, params={"limit": 1}, headers=world.analyst.auth).json()[
        "next_cursor"]
    other = client.get(API, params={"limit": 1, "cursor": cursor, "sort": "updated"},
                       headers=world.analyst.auth)
    assert "sort=created" in assert_validation_problem(other, "cursor")["detail"]
    for bad in ("garbage", "e30", "WzEsMiwzLDRd", "x" * 301):
        response = client.get(API, params={"cursor": bad}, headers=world.analyst.auth)
        assert_validation_problem(response, "cursor")


def test_facets_count_the_visible_incidents_under_the_filters(
    client: TestClient, world: World, mix: dict[str, str]
) -> None:
    body = client.get(f"{API}/facets", headers=world.analyst.auth).json()
    assert body == {
        "status": {"new": 3}, "rsit_class": {"availability": 1, "fraud": 1,
                                             "malicious-code": 1},
        "severity": {"critical": 1, "high": 1, "medium": 1}, "tlp": {"amber": 2, "green": 1},
        "sector": {"energy": 1, "health": 1, "public-administration": 1}, "total": 3,
    }
    amber = client.get(f"{API}/facets", params={"tlp": "amber", "country": "UA"},
                       headers=world.analyst.auth).json()
    assert (amber["total"], amber["sector"]) == (2, {"energy": 1, "health": 1})


def _due(client: TestClient, who: Any, **params: Any) -> list[tuple[str, str, bool]]:
    """(incident, milestone, overdue) of the deadlines listed, sorted for comparison."""
    response = client.get("/api/v1/nis2/deadlines", params=params, headers=who.auth)
    assert response.status_code == 200, response.text
    found = [(d["incident_id"], d["milestone"], d["overdue"]) for d in response.json()]
    dues = [d["due"] for d in response.json()]
    assert dues == sorted(dues)  # soonest first
    return sorted(found)


def test_nis2_deadline_lists_per_organisation_and_for_the_coordinator(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    aware = "2026-11-22T13:00:00+00:00"  # early warning due 2026-11-23 13:00 (in 4 hours)
    lt = file(client, world.analyst, aware_at=aware)["id"]
    ua = file(client, world.ua_analyst, aware_at=aware, tlp="clear")["id"]
    secret = file(client, world.ua_analyst, aware_at=aware, tlp="amber")["id"]
    file(client, world.analyst, title="no clock yet")
    assert _due(client, world.analyst) == [(lt, "early-warning", False)]
    assert _due(client, world.analyst, scope="all") == sorted([
        (lt, "early-warning", False), (ua, "early-warning", False)])
    assert _due(client, world.ua_analyst, scope="all") == sorted([
        (lt, "early-warning", False), (ua, "early-warning", False),
        (secret, "early-warning", False)])
    assert _due(client, world.admin, scope="all") == sorted([  # GREEN and CLEAR, not AMBER
        (lt, "early-warning", False), (ua, "early-warning", False)])
    assert _due(client, world.admin) == []  # the node's own organisation filed nothing
    client.post(f"{API}/{lt}/nis2/early-warning", json={}, headers=world.analyst.auth)
    clock.advance(hours=5)
    assert _due(client, world.analyst, scope="all") == [(ua, "early-warning", True)]
    week = _due(client, world.analyst, within_hours=72)
    assert week == [(lt, "notification", False)]


def _export(client: TestClient, who: Any, fmt: str, **params: Any) -> Any:
    response = client.get(f"{API}/export", params={"format": fmt, **params}, headers=who.auth)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert f"rcsc-incidents.{fmt}" in response.headers["content-disposition"]
    return response


def test_json_export_holds_exactly_the_visible_incidents_and_is_audited(
    client: TestClient, world: World, mix: dict[str, str], db: Database
) -> None:
    body = _export(client, world.analyst, "json").json()
    assert ids(body) == [mix["ddos"], mix["phish"], mix["ua"]]  # oldest first
    listed = client.get(API, params={"order": "asc"}, headers=world.analyst.auth).json()
    assert body == [{k: v for k, v in i.items() if k != "deadlines"} for i in listed["items"]]
    [entry] = audit_entries(db, action="incident.export")
    assert entry.detail == {"format": "json", "filter": {}, "count": 3}
    assert entry.actor_label == world.analyst.email
    filtered = _export(client, world.analyst, "json", tlp="amber", q="wiper").json()
    assert ids(filtered) == [mix["ua"]]
    last = audit_entries(db, action="incident.export")[-1]
    assert last.detail == {"format": "json", "count": 1,
                           "filter": {"tlp": ["amber"], "text": "wiper"}}


def test_csv_export_is_one_row_per_incident_with_formulas_defused(
    client: TestClient, world: World, db: Database
) -> None:
    evil = file(client, world.analyst, title="=HYPERLINK(\"http://x.example\")",
                countries=["LT", "UA"], threat_actors=["Sandworm", "APT28"])
    file(client, world.ua_analyst, title="not shared", tlp="amber")
    before = row_counts(db)
    response = _export(client, world.analyst, "csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == [evil["id"]]
    row = rows[0]
    assert row["title"] == "'=HYPERLINK(\"http://x.example\")"
    assert (row["countries"], row["threat_actors"], row["cross_border"]) == (
        "LT; UA", "Sandworm; APT28", "false")
    assert row["created_at"] == "2026-11-23T09:00:00Z"
    after = row_counts(db)
    assert after.pop("audit_log") == before.pop("audit_log") + 1
    assert after == before


def test_empty_export_is_valid(client: TestClient, world: World) -> None:
    assert _export(client, world.viewer, "json").json() == []
    lines = _export(client, world.viewer, "csv").text.splitlines()
    assert len(lines) == 1 and lines[0].startswith("id,title,summary")


def test_deadline_list_showing_red_incidents_is_audited(
    client: TestClient, world: World, db: Database
) -> None:
    aware = "2026-11-23T08:00:00+00:00"
    red = file(client, world.analyst, tlp="red", aware_at=aware)["id"]
    file(client, world.analyst, tlp="green", aware_at=aware)
    assert len(_due(client, world.analyst)) == 2
    [entry] = audit_entries(db, action="incident.deadlines")
    assert entry.detail == {"incident_ids": [red]}
