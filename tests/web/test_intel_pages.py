"""The intelligence pages on SQLite and PostgreSQL, as a browser without JavaScript uses
them: the incident page's related items (through the sharing rule, benign values named);
the value search with verdicts and a sighting form; extraction from pasted text and an
uploaded file, then attaching the picks; warninglists and allow-lists for node admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from rcsc.intel import index
from tests.conftest import PASSWORD, World
from tests.web.page_support import assert_html, count_rows, csrf_of, logged_in, post_form
from tests.web.test_intel_correlations import _with_value

if TYPE_CHECKING:
    from rcsc.storage import Database

RESOLVERS = "List of known IPv4 public DNS resolvers"


def test_the_incident_page_lists_related_items_through_the_rule(
    client: TestClient, world: World, db: Database
) -> None:
    lt = _with_value(client, world.analyst, "green", "domain", "relay-c2.lt")
    ua = _with_value(client, world.ua_analyst, "green", "domain", "relay-c2.lt")
    hidden = _with_value(client, world.ua_analyst, "amber", "domain", "relay-c2.lt")
    resolver = _with_value(client, world.ua_analyst, "green", "ipv4", "8.8.8.8")
    client.post(f"/api/v1/incidents/{lt}/observables", headers=world.analyst.auth,
                json={"type": "ipv4", "value": "8.8.8.8"})
    index.catch_up(db)
    logged_in(client, world.analyst.email, PASSWORD)
    html = assert_html(client.get(f"/incidents/{lt}"), 200)
    related = html[html.index('id="related"'):html.index('id="benign-values"')]
    assert f"/incidents/{ua}" in related and "relay-c2.lt" in related
    assert hidden not in html and resolver not in html
    assert RESOLVERS in html[html.index('id="benign-values"'):]


def test_the_value_search_page_gives_verdicts_and_records_sightings(
    client: TestClient, world: World, db: Database
) -> None:
    lt = _with_value(client, world.analyst, "green", "ipv4", "8.8.8.8")
    index.catch_up(db)
    logged_in(client, world.ua_analyst.email, PASSWORD)
    html = assert_html(client.get("/intel/values", params={
        "q": "8.8.8[.]8\n5.188.10.3\nnot a value"}), 200)
    assert RESOLVERS in html and f"/incidents/{lt}" in html
    assert "not a value" in html[html.index('id="unrecognised"'):]
    response = post_form(client, "/intel/values/sightings", {
        "value": "5.188.10[.]3", "kind": "seen", "count": "3", "tlp": "green",
        "q": "5.188.10.3"}, page="/intel/values")
    assert response.status_code == 303
    assert count_rows(db, "intel_sightings") == 1
    page = assert_html(client.get(response.headers["location"]), 200)
    assert "seen: 3" in page
    bad = post_form(client, "/intel/values/sightings", {"value": "nope", "kind": "seen"},
                    page="/intel/values")
    assert "no value of an indexed type" in assert_html(bad, 422)
    assert count_rows(db, "intel_sightings") == 1


def test_extraction_from_text_and_file_then_attach(client: TestClient, world: World,
                                                   db: Database) -> None:
    incident = _with_value(client, world.analyst, "green", "domain", "seed.lt")
    logged_in(client, world.analyst.email, PASSWORD)
    token = csrf_of(client.get("/intel/extract").text)
    html = assert_html(client.post("/intel/extract", data={
        "csrf_token": token, "text": "beacon to hxxp://update-check[.]lt/gate.php"},
        files={"file": ("report.txt", b"resolver 8.8.8[.]8 and 5.188.10[.]3",
                        "text/plain")}), 200)
    found = html[html.index('id="found"'):]
    assert "http://update-check.lt/gate.php" in found and "5.188.10.3" in found
    assert RESOLVERS in found
    response = client.post("/intel/extract/attach", follow_redirects=False, data={
        "csrf_token": csrf_of(html), "incident_id": incident,
        "picked": ["ipv4 5.188.10.3", "url http://update-check.lt/gate.php"]})
    assert response.status_code == 303 and incident in response.headers["location"]
    observables = client.get(f"/api/v1/incidents/{incident}/observables",
                             headers=world.analyst.auth).json()
    values = {o["value"] for o in (observables.get("items", observables)
                                   if isinstance(observables, dict) else observables)}
    assert {"5.188.10.3", "http://update-check.lt/gate.php"} <= values
    refused = client.post("/intel/extract/attach", data={
        "csrf_token": csrf_of(html), "incident_id": "nope", "picked": ["ipv4 5.188.10.3"]})
    assert "incident" in assert_html(refused, 422)


def test_lists_page_is_managed_by_node_admins(client: TestClient, world: World,
                                              db: Database) -> None:
    logged_in(client, world.analyst.email, PASSWORD)
    html = assert_html(client.get("/intel/lists"), 200)
    assert RESOLVERS in html and 'action="/intel/lists/allow"' not in html
    refused = post_form(client, "/intel/lists/allow", {"list": "x", "value": "5.188.10.3"},
                        page="/intel/lists")
    assert refused.status_code == 403 and count_rows(db, "intel_allow_entries") == 0
    client.cookies.clear()
    logged_in(client, world.admin.email, PASSWORD)
    added = post_form(client, "/intel/lists/allow", {
        "list": "partner-scanners", "value": "5.188.10.0/24", "comment": "CERT-EE"},
        page="/intel/lists")
    assert added.status_code == 303 and count_rows(db, "intel_allow_entries") == 1
    switched = post_form(client, "/intel/lists/warninglists", {"name": RESOLVERS},
                         page="/intel/lists")
    assert switched.status_code == 303
    page = assert_html(client.get("/intel/lists"), 200)
    assert "5.188.10.0/24" in page and 'id="busiest"' in page
    row = page[page.index(RESOLVERS):]
    assert "not applied" in row[:row.index("</tr>")]
    bad = post_form(client, "/intel/lists/allow", {"list": "", "value": "nope"},
                    page="/intel/lists")
    assert_html(bad, 422)
