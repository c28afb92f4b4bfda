"""The incident pages through a TestClient, on SQLite and PostgreSQL: filing, listing,
reading, editing and working an incident through its forms with CSRF; errors shown beside
their fields with nothing written; an incident hidden from a non-recipient everywhere."""

from __future__ import annotations

import html as html_lib
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rcsc.accounts import organisations, users
from rcsc.accounts.auth import principal_for, system
from rcsc.core.clock import FrozenClock
from rcsc.core.identity import ActorType, Principal
from rcsc.core.incidents import Incident
from rcsc.incidents import service
from rcsc.storage import Database
from rcsc.storage.tables import AuditRow
from tests.conftest import PASSWORD
from tests.web.page_support import assert_html, count_rows, csrf_of, logged_in, post_form

if TYPE_CHECKING:
    from tests.conftest import World

TITLE = "Wiper on the Kyiv grid operator"


@dataclass
class Cast:
    world: World
    pl_email: str
    pl_org: uuid.UUID


@pytest.fixture
def cast(world: World, db: Database) -> Cast:
    """The test world plus CERT Polska, whose analyst is no recipient of anything."""
    with db.transaction() as uow:
        pl = organisations.create(uow, system("test"), name="CERT Polska", country="PL",
                                  kind="national-csirt")
        users.create(uow, system("test"), email="analyst@cert.pl", name="Polish Analyst",
                     org_id=pl.id, roles=["analyst"], password=PASSWORD)
        for email, zone in ((world.ua_analyst.email, "Europe/Kyiv"),
                            (world.analyst.email, "Europe/Vilnius")):
            user = users.by_email(uow, email)
            users.update(uow, system("test"), user.id, timezone=zone)
    return Cast(world, "analyst@cert.pl", pl.id)


def _principal(db: Database, email: str) -> Principal:
    with db.transaction() as uow:
        return principal_for(users.by_email(uow, email), via=ActorType.USER)


def _stored(db: Database, email: str, incident_id: uuid.UUID) -> Incident:
    with db.transaction() as uow:
        return service.get(uow, _principal(db, email), incident_id)


def _form(world: World, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": TITLE, "summary": "Disk wiper found on SCADA jump hosts.",
        "rsit": "malicious-code/infected-system", "severity": "high",
        "sector": "energy/electricity", "tlp": "amber", "countries": "UA, LT",
        "recipient_org_ids": [str(world.lt_org)], "recipient_users": "",
        "affected_systems": "12", "affected_users": "", "cross_border": "on",
        "aware_at": "2026-11-23T10:00", "attack_techniques": "T1485, t1190",
        "cves": "CVE-2024-3094", "threat_actors": "Sandworm", "malware": "AcidRain, Industroyer2",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _file(client: TestClient, world: World, **changes: Any) -> uuid.UUID:
    response = post_form(client, "/incidents/new", _form(world, **changes))
    assert response.status_code == 303, response.text[:3000]
    found = re.fullmatch(r"/incidents/([0-9a-f-]{36})", response.headers["location"])
    assert found, response.headers["location"]
    return uuid.UUID(found.group(1))


def _filed_by_ua(client: TestClient, cast: Cast, **changes: Any) -> uuid.UUID:
    logged_in(client, cast.world.ua_analyst.email, PASSWORD)
    return _file(client, cast.world, **changes)


def _error_beside(html: str, name: str) -> str:
    """The text of the error shown in the field of input `name`."""
    found = re.search(rf'<p class="field-error" id="f-{name}-error">(.*?)</p>', html, re.S)
    assert found, f"no error beside {name}"
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def _audit_actions(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(AuditRow.action)).scalars())


# --- filing and reading ------------------------------------------------------------------

def test_every_signed_in_user_has_the_incident_links(client: TestClient, world: World) -> None:
    html = assert_html(logged_in(client, world.viewer.email, PASSWORD).get("/"), 200)
    assert '<a href="/incidents" >Incidents</a>' in html
    assert '<a href="/nis2" >NIS2 deadlines</a>' in html
    listing = assert_html(client.get("/incidents"), 200)
    assert '<a href="/incidents" aria-current="page">Incidents</a>' in listing
    assert 'href="/incidents/new"' not in listing  # a viewer files nothing
    assert "Forbidden" in assert_html(client.get("/incidents/new"), 403)


