"""Roles and token scopes: a missing one is a 403 problem, never a silent success."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import assert_problem, row_counts

if TYPE_CHECKING:
    from rcsc.storage import Database
    from tests.conftest import World

NEW_ORG = {"name": "CERT-EE", "country": "EE", "kind": "national-csirt"}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/v1/organisations", NEW_ORG),
    ("GET", "/api/v1/users", None),
    ("POST", "/api/v1/communities", {"name": "Mine"}),
    ("GET", "/api/v1/audit", None),
    ("GET", "/api/v1/audit/export", None),
    ("GET", "/api/v1/tokens?all=true", None),
])
def test_analyst_without_admin_role_gets_403(
    client: TestClient, world: World, db: Database, method: str, path: str,
    body: dict[str, str] | None,
) -> None:
    before = row_counts(db)
    response = client.request(method, path, headers=world.analyst.auth, json=body)
    problem = assert_problem(response, 403)
    assert "admin" in problem["detail"]
    after = row_counts(db)
    assert after.pop("audit_log") == before.pop("audit_log") + 1
    assert after == before


def test_analyst_cannot_patch_organisation(client: TestClient, world: World) -> None:
    response = client.patch(f"/api/v1/organisations/{world.lt_org}",
                            headers=world.analyst.auth, json={"name": "Renamed"})
    assert_problem(response, 403)
    org = client.get(f"/api/v1/organisations/{world.lt_org}", headers=world.analyst.auth)
    assert org.json()["name"] == "CERT-LT"


def test_admin_token_without_admin_scope_gets_403(client: TestClient, world: World) -> None:
    created = client.post("/api/v1/tokens", headers=world.admin.auth,
                          json={"name": "read-only", "scopes": ["read", "write"]})
    assert created.status_code == 201
    weak = {"Authorization": f"Bearer {created.json()['token']}"}
    assert client.get("/api/v1/organisations", headers=weak).status_code == 200
    response = client.post("/api/v1/organisations", headers=weak, json=NEW_ORG)
    body = assert_problem(response, 403)
    assert "scope admin" in body["detail"]
    assert_problem(client.get("/api/v1/audit", headers=weak), 403)
    orgs = client.get("/api/v1/organisations", headers=world.admin.auth).json()
    assert "CERT-EE" not in {o["name"] for o in orgs}


def test_viewer_reads_but_cannot_manage(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/communities", headers=world.viewer.auth).status_code == 200
    assert_problem(client.post("/api/v1/communities", headers=world.viewer.auth,
                               json={"name": "Viewers"}), 403)
