"""/api/v1/peers and the /admin/peers page: node admins add, list, change, sync and remove
peer nodes; the token goes in and never comes out; errors are problem+json (API) or HTML
pages (forms) naming the field; nobody else may touch peers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from rcsc.config import Settings
from rcsc.storage import Database
from tests.processes import free_port, poll
from tests.web.api_support import (
    assert_problem,
    assert_validation_problem,
    audit_entries,
    row_counts,
)
from tests.web.page_support import assert_html, logged_in, post_form

if TYPE_CHECKING:
    from tests.conftest import World

API = "/api/v1/peers"
TOKEN = "rcsc_the-peers-secret-token"


def _body(world: World, **fields: Any) -> dict[str, Any]:
    return {"name": "ua", "url": f"http://127.0.0.1:{free_port()}/taxii2/api/",
            "token": TOKEN, "org_id": str(world.ua_org), "interval_minutes": 30, **fields}


def test_admin_adds_and_lists_a_peer_and_the_token_never_comes_back(
    client: TestClient, world: World, db: Database
) -> None:
    made = client.post(API, json=_body(world), headers=world.admin.auth)
    assert made.status_code == 201, made.text
    assert made.json()["org_name"] == "CERT-UA" and made.json()["last_run"] is None
    listed = client.get(API, headers=world.admin.auth)
    assert [p["name"] for p in listed.json()] == ["ua"]
    for response in (made, listed, client.get(f"{API}/ua", headers=world.admin.auth)):
        assert TOKEN not in response.text and "token" not in response.text
    assert all(TOKEN not in str(e.detail) for e in audit_entries(db))


def test_bad_fields_are_named_and_nothing_is_stored(
    client: TestClient, world: World, db: Database
) -> None:
    before = row_counts(db)
    response = client.post(API, json=_body(world, url="ftp://nowhere"),
                           headers=world.admin.auth)
    assert_validation_problem(response, "url")
    unknown = client.post(API, json=_body(world, colour="red"), headers=world.admin.auth)
    assert_validation_problem(unknown, "colour")
    assert row_counts(db) == before


def test_a_second_peer_with_the_same_name_is_a_conflict(client: TestClient,
                                                        world: World) -> None:
    assert client.post(API, json=_body(world), headers=world.admin.auth).status_code == 201
    again = client.post(API, json=_body(world, org_id=str(world.lt_org)),
                        headers=world.admin.auth)
    assert_problem(again, 409)


def test_only_node_admins_may_touch_peers(client: TestClient, world: World) -> None:
    for method, path in (("GET", API), ("POST", API), ("POST", f"{API}/ua/sync"),
                         ("DELETE", f"{API}/ua")):
        response = client.request(method, path, headers=world.analyst.auth,
                                  json=_body(world) if method == "POST" else None)
        assert_problem(response, 403)


def test_sync_now_answers_with_the_run_and_a_down_peer_is_reported(
    client: TestClient, world: World
) -> None:
    client.post(API, json=_body(world), headers=world.admin.auth)
    response = client.post(f"{API}/ua/sync", headers=world.admin.auth)
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["outcome"] == "failed" and "cannot connect" in run["error"]
    runs = client.get(f"{API}/ua/runs", headers=world.admin.auth).json()
    assert [r["id"] for r in runs] == [run["id"]]
    assert client.get(f"{API}/ua", headers=world.admin.auth).json()["last_run"]["id"] == \
        run["id"]


def test_patch_and_delete(client: TestClient, world: World) -> None:
    client.post(API, json=_body(world), headers=world.admin.auth)
    changed = client.patch(f"{API}/ua", json={"enabled": False, "interval_minutes": 5},
                           headers=world.admin.auth)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["enabled"], changed.json()["next_sync_at"]) == (False, None)
    assert_validation_problem(client.patch(f"{API}/ua", json={"interval_minutes": 0},
                                           headers=world.admin.auth), "interval_minutes")
    assert client.delete(f"{API}/ua", headers=world.admin.auth).status_code == 204
    assert_problem(client.get(f"{API}/ua", headers=world.admin.auth), 404)


# --- the page -------------------------------------------------------------------------------

def test_admin_page_adds_syncs_disables_and_removes_a_peer(
    client: TestClient, world: World
) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    page = "/admin/peers"
    assert "No peer nodes yet." in assert_html(client.get(page), 200)
    form = {k: str(v) for k, v in _body(world).items()}
    assert post_form(client, page, form).status_code == 303
    html = assert_html(client.get(page), 200)
    assert "CERT-UA" in html and TOKEN not in html
    assert post_form(client, "/admin/peers/ua/sync", {}, page=page).status_code == 303
    assert "cannot connect" in assert_html(client.get(page), 200)
    assert post_form(client, "/admin/peers/ua/enabled", {}, page=page).status_code == 303
    assert "disabled" in assert_html(client.get(page), 200)
    assert post_form(client, "/admin/peers/ua/remove", {}, page=page).status_code == 303
    assert "No peer nodes yet." in assert_html(client.get(page), 200)


def test_a_bad_form_is_an_html_error_naming_the_field(client: TestClient,
                                                      world: World) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    form = {k: str(v) for k, v in _body(world, name="has space").items()}
    assert "name" in assert_html(post_form(client, "/admin/peers", form), 422)


def test_the_page_is_for_admins_only(client: TestClient, world: World) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    assert_html(client.get("/admin/peers"), 403)


def test_serve_runs_the_scheduler_which_syncs_a_due_peer(
    settings: Settings, db: Database, world: World
) -> None:
    from rcsc.web.app import create_app

    on = settings.model_copy(update={"federation_scheduler": True,
                                     "federation_tick_seconds": 0.2})
    with TestClient(create_app(on, db=db), base_url="http://127.0.0.1") as client:
        client.post(API, json=_body(world), headers=world.admin.auth)

        def ran() -> bool:
            runs = client.get(f"{API}/ua/runs", headers=world.admin.auth).json()
            return bool(runs) and runs[0]["outcome"] == "failed"

        poll(ran, 30, "the scheduler's first run")
    assert audit_entries(db, action="peer.sync")[0].actor_label == "federation-scheduler"