def test_a_ukrainian_analyst_files_an_amber_incident_for_the_lithuanian_cert(
    client: TestClient, cast: Cast, db: Database
) -> None:
    form = assert_html(logged_in(client, cast.world.ua_analyst.email, PASSWORD)
                       .get("/incidents/new"), 200)
    assert '<optgroup label="malicious-code">' in form
    assert '<option value="energy/electricity">Energy — Electricity</option>' in form
    assert 'class="tlp tlp-amber"' in form and "CERT-LT (LT)" in form
    incident_id = _file(client, cast.world)
    html = assert_html(client.get(f"/incidents/{incident_id}"), 200)
    assert html.count('<div class="tlp-bar tlp-bar-amber"') == 2  # top and bottom
    heading = html.index(f'<h1 id="incident-title">{TITLE}</h1>')
    assert html.index('data-where="top"') < heading < html.index('data-where="bottom"')
    assert '<dd id="recipient-orgs">CERT-LT</dd>' in html
    assert "Energy — Electricity" in html and "T1485, T1190" in html
    assert "AcidRain, Industroyer2" in html and "CVE-2024-3094" in html
    assert "Incident reported" in html  # the first timeline entry
    stored = _stored(db, cast.world.ua_analyst.email, incident_id)
    assert stored.recipients.org_ids == {cast.world.lt_org}
    assert stored.countries == {"UA", "LT"} and stored.impact.affected_systems == 12
    assert stored.impact.cross_border and not stored.impact.critical_infrastructure


def test_times_are_read_and_shown_in_the_users_time_zone(
    client: TestClient, cast: Cast, db: Database
) -> None:
    incident_id = _filed_by_ua(client, cast, aware_at="2026-11-23T10:00")
    stored = _stored(db, cast.world.ua_analyst.email, incident_id)
    assert stored.times.aware_at is not None
    assert stored.times.aware_at.isoformat() == "2026-11-23T08:00:00+00:00"  # Kyiv is UTC+2
    edit = assert_html(client.get(f"/incidents/{incident_id}/edit"), 200)
    assert 'name="aware_at" value="2026-11-23T10:00"' in edit
    logged_in(client, cast.world.analyst.email, PASSWORD)  # Vilnius, also UTC+2 in November
    html = assert_html(client.get(f"/incidents/{incident_id}"), 200)
    assert "Nov 23, 2026, 10:00:00\u202fAM EET" in html


def test_the_lithuanian_recipient_sees_it_in_the_list_and_opens_it(
    client: TestClient, cast: Cast
) -> None:
    incident_id = _filed_by_ua(client, cast)
    logged_in(client, cast.world.analyst.email, PASSWORD)
    listing = assert_html(client.get("/incidents"), 200)
    assert "Incidents you may see that match: 1" in listing
    assert f'<a href="/incidents/{incident_id}">{TITLE}</a>' in listing
    assert '<span class="tlp tlp-amber"' in listing and ">CERT-UA<" in listing
    facets = listing[listing.index('id="facet-tlp"'):]
    assert '<a href="/incidents?tlp=amber">TLP:AMBER</a> <span class="count">1</span>' in facets
    detail = assert_html(client.get(f"/incidents/{incident_id}"), 200)
    assert TITLE in detail
    assert f'href="/incidents/{incident_id}/edit"' not in detail  # only the owner edits
    assert 'action="/incidents/' not in detail  # and works it


def test_a_polish_non_recipient_gets_404_and_no_trace_in_lists_or_counts(
    client: TestClient, cast: Cast, db: Database
) -> None:
    incident_id = _filed_by_ua(client, cast)
    logged_in(client, cast.pl_email, PASSWORD)
    missing = assert_html(client.get(f"/incidents/{incident_id}"), 404)
    unknown = assert_html(client.get(f"/incidents/{uuid.uuid4()}"), 404)
    assert "Not found" in missing and TITLE not in missing
    assert missing.replace(str(incident_id), "ID") == unknown.replace(
        unknown.split("No incident ")[1].split("<")[0], "ID")  # not a word more or less
    for path in ("/incidents", "/incidents?q=wiper", "/incidents?tlp=amber",
                 "/incidents?country=UA"):
        listing = assert_html(client.get(path), 200)
        assert TITLE not in listing and str(incident_id) not in listing
        assert "Incidents you may see that match: 0" in listing
        assert 'class="count"' not in listing  # every facet is empty
    assert TITLE not in assert_html(client.get("/nis2"), 200)
    assert_html(client.get(f"/incidents/{incident_id}/edit"), 404)
    before = count_rows(db, "incident_timeline")
    note = post_form(client, f"/incidents/{incident_id}/notes",
                     {"kind": "note", "text": "probing"}, page="/incidents")
    assert_html(note, 404)
    assert count_rows(db, "incident_timeline") == before


