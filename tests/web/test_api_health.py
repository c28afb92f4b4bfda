"""Liveness and readiness, for load balancers: no credentials needed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from rcsc.storage import Database


def test_healthz_answers_200(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_200_ready_on_a_migrated_database(
    client: TestClient, db: Database
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": db.dialect}
