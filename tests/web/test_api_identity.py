"""Organisations, users and communities through /api/v1, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from tests.web.api_support import assert_problem, assert_validation_problem, error_fields

if TYPE_CHECKING:
    from tests.conftest import World

ORGS = "/api/v1/organisations"
USERS = "/api/v1/users"
COMMUNITIES = "/api/v1/communities"


def _create_org(client: TestClient, world: World, name: str = "CERT-PL",
                country: str = "PL") -> dict[str, Any]:
    response = client.post(ORGS, headers=world.admin.auth,
                           json={"name": name, "country": country, "kind": "national-csirt"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _default_community(client: TestClient, world: World) -> dict[str, Any]:
    listed = client.get(COMMUNITIES, headers=world.admin.auth).json()
    defaults = [c for c in listed if c["is_default"]]
    assert len(defaults) == 1
    community: dict[str, Any] = defaults[0]
    return community


# --- organisations -----------------------------------------------------------------------


def test_admin_lists_every_organisation(client: TestClient, world: World) -> None:
    response = client.get(ORGS, headers=world.admin.auth)
    assert response.status_code == 200
    ids = {o["id"] for o in response.json()}
    assert ids == {str(world.node_org), str(world.lt_org), str(world.ua_org)}


def test_created_organisation_can_be_fetched(client: TestClient, world: World) -> None:
    created = _create_org(client, world, name="  CERT-PL  ", country="pl")
    assert created["name"] == "CERT-PL"
    assert created["country"] == "PL"
    fetched = client.get(f"{ORGS}/{created['id']}", headers=world.admin.auth)
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_new_organisation_joins_default_community(client: TestClient, world: World) -> None:
    created = _create_org(client, world)
    members = _default_community(client, world)["member_ids"]
    assert created["id"] in members
    assert {str(world.node_org), str(world.lt_org), str(world.ua_org)} <= set(members)


def test_patch_organisation_changes_only_given_fields(client: TestClient, world: World) -> None:
    response = client.patch(f"{ORGS}/{world.ua_org}", headers=world.admin.auth,
                            json={"kind": "government"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["country"], body["kind"]) == ("CERT-UA", "UA", "government")
    again = client.get(f"{ORGS}/{world.ua_org}", headers=world.admin.auth).json()
    assert again == body


def test_duplicate_organisation_name_gives_409_naming_name(
    client: TestClient, world: World
) -> None:
    response = client.post(ORGS, headers=world.admin.auth,
                           json={"name": "cert-lt", "country": "LT", "kind": "government"})
    body = assert_problem(response, 409)
    assert error_fields(body) == {"name"}


def test_renaming_organisation_to_taken_name_gives_409(client: TestClient, world: World) -> None:
    response = client.patch(f"{ORGS}/{world.ua_org}", headers=world.admin.auth,
                            json={"name": "CERT-LT"})
    assert error_fields(assert_problem(response, 409)) == {"name"}


def test_organisation_with_unknown_country_gives_422(client: TestClient, world: World) -> None:
    response = client.post(ORGS, headers=world.admin.auth,
                           json={"name": "Nowhere", "country": "XX", "kind": "government"})
    assert_validation_problem(response, "country")


def test_unknown_organisation_gives_404(client: TestClient, world: World) -> None:
    assert_problem(client.get(f"{ORGS}/{uuid.uuid4()}", headers=world.admin.auth), 404)


# --- users -------------------------------------------------------------------------------


def _user_body(world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": "New.Analyst@CERT-LT.example", "name": "New Analyst",
        "org_id": str(world.lt_org), "roles": ["analyst"],
        "password": "a long enough password",
    }
    body.update(changes)
    return body


def test_created_user_can_be_fetched(client: TestClient, world: World) -> None:
    response = client.post(USERS, headers=world.admin.auth, json=_user_body(world))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["email"] == "new.analyst@cert-lt.example"
    assert created["roles"] == ["analyst"] and created["active"] is True
    assert "password" not in created
    fetched = client.get(f"{USERS}/{created['id']}", headers=world.admin.auth)
    assert fetched.json() == created


def test_users_list_filters_by_organisation(client: TestClient, world: World) -> None:
    response = client.get(USERS, headers=world.admin.auth, params={"org_id": str(world.lt_org)})
    assert response.status_code == 200
    assert {u["email"] for u in response.json()} == {world.analyst.email, world.viewer.email}
    everyone = client.get(USERS, headers=world.admin.auth).json()
    assert len(everyone) == 5  # the bootstrap admin and the four accounts of the world


def test_patch_user_changes_roles_and_name(client: TestClient, world: World) -> None:
    response = client.patch(f"{USERS}/{world.viewer.id}", headers=world.admin.auth,
                            json={"roles": ["analyst", "viewer"], "name": "Promoted"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["roles"] == ["analyst", "viewer"] and body["name"] == "Promoted"
    assert body["email"] == world.viewer.email


def test_duplicate_email_gives_409_naming_email(client: TestClient, world: World) -> None:
    response = client.post(USERS, headers=world.admin.auth,
                           json=_user_body(world, email=world.analyst.email.upper()))
    assert error_fields(assert_problem(response, 409)) == {"email"}


def test_user_in_unknown_organisation_gives_422(client: TestClient, world: World) -> None:
    response = client.post(USERS, headers=world.admin.auth,
                           json=_user_body(world, org_id=str(uuid.uuid4())))
    assert_validation_problem(response, "org_id")


def test_unknown_role_gives_422_naming_its_position(client: TestClient, world: World) -> None:
    response = client.post(USERS, headers=world.admin.auth,
                           json=_user_body(world, roles=["analyst", "overlord"]))
    assert error_fields(assert_validation_problem(response)) == {"roles.1"}


def test_short_password_gives_422(client: TestClient, world: World) -> None:
    response = client.post(USERS, headers=world.admin.auth,
                           json=_user_body(world, password="short"))
    assert_validation_problem(response, "password")


def test_last_admin_cannot_be_demoted(client: TestClient, world: World) -> None:
    admins = [u for u in client.get(USERS, headers=world.admin.auth).json()
              if "admin" in u["roles"]]
    other = next(u for u in admins if u["id"] != str(world.admin.id))
    demote = {"roles": ["analyst"]}
    first = client.patch(f"{USERS}/{other['id']}", headers=world.admin.auth, json=demote)
    assert first.status_code == 200, first.text
    last = client.patch(f"{USERS}/{world.admin.id}", headers=world.admin.auth, json=demote)
    assert error_fields(assert_problem(last, 409)) == {"roles"}
    deactivate = client.patch(f"{USERS}/{world.admin.id}", headers=world.admin.auth,
                              json={"active": False})
    assert_problem(deactivate, 409)
    me = client.get("/api/v1/me", headers=world.admin.auth).json()
    assert "admin" in me["roles"]


# --- communities -------------------------------------------------------------------------


def test_default_community_holds_every_organisation(client: TestClient, world: World) -> None:
    default = _default_community(client, world)
    assert set(default["member_ids"]) == {str(world.node_org), str(world.lt_org),
                                          str(world.ua_org)}


def test_created_community_can_be_fetched_and_patched(client: TestClient, world: World) -> None:
    response = client.post(COMMUNITIES, headers=world.admin.auth, json={
        "name": "Baltic", "description": "LT and friends", "member_ids": [str(world.lt_org)]})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["is_default"] is False and created["member_ids"] == [str(world.lt_org)]
    url = f"{COMMUNITIES}/{created['id']}"
    assert client.get(url, headers=world.admin.auth).json() == created
    members = sorted([str(world.lt_org), str(world.ua_org)])
    patched = client.patch(url, headers=world.admin.auth,
                           json={"name": "Baltic and Black Sea", "member_ids": members})
    assert patched.status_code == 200, patched.text
    assert patched.json()["member_ids"] == members
    assert patched.json()["description"] == "LT and friends"


def test_community_with_unknown_member_gives_422(client: TestClient, world: World) -> None:
    response = client.post(COMMUNITIES, headers=world.admin.auth,
                           json={"name": "Ghosts", "member_ids": [str(uuid.uuid4())]})
    assert_validation_problem(response, "member_ids")


def test_duplicate_community_name_gives_409(client: TestClient, world: World) -> None:
    default = _default_community(client, world)
    response = client.post(COMMUNITIES, headers=world.admin.auth,
                           json={"name": default["name"].upper()})
    assert error_fields(assert_problem(response, 409)) == {"name"}


def test_default_community_members_cannot_be_changed(client: TestClient, world: World) -> None:
    default = _default_community(client, world)
    url = f"{COMMUNITIES}/{default['id']}"
    fewer = [str(world.lt_org)]
    response = client.patch(url, headers=world.admin.auth, json={"member_ids": fewer})
    assert_validation_problem(response, "member_ids")
    emptied = client.patch(url, headers=world.admin.auth, json={"member_ids": []})
    assert_validation_problem(emptied, "member_ids")
    assert _default_community(client, world)["member_ids"] == default["member_ids"]


def test_default_community_can_be_renamed(client: TestClient, world: World) -> None:
    default = _default_community(client, world)
    response = client.patch(f"{COMMUNITIES}/{default['id']}", headers=world.admin.auth,
                            json={"name": "Everyone", "member_ids": default["member_ids"]})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Everyone"
    assert response.json()["is_default"] is True


# --- who may read --------------------------------------------------------------------------


def test_analyst_reads_organisations_and_communities(client: TestClient, world: World) -> None:
    assert client.get(ORGS, headers=world.analyst.auth).status_code == 200
    assert client.get(f"{ORGS}/{world.ua_org}", headers=world.analyst.auth).status_code == 200
    assert client.get(COMMUNITIES, headers=world.analyst.auth).status_code == 200


def test_user_reads_own_record_but_not_others(client: TestClient, world: World) -> None:
    own = client.get(f"{USERS}/{world.analyst.id}", headers=world.analyst.auth)
    assert own.status_code == 200 and own.json()["email"] == world.analyst.email
    assert_problem(client.get(f"{USERS}/{world.viewer.id}", headers=world.analyst.auth), 403)
    assert_problem(client.get(USERS, headers=world.analyst.auth), 403)


def test_me_describes_the_token_holder(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/me", headers=world.viewer.auth)
    assert response.status_code == 200
    assert response.json() == {
        "user_id": str(world.viewer.id), "email": world.viewer.email, "name": "viewer",
        "org_id": str(world.lt_org), "roles": ["viewer"], "scopes": ["read"], "via": "token",
    }