@pytest.mark.parametrize("path", ["/incidents/not-a-uuid", "/incidents/not-a-uuid/edit"])
def test_a_malformed_incident_id_is_the_same_404(client: TestClient, world: World,
                                                 path: str) -> None:
    logged_in(client, world.analyst.email, PASSWORD)
    assert "Not found" in assert_html(client.get(path), 404)


# --- errors beside their fields ----------------------------------------------------------

def test_errors_are_shown_beside_their_fields_and_nothing_is_written(
    client: TestClient, cast: Cast, db: Database
) -> None:
    logged_in(client, cast.world.ua_analyst.email, PASSWORD)
    audit_before = _audit_actions(db)
    response = post_form(client, "/incidents/new", _form(
        cast.world, countries="LT, XX", cves="CVE-12", affected_systems="-3",
        started_at="yesterday", attack_techniques="T1485, phishing",
        recipient_users="nobody@nowhere.example", sector="energy/rail"), page="/incidents/new")
    html = assert_html(response, 422)
    assert "'XX' is not an ISO 3166-1 alpha-2 code" in _error_beside(html, "countries")
    assert "'CVE-12' is not like CVE-2024-3094" in _error_beside(html, "cves")
    assert "whole number" in _error_beside(html, "affected_systems")
    assert "'yesterday' is not an ISO 8601 time" in _error_beside(html, "started_at")
    assert "'phishing' is not like T1566" in _error_beside(html, "attack_techniques")
    assert "no user has the e-mail nobody@nowhere.example" in _error_beside(
        html, "recipient_users")
    assert "not a subsector of energy" in _error_beside(html, "sector")
    assert 'id="error-summary"' in html and '<a href="#f-countries">' in html
    assert 'name="countries" value="LT, XX"' in html  # the input is kept
    assert f'name="title" value="{TITLE}"' in html
    assert 'aria-describedby="f-countries-hint f-countries-error" aria-invalid="true"' in html
    assert f'value="{cast.world.lt_org}" checked' in html
    assert count_rows(db, "incidents") == 0 and count_rows(db, "incident_timeline") == 0
    assert _audit_actions(db) == audit_before


def test_missing_fields_are_named_together_with_every_other_error(
    client: TestClient, cast: Cast, db: Database
) -> None:
    logged_in(client, cast.world.ua_analyst.email, PASSWORD)
    response = post_form(client, "/incidents/new",
                         _form(cast.world, title="", rsit="", countries="LT, XX"),
                         page="/incidents/new")
    html = assert_html(response, 422)
    assert _error_beside(html, "title") == "Error: is required"
    assert _error_beside(html, "rsit") == "Error: is required"  # class and type: said once
    assert "'XX' is not an ISO 3166-1 alpha-2 code" in _error_beside(html, "countries")
    assert count_rows(db, "incidents") == 0


def test_a_form_without_csrf_files_nothing(client: TestClient, cast: Cast, db: Database) -> None:
    logged_in(client, cast.world.ua_analyst.email, PASSWORD)
    response = client.post("/incidents/new", data={**_form(cast.world), "csrf_token": "x"},
                           follow_redirects=False)
    assert "expired" in assert_html(response, 403)
    assert count_rows(db, "incidents") == 0


