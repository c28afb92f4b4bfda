"""Helpers for the TAXII tests: STIX objects with a chosen marking, and TAXII requests."""

from __future__ import annotations

import base64
import uuid
from typing import TYPE_CHECKING, Any

import orjson

from rcsc.core.tlp import Tlp
from rcsc.stix.ids import sco_id
from rcsc.stix.markings import marking_ref

if TYPE_CHECKING:
    import httpx2 as httpx  # what starlette's TestClient returns
    from fastapi.testclient import TestClient

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/api"
HEADERS = {"Accept": TAXII, "Content-Type": TAXII}


def indicator(value: str, tlp: Tlp | None = Tlp.GREEN, *, modified: str | None = None,
              ident: str | None = None, **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator", "spec_version": "2.1",
        "id": ident or f"indicator--{uuid.uuid4()}",
        "created": "2026-11-01T10:00:00.000Z", "modified": modified or "2026-11-01T10:00:00.000Z",
        "name": f"Scanner {value}", "pattern": f"[ipv4-addr:value = '{value}']",
        "pattern_type": "stix", "valid_from": "2026-11-01T10:00:00Z", **extra}
    if tlp is not None:
        obj["object_marking_refs"] = [marking_ref(tlp)]
    return obj


def auth(token: str) -> dict[str, str]:
    return {**HEADERS, "Authorization": f"Bearer {token}"}


# --- requests and the TAXII error envelope ----------------------------------------------------

SHARED = f"{ROOT}/collections/shared"
OBJECTS = f"{SHARED}/objects/"
MANIFEST = f"{SHARED}/manifest/"


def basic(email: str, token: str) -> dict[str, str]:
    """TAXII headers with HTTP Basic credentials: the e-mail and an API token."""
    pair = base64.b64encode(f"{email}:{token}".encode()).decode("ascii")
    return {**HEADERS, "Authorization": f"Basic {pair}"}


def envelope(*objects: dict[str, Any]) -> bytes:
    return orjson.dumps({"objects": list(objects)})


def post(client: TestClient, token: str, *objects: dict[str, Any], url: str = OBJECTS,
         **params: str) -> httpx.Response:
    return client.post(url, content=envelope(*objects), headers=auth(token), params=params)


def added(client: TestClient, token: str, *objects: dict[str, Any]) -> dict[str, Any]:
    """POST the objects; the status, which must count every one as a success."""
    response = post(client, token, *objects)
    assert response.status_code == 202, response.text
    status: dict[str, Any] = response.json()
    assert status["success_count"] == len(objects), status
    return status


def assert_taxii_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """A TAXII 2.1 §3.6.1 error message with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].replace(" ", "") == TAXII
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("title"), str) and body["title"], body
    assert body.get("http_status") == str(status), body
    return body


def ids(body: dict[str, Any], key: str = "objects") -> list[str]:
    return [str(item["id"]) for item in body.get(key, [])]


def walk(client: TestClient, url: str, headers: dict[str, str], limit: int,
         **params: str) -> list[dict[str, Any]]:
    """Every page of a paginated TAXII resource, following `next` until `more` is false."""
    pages: list[dict[str, Any]] = []
    query: dict[str, str] = {**params, "limit": str(limit)}
    while True:
        response = client.get(url, headers=headers, params=query)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if not pages[-1]["more"]:
            return pages
        assert len(pages) <= 1000, "pagination does not end"
        query = {**params, "limit": str(limit), "next": pages[-1]["next"]}


def ipv4(value: str, tlp: Tlp | None = None) -> dict[str, Any]:
    """An ipv4-addr SCO with its deterministic id (no created or modified)."""
    obj: dict[str, Any] = {"type": "ipv4-addr", "spec_version": "2.1",
                           "id": sco_id("ipv4-addr", {"value": value}), "value": value}
    if tlp is not None:
        obj["object_marking_refs"] = [marking_ref(tlp)]
    return obj
