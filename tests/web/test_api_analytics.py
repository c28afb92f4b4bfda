"""The analytics exports over the demo world, on SQLite and PostgreSQL: each aggregate as
JSON and as the same rows in CSV; a viewer's counts are its own (an analyst of one CERT
counts no more than it may list); suppressed cells are null and flagged; the report's
JSON names nothing above its ceiling."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from rcsc.core.tlp import Tlp
from tests.analytics.demo_support import DEMO_WEEK, Demo

API = "/api/v1/analytics"
PERIOD = {"from": "2026-06-01", "to": "2026-11-29"}


@pytest.fixture
def db_url(demo_db_url: str) -> str:
    """Every test here starts from a copy of the demo world (tests/analytics/demo_support)."""
    return demo_db_url


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("path", "extra"), [
    ("/counts", {"grain": "month", "dimension": "country"}),
    ("/counts", {"grain": "week", "dimension": "all"}),
    ("/heatmap", {}), ("/durations", {}), ("/nis2", {}), ("/indicators", {}), ("/trends", {}),
])
def test_every_aggregate_exports_the_same_rows_as_json_and_csv(
        client: TestClient, demo_world: Demo, path: str, extra: dict[str, str]) -> None:
    auth = _auth(demo_world.coordinator_token)
    got = client.get(API + path, params={**PERIOD, **extra}, headers=auth)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["filters"]["from"] == PERIOD["from"] and body["rows"]
    as_csv = client.get(API + path, params={**PERIOD, **extra, "format": "csv"}, headers=auth)
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == len(body["rows"])
    first = body["rows"][0]
    for key in rows[0]:
        value = first[key]
        expected = "" if value is None else (
            ";".join(value) if isinstance(value, list) else str(value))
        assert rows[0][key] == expected, key


def test_suppressed_counts_are_null_flagged_and_never_small(
        client: TestClient, demo_world: Demo) -> None:
    body = client.get(API + "/counts", params={**PERIOD, "dimension": "sector"},
                      headers=_auth(demo_world.coordinator_token)).json()
    assert body["minimum_cell"] == 3
    hidden = [r for r in body["rows"] if r["suppressed"]]
    assert hidden and all(r["count"] is None for r in hidden)
    assert all(r["count"] == 0 or r["count"] >= 3 for r in body["rows"] if not r["suppressed"])


def test_an_analyst_counts_only_what_it_may_list(client: TestClient, demo_world: Demo) -> None:
    totals = {}
    for who, token in (("coordinator", demo_world.coordinator_token),
                       ("analyst", demo_world.analyst_token)):
        body = client.get(API + "/counts", params={**PERIOD, "grain": "month"},
                          headers=_auth(token)).json()
        listed = client.get("/api/v1/incidents", params={
            "created_from": "2026-06-01T00:00:00Z", "created_to": "2026-11-30T00:00:00Z",
            "limit": 1}, headers=_auth(token)).json()
        assert body["total"] == listed["total"], who
        totals[who] = body["total"]
    assert totals["analyst"] != totals["coordinator"]


def test_bad_filters_are_refused_by_name(client: TestClient, demo_world: Demo) -> None:
    got = client.get(API + "/counts", params={"from": "2026-02-30", "country": "XX",
                                              "sector": "nope"},
                     headers=_auth(demo_world.coordinator_token))
    assert got.status_code == 422
    fields = {e["field"] for e in got.json()["errors"]}
    assert {"from", "country", "sector"} <= fields


def test_the_sitrep_as_json_names_nothing_above_its_ceiling(
        client: TestClient, demo_world: Demo) -> None:
    auth = _auth(demo_world.coordinator_token)
    body = client.get(API + "/sitrep", params={"week": DEMO_WEEK, "tlp": "green"},
                      headers=auth).json()
    assert body["week"] == DEMO_WEEK and body["tlp"] == "green"
    levels = [Tlp(n["tlp"]) for n in body["notable"]] + [Tlp(c["tlp"]) for c in body["clusters"]]
    assert levels and all(level.rank <= Tlp.GREEN.rank for level in levels)
    amber = client.get(API + "/sitrep", params={"week": DEMO_WEEK}, headers=auth).json()
    assert Tlp(amber["tlp"]).rank >= max(Tlp(n["tlp"]).rank for n in amber["notable"])
    pdf = client.get(API + "/sitrep", params={"week": DEMO_WEEK, "format": "pdf"},
                     headers=auth)
    assert pdf.content.startswith(b"%PDF-")
    bad = client.get(API + "/sitrep", params={"week": "2026-W60"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "week"