def test_every_form_control_has_a_label_and_nothing_inline(client: TestClient,
                                                           cast: Cast) -> None:
    incident_id = _filed_by_ua(client, cast)
    for path in ("/incidents/new", f"/incidents/{incident_id}/edit",
                 f"/incidents/{incident_id}", "/incidents", "/nis2"):
        html = assert_html(client.get(path), 200)
        assert "<script" not in html and "style=" not in html, path
        controls = re.findall(
            r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
        assert controls, path
        for control in controls:
            assert f'for="{control}"' in html, f"{path}: #{control} has no label"
        assert not re.search(r"<div[^>]*onclick", html)
        tokens = re.findall(r'name="csrf_token" value="([^"]*)"', html)
        assert all(tokens) and len(set(tokens)) == 1, path  # every form carries the token


# --- editing -----------------------------------------------------------------------------

def test_the_owner_edits_an_incident(client: TestClient, cast: Cast, db: Database) -> None:
    incident_id = _filed_by_ua(client, cast)
    edit = assert_html(client.get(f"/incidents/{incident_id}/edit"), 200)
    assert 'name="version" value="1"' in edit and 'value="malicious-code/infected-system" ' \
        'selected' in edit
    response = post_form(client, f"/incidents/{incident_id}/edit",
                         _form(cast.world, title="Wiper contained", severity="critical",
                               tlp="amber+strict", version="1"))
    assert response.status_code == 303
    stored = _stored(db, cast.world.ua_analyst.email, incident_id)
    assert (stored.title, stored.severity.value, stored.tlp.value, stored.version) == \
        ("Wiper contained", "critical", "amber+strict", 2)


def test_a_stale_edit_shows_a_message_and_overwrites_nothing(
    client: TestClient, cast: Cast, db: Database
) -> None:
    incident_id = _filed_by_ua(client, cast)
    page = f"/incidents/{incident_id}/edit"
    token = csrf_of(client.get(page).text)
    first = client.post(page, follow_redirects=False, data={
        **_form(cast.world, title="A colleague's title"), "version": "1", "csrf_token": token})
    assert first.status_code == 303
    late = client.post(page, follow_redirects=False, data={
        **_form(cast.world, title="My late title"), "version": "1", "csrf_token": token})
    html = assert_html(late, 412)
    assert "Someone changed this incident after you opened it" in html
    assert 'value="My late title"' in html  # kept for the user to copy
    assert _stored(db, cast.world.ua_analyst.email, incident_id).title == "A colleague's title"


def test_a_recipient_may_not_edit(client: TestClient, cast: Cast, db: Database) -> None:
    incident_id = _filed_by_ua(client, cast)
    logged_in(client, cast.world.analyst.email, PASSWORD)
    assert_html(client.get(f"/incidents/{incident_id}/edit"), 403)
    response = post_form(client, f"/incidents/{incident_id}/edit",
                         _form(cast.world, title="hijacked", version="1"),
                         page=f"/incidents/{incident_id}")
    assert_html(response, 403)
    assert _stored(db, cast.world.ua_analyst.email, incident_id).title == TITLE


# --- working an incident -----------------------------------------------------------------

def _buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="target" value="([a-z-]+)">', html)


def test_status_buttons_follow_the_workflow(client: TestClient, cast: Cast) -> None:
    incident_id = _filed_by_ua(client, cast)
    detail = f"/incidents/{incident_id}"
    assert _buttons(assert_html(client.get(detail), 200)) == ["triage", "in-progress"]
    response = post_form(client, f"{detail}/status",
                         {"target": "triage", "note": "Looking at it", "version": "1"},
                         page=detail)
    assert response.status_code == 303 and response.headers["location"].endswith("#workflow")
    html = assert_html(client.get(detail), 200)
    assert _buttons(html) == ["in-progress", "resolved", "closed"]
    assert "Looking at it" in html and "New → Triage" in html
    refused = post_form(client, f"{detail}/status", {"target": "contained", "version": "2"},
                        page=detail)
    assert "cannot go from triage to contained" in _error_beside(assert_html(refused, 422),
                                                                 "status")
    stale = post_form(client, f"{detail}/status", {"target": "closed", "version": "1"},
                      page=detail)
    assert "Someone changed this incident" in assert_html(stale, 412)


def test_a_note_joins_the_timeline_with_author_and_local_time(
    client: TestClient, cast: Cast, db: Database
) -> None:
    incident_id = _filed_by_ua(client, cast)
    detail = f"/incidents/{incident_id}"
    response = post_form(client, f"{detail}/notes",
                         {"kind": "action", "text": "Isolated the jump hosts"}, page=detail)
    assert response.status_code == 303
    html = assert_html(client.get(detail), 200)
    entry = html[html.index("Isolated the jump hosts") - 400:]
    assert "11:00:00\u202fAM GMT+2" in entry or "11:00:00\u202fAM EET" in entry
    assert "analyst · Action" in entry
    before = count_rows(db, "incident_timeline")
    empty = post_form(client, f"{detail}/notes", {"kind": "note", "text": "   "}, page=detail)
    assert "must not be empty" in _error_beside(assert_html(empty, 422), "text")
    assert count_rows(db, "incident_timeline") == before


def test_an_observable_is_added_and_a_bad_one_refused_beside_its_value(
    client: TestClient, cast: Cast, db: Database
) -> None:
    incident_id = _filed_by_ua(client, cast)
    detail = f"/incidents/{incident_id}"
    response = post_form(client, f"{detail}/observables", {
        "type": "domain", "value": "update-kyivenergo[.]example", "role": "ioc",
        "tlp": "red", "comment": "C2"}, page=detail)
    assert response.status_code == 303
    html = assert_html(client.get(detail), 200)
    row = html[html.index("<code>update-kyivenergo.example</code>") - 200:]
    assert 'class="tlp tlp-red"' in row and "C2" in row
    bad = post_form(client, f"{detail}/observables", {"type": "ipv4", "value": "999.1.1.1",
                                                      "role": "ioc"}, page=detail)
    page = assert_html(bad, 422)
    assert _error_beside(page, "value")
    assert 'name="value" value="999.1.1.1"' in page
    assert count_rows(db, "observables") == 1


def test_nis2_deadlines_turn_overdue_and_are_marked_submitted(
    client: TestClient, cast: Cast, clock: FrozenClock
) -> None:
    incident_id = _filed_by_ua(client, cast, aware_at="2026-11-23T10:00")  # 08:00 UTC
    detail = f"/incidents/{incident_id}"
    html = assert_html(client.get(detail), 200)
    assert html.count("Mark submitted") == 3 and "state-overdue" not in html
    clock.advance(hours=30)  # the early warning was due at 08:00 UTC the next day
    logged_in(client, cast.world.ua_analyst.email, PASSWORD)  # the session has expired
    html = assert_html(client.get(detail), 200)
    assert '<tr class="deadline-overdue">' in html and "Overdue" in html
    own = assert_html(client.get("/nis2"), 200)
    assert TITLE in own and "Early warning (24 hours)" in own
    response = post_form(client, f"{detail}/nis2", {"milestone": "early-warning"},
                         page=detail)
    assert response.status_code == 303
    html = assert_html(client.get(detail), 200)
    assert "deadline-overdue" not in html and html.count("Mark submitted") == 2
    assert TITLE not in assert_html(client.get("/nis2"), 200)  # nothing overdue any more


def test_only_coordinators_and_admins_widen_the_deadline_view(
    client: TestClient, cast: Cast, clock: FrozenClock
) -> None:
    _filed_by_ua(client, cast, tlp="clear", title="Clear outage", recipient_org_ids=[])
    clock.advance(hours=30)  # the session has expired too
    logged_in(client, cast.world.analyst.email, PASSWORD)
    assert "Clear outage" not in assert_html(client.get("/nis2?scope=all"), 200)
    logged_in(client, cast.world.admin.email, PASSWORD)
    assert "Clear outage" not in assert_html(client.get("/nis2"), 200)
    everything = assert_html(client.get("/nis2?scope=all"), 200)
    assert "Clear outage" in everything and 'id="scope-all" name="scope" value="all" checked' \
        in everything


# --- the list ----------------------------------------------------------------------------

def test_filters_and_the_next_page_cursor(client: TestClient, cast: Cast,
                                          clock: FrozenClock) -> None:
    logged_in(client, cast.world.ua_analyst.email, PASSWORD)
    for n, severity in enumerate(("low", "medium", "high")):
        _file(client, cast.world, title=f"Case {n}", severity=severity)
        clock.advance(minutes=1)
    high = assert_html(client.get("/incidents?severity=high"), 200)
    assert "match: 1" in high and "Case 2" in high and "Case 0" not in high
    first = assert_html(client.get("/incidents?limit=2"), 200)
    assert "Case 2" in first and "Case 1" in first and "Case 0" not in first
    found = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert found and "cursor=" in found.group(1)
    second = assert_html(client.get(found.group(1).replace("&amp;", "&")), 200)
    assert "Case 0" in second and "Case 1" not in second and 'rel="next"' not in second
    assert "match: 3" in second
    today = assert_html(client.get("/incidents?from=2026-11-23&to=2026-11-23&q=case"), 200)
    assert "match: 3" in today
    later = assert_html(client.get("/incidents?from=2026-11-24"), 200)
    assert "match: 0" in later


@pytest.mark.parametrize(("query", "name", "message"), [
    ("status=bogus", "status", "'bogus' not among"),
    ("country=XX", "country", "'XX' not among"),
    ("from=soon", "from", "is not a date"),
    ("cursor=%21%21", "cursor", "cursor: is not a cursor"),
])
def test_a_bad_filter_is_named_beside_it(client: TestClient, world: World, query: str,
                                         name: str, message: str) -> None:
    logged_in(client, world.analyst.email, PASSWORD)
    html = assert_html(client.get(f"/incidents?{query}"), 422)
    if name == "cursor":
        assert message in html
    else:
        assert message in _error_beside(html, name)
