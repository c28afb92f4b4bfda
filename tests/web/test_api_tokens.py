"""API tokens: shown once, scoped, revocable, expiring; bearer and HTTP Basic."""

from __future__ import annotations

import base64
import uuid
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from rcsc.core.clock import FrozenClock
from tests.web.api_support import assert_problem, assert_validation_problem

if TYPE_CHECKING:
    from tests.conftest import Account, World

TOKENS = "/api/v1/tokens"
ME = "/api/v1/me"


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _basic(email: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{email}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def _create(client: TestClient, account: Account, **body: Any) -> dict[str, Any]:
    response = client.post(TOKENS, headers=account.auth, json={"name": "ci", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_created_token_secret_is_shown_once(client: TestClient, world: World) -> None:
    created = _create(client, world.analyst, scopes=["read", "write"], expires_days=7)
    secret = created["token"]
    assert secret.startswith("rcsc_") and secret.startswith(created["prefix"])
    assert created["scopes"] == ["read", "write"]
    assert client.get(ME, headers=_bearer(secret)).json()["email"] == world.analyst.email
    own = client.get(TOKENS, headers=world.analyst.auth)
    every = client.get(TOKENS, headers=world.admin.auth, params={"all": "true"})
    theirs = client.get(TOKENS, headers=world.admin.auth,
                        params={"user_id": str(world.analyst.id)})
    for listing in (own, every, theirs):
        assert listing.status_code == 200
        assert created["id"] in {t["id"] for t in listing.json()}
        assert secret not in listing.text
        assert all("token" not in t for t in listing.json())


def test_token_list_shows_own_tokens_only(client: TestClient, world: World) -> None:
    listed = client.get(TOKENS, headers=world.viewer.auth).json()
    assert {t["user_id"] for t in listed} == {str(world.viewer.id)}
    assert_problem(client.get(TOKENS, headers=world.viewer.auth, params={"all": "true"}), 403)


def test_revoked_token_gets_401(client: TestClient, world: World) -> None:
    created = _create(client, world.analyst)
    revoked = client.delete(f"{TOKENS}/{created['id']}", headers=world.analyst.auth)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    response = client.get(ME, headers=_bearer(created["token"]))
    body = assert_problem(response, 401)
    assert "revoked" in body["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_admin_revokes_another_users_token(client: TestClient, world: World) -> None:
    created = _create(client, world.analyst)
    response = client.delete(f"{TOKENS}/{created['id']}", headers=world.admin.auth)
    assert response.status_code == 200
    assert_problem(client.get(ME, headers=_bearer(created["token"])), 401)


def test_revoking_someone_elses_token_looks_like_404(client: TestClient, world: World) -> None:
    created = _create(client, world.analyst)
    response = client.delete(f"{TOKENS}/{created['id']}", headers=world.ua_analyst.auth)
    assert_problem(response, 404)
    assert client.get(ME, headers=_bearer(created["token"])).status_code == 200


def test_expired_token_gets_401(client: TestClient, world: World, clock: FrozenClock) -> None:
    assert client.get(ME, headers=world.analyst.auth).status_code == 200
    clock.advance(days=31)
    body = assert_problem(client.get(ME, headers=world.analyst.auth), 401)
    assert "expired" in body["detail"]


def test_token_works_until_just_before_expiry(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    clock.advance(days=30, seconds=-1)
    assert client.get(ME, headers=world.analyst.auth).status_code == 200
    clock.advance(seconds=1)
    assert_problem(client.get(ME, headers=world.analyst.auth), 401)


def test_unknown_token_gets_401(client: TestClient, world: World) -> None:
    assert_problem(client.get(ME, headers=_bearer("rcsc_" + "x" * 43)), 401)


def test_token_cannot_mint_wider_token(client: TestClient, world: World) -> None:
    read_only = _create(client, world.analyst, scopes=["read"])["token"]
    response = client.post(TOKENS, headers=_bearer(read_only),
                           json={"name": "wider", "scopes": ["read", "write"]})
    assert_validation_problem(response, "scopes")
    narrower = client.post(TOKENS, headers=_bearer(read_only),
                           json={"name": "same", "scopes": ["read"]})
    assert narrower.status_code == 201


def test_admin_read_token_cannot_mint_admin_token(client: TestClient, world: World) -> None:
    read_only = _create(client, world.admin, scopes=["read"])["token"]
    response = client.post(TOKENS, headers=_bearer(read_only),
                           json={"name": "escalate", "scopes": ["admin"]})
    assert_validation_problem(response, "scopes")


def test_viewer_cannot_create_write_token(client: TestClient, world: World) -> None:
    response = client.post(TOKENS, headers=world.viewer.auth,
                           json={"name": "w", "scopes": ["write"]})
    assert_validation_problem(response, "scopes")


def test_analyst_cannot_create_admin_token(client: TestClient, world: World) -> None:
    response = client.post(TOKENS, headers=world.analyst.auth,
                           json={"name": "a", "scopes": ["read", "admin"]})
    assert_validation_problem(response, "scopes")


def test_unknown_scope_gives_422_naming_it(client: TestClient, world: World) -> None:
    response = client.post(TOKENS, headers=world.analyst.auth,
                           json={"name": "x", "scopes": ["read", "root"]})
    assert_validation_problem(response, "scopes.1")


def test_token_for_another_user_needs_admin(client: TestClient, world: World) -> None:
    body = {"name": "for you", "scopes": ["read"], "user_id": str(world.viewer.id)}
    assert_problem(client.post(TOKENS, headers=world.analyst.auth, json=body), 403)
    created = client.post(TOKENS, headers=world.admin.auth, json=body)
    assert created.status_code == 201
    assert created.json()["user_id"] == str(world.viewer.id)
    me = client.get(ME, headers=_bearer(created.json()["token"])).json()
    assert me["email"] == world.viewer.email


def test_http_basic_with_email_and_token_works(client: TestClient, world: World) -> None:
    response = client.get(ME, headers=_basic(world.analyst.email, world.analyst.token))
    assert response.status_code == 200
    assert response.json()["user_id"] == str(world.analyst.id)
    shouted = client.get(ME, headers=_basic(world.analyst.email.upper(), world.analyst.token))
    assert shouted.status_code == 200


def test_http_basic_with_wrong_email_gets_401(client: TestClient, world: World) -> None:
    response = client.get(ME, headers=_basic(world.viewer.email, world.analyst.token))
    assert_problem(response, 401)


def test_malformed_http_basic_gets_401(client: TestClient, world: World) -> None:
    assert_problem(client.get(ME, headers={"Authorization": "Basic !!!"}), 401)
    no_colon = base64.b64encode(world.analyst.token.encode()).decode()
    assert_problem(client.get(ME, headers={"Authorization": f"Basic {no_colon}"}), 401)


def test_deactivated_users_tokens_stop_working_at_once(client: TestClient, world: World) -> None:
    second = _create(client, world.analyst)["token"]
    response = client.patch(f"/api/v1/users/{world.analyst.id}", headers=world.admin.auth,
                            json={"active": False})
    assert response.status_code == 200, response.text
    for secret in (world.analyst.token, second):
        assert_problem(client.get(ME, headers=_bearer(secret)), 401)
    client.patch(f"/api/v1/users/{world.analyst.id}", headers=world.admin.auth,
                 json={"active": True})
    assert_problem(client.get(ME, headers=world.analyst.auth), 401)  # revoked for good


def test_token_scopes_shrink_with_the_users_roles(client: TestClient, world: World) -> None:
    response = client.patch(f"/api/v1/users/{world.analyst.id}", headers=world.admin.auth,
                            json={"roles": ["viewer"]})
    assert response.status_code == 200
    me = client.get(ME, headers=world.analyst.auth).json()
    assert me["scopes"] == ["read"]


def test_revoking_unknown_token_gives_404(client: TestClient, world: World) -> None:
    assert_problem(client.delete(f"{TOKENS}/{uuid.uuid4()}", headers=world.admin.auth), 404)
