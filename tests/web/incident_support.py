"""Helpers for the /api/v1/incidents tests: a valid body and filing through the API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Account

API = "/api/v1/incidents"
BODY: dict[str, Any] = {
    "title": "Phishing wave against ministries",
    "summary": "Lures impersonate the tax office",
    "rsit_class": "fraud", "rsit_type": "phishing", "severity": "high", "tlp": "green",
}


def file(client: TestClient, who: Account, **fields: Any) -> dict[str, Any]:
    """File an incident as `who` (BODY with `fields` on top); returns the response body."""
    response = client.post(API, json={**BODY, **fields}, headers=who.auth)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item["id"]) for item in items]


def etag(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}
