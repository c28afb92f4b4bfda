"""The verdict API on SQLite and PostgreSQL: the value search flags 8.8.8.8 and gives each
value's sightings and first/last seen; sightings under the sharing rule; allow-lists and
warninglist switches for node admins only, audited; extraction and attaching picks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from rcsc.core.tlp import Tlp
from rcsc.intel import index
from tests.conftest import PASSWORD, Account, World
from tests.web.api_support import assert_problem, audit_entries
from tests.web.page_support import assert_html, logged_in
from tests.web.taxii_support import added, indicator
from tests.web.test_intel_correlations import _with_value

if TYPE_CHECKING:
    from rcsc.storage import Database

INTEL = "/api/v1/intel"
RESOLVERS = "warninglist: List of known IPv4 public DNS resolvers"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _lookup(client: TestClient, who: Account, *values: str) -> dict[str, Any]:
    body: dict[str, Any] = _ok(client.post(f"{INTEL}/lookup", headers=who.auth,
                                           json={"values": list(values)}))
    return body


def test_the_value_search_flags_warninglisted_values(client: TestClient, world: World,
                                                     db: Database) -> None:
    lt = _with_value(client, world.analyst, "green", "ipv4", "8.8.8.8")
    index.catch_up(db)
    body = _lookup(client, world.ua_analyst, "8.8.8[.]8", "5.188.10.3")
    assert [r["ref"] for r in body["related"]] == [lt]
    flagged = {b["value"]: b["reasons"] for b in body["benign"]}
    assert RESOLVERS in flagged["8.8.8.8"] and "5.188.10.3" not in flagged
    reports = {r["value"]: r for r in body["reports"]}
    assert reports["8.8.8.8"]["items"] == 1 and RESOLVERS in reports["8.8.8.8"]["benign"]
    assert reports["5.188.10.3"] == {
        "type": "ipv4", "value": "5.188.10.3", "benign": [], "over_correlating": False,
        "items": 0, "first_seen": None, "last_seen": None,
        "sightings": {"seen": 0, "false-positive": 0, "expired": 0}}
    related = _ok(client.get(f"{INTEL}/correlations/incidents/{lt}",
                             headers=world.analyst.auth))
    assert related["related"] == [] and related["benign"][0]["value"] == "8.8.8.8"


def test_sightings_are_recorded_and_read_through_the_rule(client: TestClient,
                                                          world: World) -> None:
    made = _ok(client.post(f"{INTEL}/sightings", headers=world.ua_analyst.auth,
                           json={"kind": "seen", "value": "5.188.10[.]3", "count": 2,
                                 "tlp": "amber"}), 201)
    assert made["value"] == {"type": "ipv4", "value": "5.188.10.3"} and made["count"] == 2
    green = _ok(client.post(f"{INTEL}/sightings", headers=world.ua_analyst.auth,
                            json={"kind": "false-positive", "value": "5.188.10.3",
                                  "tlp": "green"}), 201)

    def seen(who: Account) -> set[str]:
        got = _ok(client.get(f"{INTEL}/sightings", params={"value": "5.188.10.3"},
                             headers=who.auth))
        return {s["id"] for s in got["items"]}

    assert seen(world.ua_analyst) == {made["id"], green["id"]}
    assert seen(world.analyst) == {green["id"]}
    body = _lookup(client, world.analyst, "5.188.10.3")
    assert body["reports"][0]["sightings"]["false-positive"] == 1
    assert body["reports"][0]["sightings"]["seen"] == 0  # the AMBER one is not told
    bad = client.post(f"{INTEL}/sightings", headers=world.analyst.auth,
                      json={"kind": "seen", "value": "nope", "count": 0, "tlp": "pink"})
    assert {e["field"] for e in assert_problem(bad, 422)["errors"]} == {"value", "count",
                                                                        "tlp"}
    refused = client.post(f"{INTEL}/sightings", headers=world.viewer.auth,
                          json={"kind": "seen", "value": "5.188.10.3"})
    assert_problem(refused, 403)


def test_allow_lists_are_for_node_admins_and_audited(client: TestClient, world: World,
                                                     db: Database) -> None:
    body = {"list": "partner-scanners", "value": "5.188.10.0/24", "comment": "CERT-EE"}
    assert_problem(client.post(f"{INTEL}/allowlists", headers=world.analyst.auth,
                               json=body), 403)
    made = _ok(client.post(f"{INTEL}/allowlists", headers=world.admin.auth, json=body), 201)
    assert made["value"] == "5.188.10.0/24" and made["list"] == "partner-scanners"
    assert_problem(client.post(f"{INTEL}/allowlists", headers=world.admin.auth, json=body),
                   409)
    listed = _ok(client.get(f"{INTEL}/allowlists", headers=world.viewer.auth))["items"]
    assert [e["id"] for e in listed] == [made["id"]]
    report = _lookup(client, world.viewer, "5.188.10.3")["reports"][0]
    assert report["benign"] == ["allow-list: partner-scanners"]
    gone = client.delete(f"{INTEL}/allowlists/{made['id']}", headers=world.admin.auth)
    assert gone.status_code == 204
    assert _lookup(client, world.viewer, "5.188.10.3")["reports"][0]["benign"] == []
    assert [e.action for e in audit_entries(db) if e.action.startswith("allowlist")] == [
        "allowlist.add", "allowlist.remove"]


def test_warninglists_are_listed_and_switched_by_admins(client: TestClient,
                                                        world: World) -> None:
    name = RESOLVERS.removeprefix("warninglist: ")
    lists = _ok(client.get(f"{INTEL}/warninglists", headers=world.viewer.auth))["items"]
    resolvers = next(w for w in lists if w["name"] == name)
    assert resolvers["enabled"] is True and resolvers["entries"] > 10
    assert len(lists) > 100
    assert_problem(client.put(f"{INTEL}/warninglists/{name}", headers=world.analyst.auth,
                              json={"enabled": False}), 403)
    _ok(client.put(f"{INTEL}/warninglists/{name}", headers=world.admin.auth,
                   json={"enabled": False}))
    assert RESOLVERS not in _lookup(client, world.viewer, "8.8.8.8")["reports"][0]["benign"]
    assert_problem(client.put(f"{INTEL}/warninglists/No such list", headers=world.admin.auth,
                              json={"enabled": False}), 404)


def test_extraction_finds_and_attaches(client: TestClient, world: World) -> None:
    text = "C2 hxxp://update-check[.]lt/gate.php at 5.188.10[.]3; resolver 8.8.8[.]8"
    found = _ok(client.post(f"{INTEL}/extract", headers=world.analyst.auth,
                            json={"text": text}))["items"]
    by_value = {f["value"]: f for f in found}
    assert {"http://update-check.lt/gate.php", "update-check.lt", "5.188.10.3",
            "8.8.8.8"} <= set(by_value)
    assert RESOLVERS in by_value["8.8.8.8"]["benign"] and by_value["5.188.10.3"]["benign"] == []
    incident = _with_value(client, world.analyst, "green", "domain", "seed.lt")
    attached = _ok(client.post(f"{INTEL}/extract/attach", headers=world.analyst.auth, json={
        "incident_id": incident, "observables": [{"type": "ipv4", "value": "5.188.10.3"}]}))
    assert [a["value"] for a in attached["attached"]] == ["5.188.10.3"]
    bad = client.post(f"{INTEL}/extract/attach", headers=world.analyst.auth, json={
        "incident_id": incident, "observables": [{"type": "ipv4", "value": "nope"}]})
    assert {e["field"] for e in assert_problem(bad, 422)["errors"]} == {
        "observables[0].value"}


def test_object_search_results_carry_the_verdict(client: TestClient, world: World) -> None:
    resolver = indicator("8.8.8.8", Tlp.CLEAR, name="Verdict probe resolver")
    plain = indicator("5.188.10.3", Tlp.CLEAR, name="Verdict probe plain")
    added(client, world.analyst.token, resolver, plain)
    hits = _ok(client.get(f"{INTEL}/objects", params={"q": "verdict probe"},
                          headers=world.viewer.auth))["items"]
    by_id = {h["id"]: h for h in hits}
    assert by_id[plain["id"]]["benign"] == []
    (flagged,) = by_id[resolver["id"]]["benign"]
    assert flagged["value"] == "8.8.8.8" and RESOLVERS in flagged["reasons"]
    logged_in(client, world.viewer.email, PASSWORD)
    html = assert_html(client.get("/intel", params={"q": "verdict probe"}), 200)
    assert RESOLVERS in html
