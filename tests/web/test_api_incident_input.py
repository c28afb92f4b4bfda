"""Bad input to /api/v1/incidents gets a 4xx problem+json naming every bad field, and no
table changes — the audit log included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import assert_problem, error_fields, row_counts
from tests.web.incident_support import API, BODY, file

if TYPE_CHECKING:
    from rcsc.config import Settings
    from rcsc.storage import Database
    from tests.conftest import World

TEN_MB = "x" * (10 * 1024 * 1024)
UNKNOWN = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def closed(client: TestClient, world: World) -> str:
    """An AMBER incident of CERT-LT, closed."""
    incident_id = str(file(client, world.analyst, tlp="amber")["id"])
    for target in ("triage", "closed"):
        response = client.post(f"{API}/{incident_id}/status", json={"status": target},
                               headers=world.analyst.auth)
        assert response.status_code == 200, response.text
    return incident_id


@pytest.fixture
def unchanged(db: Database, closed: str) -> Iterator[None]:
    before = row_counts(db)
    yield
    assert row_counts(db) == before


BODY_CASES: list[tuple[str, str, dict[str, Any], set[str]]] = [
    ("POST", "", {**BODY, "rsit_type": "smishing"}, {"rsit_type"}),
    ("POST", "", {**BODY, "rsit_class": "mischief"}, {"rsit_class"}),
    ("POST", "", {**BODY, "countries": ["LT", "XX"]}, {"countries.1"}),
    ("POST", "", {**BODY, "title": TEN_MB}, {"title"}),
    ("POST", "", {**BODY, "title": "   "}, {"title"}),
    ("POST", "", {**BODY, "colour": "red", "owner_org_id": UNKNOWN}, {"colour", "owner_org_id"}),
    ("POST", "", {**BODY, "aware_at": "2026-11-23T08:00:00"}, {"aware_at"}),
    ("POST", "", {**BODY, "recipient_org_ids": [UNKNOWN]}, {"recipient_org_ids.0"}),
    ("POST", "", {**BODY, "subsector": "gas"}, {"subsector"}),
    ("POST", "", {**BODY, "severity": "urgent", "tlp": "purple", "countries": ["XX"],
                  "sector": "mining", "cves": ["CVE-1"], "attack_techniques": ["X1"],
                  "affected_users": -1},
     {"severity", "tlp", "countries.0", "sector", "cves.0", "attack_techniques.0",
      "affected_users"}),
    ("PATCH", "/{id}", {"title": TEN_MB}, {"title"}),
    ("PATCH", "/{id}", {"status": "resolved"}, {"status"}),
    ("PATCH", "/{id}", {"exercise_id": UNKNOWN}, {"exercise_id"}),
    ("PATCH", "/{id}", {"title": None, "countries": None}, {"title", "countries"}),
    ("POST", "/{id}/status", {"status": "contained"}, {"status"}),
    ("POST", "/{id}/status", {"status": "done"}, {"status"}),
    ("POST", "/{id}/timeline", {"kind": "note", "text": " "}, {"text"}),
    ("POST", "/{id}/observables", {"type": "ipv4", "value": "300.1.2.3"}, {"value"}),
    ("POST", "/{id}/observables", {"type": "ipv4", "value": "2001:db8::1"}, {"value"}),
    ("POST", "/{id}/observables", {"type": "domain", "value": "x.example", "tlp": "green"},
     {"tlp"}),
    ("POST", "/{id}/observables", {"type": "hash", "value": "abc"}, {"type"}),
    ("POST", "/{id}/observables", {"type": "domain", "value": "x.example",
                                   "first_seen": "2026-11-23T08:00:00+00:00",
                                   "last_seen": "2026-11-22T08:00:00+00:00"}, {"last_seen"}),
]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("method", "path", "body", "fields"), BODY_CASES,
                         ids=[f"{c[0]} {c[1]} {sorted(c[3])}" for c in BODY_CASES])
def test_bad_body_gets_422_naming_every_bad_field_and_changes_nothing(
    client: TestClient, world: World, closed: str, method: str, path: str,
    body: dict[str, Any], fields: set[str],
) -> None:
    response = client.request(method, API + path.format(id=closed), json=body,
                              headers=world.analyst.auth)
    problem = assert_problem(response, 422)
    assert error_fields(problem) == fields
    assert TEN_MB not in response.text  # the refusal does not echo a huge value back


QUERY_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("", {"country": ["LT", "XX"]}, "country"),
    ("", {"rsit_class": "mischief"}, "rsit_class"),
    ("", {"status": "open"}, "status"),
    ("", {"severity": "urgent"}, "severity"),
    ("", {"tlp": "purple"}, "tlp"),
    ("", {"sector": "mining"}, "sector"),
    ("", {"limit": 0}, "limit"),
    ("", {"limit": 201}, "limit"),
    ("", {"exercise": "maybe"}, "exercise"),
    ("", {"sort": "title"}, "sort"),
    ("", {"q": "x" * 201}, "q"),
    ("", {"created_from": "2026-11-24T00:00:00Z", "created_to": "2026-11-23T00:00:00Z"},
     "created_to"),
    ("/facets", {"country": "XX"}, "country"),
    ("/export", {"format": "xml"}, "format"),
    ("/export", {"tlp": "purple"}, "tlp"),
]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("path", "params", "field"), QUERY_CASES,
                         ids=[f"{c[0]} {c[2]}" for c in QUERY_CASES])
def test_bad_filter_gets_422_naming_it_and_changes_nothing(
    client: TestClient, world: World, path: str, params: dict[str, Any], field: str
) -> None:
    response = client.get(API + path, params=params, headers=world.analyst.auth)
    assert error_fields(assert_problem(response, 422)) == {field}


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("params", "field"), [
    ({"scope": "mine"}, "scope"), ({"within_hours": -1}, "within_hours"),
    ({"within_hours": 10_000}, "within_hours"),
])
def test_bad_deadline_query_gets_422(
    client: TestClient, world: World, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/v1/nis2/deadlines", params=params, headers=world.analyst.auth)
    assert error_fields(assert_problem(response, 422)) == {field}


@pytest.mark.usefixtures("unchanged")
def test_body_over_the_limit_gets_413_before_it_is_parsed(
    client: TestClient, world: World, settings: Settings
) -> None:
    body = b'{"title": "' + b"x" * settings.max_request_bytes + b'"}'
    response = client.post(API, content=body, headers={
        **world.analyst.auth, "Content-Type": "application/json"})
    assert str(settings.max_request_bytes) in assert_problem(response, 413)["detail"]


def test_the_default_limit_lets_a_ten_megabyte_title_be_refused_by_name(
    settings: Settings,
) -> None:
    assert settings.max_request_bytes > len(TEN_MB) + 1000
