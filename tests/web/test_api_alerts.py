"""The alerts and webhooks API, and their pages, on SQLite and PostgreSQL: an incident
filed through the API alerts both organisations once indexed; the inbox pages with a
cursor, filters and marks read; another organisation's alert is a 404; webhooks are for
admins, their secret is shown once, a test delivery reaches a loopback receiver signed, and
removals are audited; the pages work without JavaScript."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from rcsc.config import Settings
from rcsc.intel import index
from rcsc.intel.alerts import after_index, rules_of
from rcsc.notify import queue
from rcsc.notify import webhooks as signing
from tests.conftest import Account, World, _account
from tests.notify.test_delivery import Received, receiver  # noqa: F401 - a fixture
from tests.web.api_support import assert_problem
from tests.web.incident_support import API, file
from tests.web.page_support import assert_html, logged_in, post_form

if TYPE_CHECKING:
    from rcsc.storage import Database

ALERTS = "/api/v1/alerts"
WEBHOOKS = "/api/v1/webhooks"


def _with_value(client: TestClient, who: Account, value: str, tlp: str = "green") -> str:
    incident = file(client, who, tlp=tlp)
    added = client.post(f"{API}/{incident['id']}/observables", headers=who.auth,
                        json={"type": "domain", "value": value})
    assert added.status_code == 201, added.text
    return str(incident["id"])


def _index(db: Database, settings: Settings) -> None:
    index.catch_up(db, on_batch=lambda pks: after_index(db, pks, rules_of(settings)))


def _alerts(client: TestClient, who: Account, **params: Any) -> dict[str, Any]:
    response = client.get(ALERTS, headers=who.auth, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_inbox_pages_filters_and_marks_read(client: TestClient, world: World,
                                                db: Database, settings: Settings) -> None:
    for n in range(3):
        _with_value(client, world.analyst, f"c2-{n}.alerts.example")
        _with_value(client, world.ua_analyst, f"c2-{n}.alerts.example")
    _index(db, settings)
    first = _alerts(client, world.analyst, limit=2)
    assert len(first["items"]) == 2 and first["next"]
    rest = _alerts(client, world.analyst, limit=2, cursor=first["next"])
    assert len(rest["items"]) == 1 and rest["next"] is None
    values = {a["value"]["value"] for a in first["items"] + rest["items"]}
    assert values == {f"c2-{n}.alerts.example" for n in range(3)}
    one = first["items"][0]
    assert one["detail"]["other"]["country"] == "UA" and one["read_at"] is None
    read = client.post(f"{ALERTS}/{one['id']}/read", headers=world.analyst.auth)
    assert read.status_code == 200 and read.json()["read_at"]
    assert len(_alerts(client, world.analyst, unread="true")["items"]) == 2
    assert client.get(f"{ALERTS}/unread", headers=world.viewer.auth).json() == {"unread": 2}
    assert _alerts(client, world.analyst, kind="cluster")["items"] == []
    not_theirs = client.post(f"{ALERTS}/{one['id']}/read", headers=world.ua_analyst.auth)
    assert_problem(not_theirs, 404)
    assert_problem(client.get(ALERTS, headers=world.analyst.auth,
                              params={"cursor": "nonsense!"}), 422)


def test_an_org_that_may_not_see_the_other_side_gets_no_alert(
        client: TestClient, world: World, db: Database, settings: Settings) -> None:
    _with_value(client, world.analyst, "hidden.alerts.example")
    _with_value(client, world.ua_analyst, "hidden.alerts.example", tlp="amber")
    _index(db, settings)
    assert _alerts(client, world.analyst)["items"] == []
    assert _alerts(client, world.ua_analyst)["items"] == []


def test_webhooks_are_for_admins_and_the_secret_is_shown_once(
        client: TestClient, world: World, db: Database, settings: Settings,
        receiver: tuple[str, Received]) -> None:  # noqa: F811
    url, got = receiver
    assert_problem(client.post(WEBHOOKS, headers=world.analyst.auth, json={"url": url}), 403)
    admin = _account(db, "admin@cert-lt.example", world.lt_org, ["admin"])
    created = client.post(WEBHOOKS, headers=admin.auth, json={"url": url,
                                                              "description": "SOAR"})
    assert created.status_code == 201, created.text
    hook = created.json()
    secret = hook.pop("secret")
    assert secret.startswith("whsec_")
    listed = client.get(WEBHOOKS, headers=admin.auth).json()["items"]
    assert listed == [hook] and secret not in str(listed)
    assert_problem(client.post(WEBHOOKS, headers=admin.auth, json={"url": "ftp://x"}), 422)
    tested = client.post(f"{WEBHOOKS}/{hook['id']}/test", headers=admin.auth)
    assert tested.status_code == 202 and tested.json()["status"] == "pending"
    assert queue.deliver_due(db, settings) == 1
    ((headers, body),) = got.requests
    assert signing.verify(secret, headers, body, db.clock.now().timestamp())
    history = client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=admin.auth).json()
    assert [d["status"] for d in history["items"]] == ["delivered"]
    assert client.get("/api/v1/alerts/deliveries", headers=admin.auth).json() == history
    assert client.delete(f"{WEBHOOKS}/{hook['id']}", headers=admin.auth).status_code == 204
    assert client.get(WEBHOOKS, headers=admin.auth).json()["items"] == []
    audit = client.get("/api/v1/audit", headers=world.admin.auth).json()
    actions = {e["action"] for e in audit["items"]} if isinstance(audit, dict) else {
        e["action"] for e in audit}
    assert {"webhook.create", "webhook.test", "webhook.remove"} <= actions


def test_mail_opt_in(client: TestClient, world: World) -> None:
    assert client.get(f"{ALERTS}/mail", headers=world.analyst.auth).json() == {"enabled": False}
    put = client.put(f"{ALERTS}/mail", headers=world.analyst.auth, json={"enabled": True})
    assert put.status_code == 200
    assert client.get(f"{ALERTS}/mail", headers=world.analyst.auth).json() == {"enabled": True}


def test_clusters_through_the_api(client: TestClient, world: World, db: Database,
                                  settings: Settings) -> None:
    _with_value(client, world.analyst, "cluster.alerts.example")
    _with_value(client, world.ua_analyst, "cluster.alerts.example")
    _index(db, settings)
    found = client.get("/api/v1/intel/clusters", headers=world.viewer.auth).json()["items"]
    assert [(c["value"]["value"], c["countries"], c["items"]) for c in found] == [
        ("cluster.alerts.example", ["LT", "UA"], 2)]


def test_the_pages_work_without_javascript(client: TestClient, world: World, db: Database,
                                           settings: Settings) -> None:
    _with_value(client, world.analyst, "page.alerts.example")
    _with_value(client, world.ua_analyst, "page.alerts.example")
    _index(db, settings)
    admin = _account(db, "admin@cert-lt.example", world.lt_org, ["admin"])
    logged_in(client, admin.email, admin.password)
    html = assert_html(client.get("/alerts"), 200)
    assert "page.alerts.example" in html and "CERT-UA" in html
    assert client.get("/alerts/unread.json").json() == {"unread": 1}
    alert_id = _alerts(client, admin)["items"][0]["id"]
    assert post_form(client, f"/alerts/{alert_id}/read", {}, "/alerts").status_code == 303
    assert client.get("/alerts/unread.json").json() == {"unread": 0}
    created = post_form(client, "/alerts/webhooks", {"url": "http://127.0.0.1:9/hook"})
    page = assert_html(created, 201)
    secret = page.split("<code>whsec_", 1)[1].split("</code>", 1)[0]
    assert secret and secret not in client.get("/alerts/webhooks").text


def test_a_webhook_secret_is_never_stored_in_clear(client: TestClient, world: World,
                                                   db: Database) -> None:
    from tests.web.test_secrets_at_rest import _dump

    admin = _account(db, "admin@cert-lt.example", world.lt_org, ["admin"])
    created = client.post(WEBHOOKS, headers=admin.auth, json={"url": "http://127.0.0.1:9/h"})
    secret = created.json()["secret"]
    cells = _dump(db)
    assert any(table == "webhooks" for table, _c, _v in cells)
    assert [(t, c) for t, c, v in cells if secret in v or secret[6:] in v] == []
