"""Refused TAXII requests, on SQLite and PostgreSQL: content negotiation (406, 415), the
envelope size limit (413), authentication (401), bad parameters and bodies (422, naming the
parameter) — each a TAXII 2.1 §3.6.1 error message, and none of them changes the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rcsc.config import Settings
from rcsc.web.app import create_app
from tests.conftest import World
from tests.web.api_support import row_counts
from tests.web.taxii_support import (
    HEADERS,
    MANIFEST,
    OBJECTS,
    ROOT,
    TAXII,
    added,
    assert_taxii_error,
    auth,
    envelope,
    indicator,
)

if TYPE_CHECKING:
    from rcsc.storage import Database

SMALL = 2048  # bytes: the smallest limit Settings allows is 1024


@pytest.fixture
def unchanged(client: TestClient, world: World, db: Database) -> Iterator[None]:
    """The database has exactly the rows it had before the test's requests."""
    client.get(f"{ROOT}/collections/", headers=auth(world.analyst.token))  # makes `shared`
    before = row_counts(db)
    yield
    assert row_counts(db) == before


@pytest.mark.parametrize("accept", [
    "text/html", "application/json", "application/taxii+json;version=2.0",
    "application/stix+json;version=2.1"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unacceptable_accept_is_406(
    client: TestClient, world: World, unchanged: None, accept: str, method: str
) -> None:
    headers = {**auth(world.analyst.token), "Accept": accept}
    body = envelope(indicator("198.51.100.40")) if method == "POST" else None
    response = client.request(method, OBJECTS, headers=headers, content=body)
    assert accept in assert_taxii_error(response, 406)["description"]


@pytest.mark.parametrize("accept", [
    TAXII, "application/taxii+json", "application/taxii+json; version=2.1",
    "*/*", "text/html, application/taxii+json;version=2.1;q=0.9"])
def test_taxii_accept_values_are_served(client: TestClient, world: World, accept: str) -> None:
    response = client.get(f"{ROOT}/", headers={**auth(world.analyst.token), "Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].replace(" ", "") == TAXII


def test_missing_accept_is_served(client: TestClient, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.analyst.token}"}
    assert client.get(f"{ROOT}/", headers=headers).status_code == 200


@pytest.mark.parametrize("content_type", ["application/json", "application/stix+json",
                                          "text/plain", None])
def test_post_that_is_not_taxii_json_is_415(
    client: TestClient, world: World, unchanged: None, content_type: str | None
) -> None:
    headers = {"Accept": TAXII, "Authorization": f"Bearer {world.analyst.token}"}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(OBJECTS, headers=headers, content=envelope(indicator("192.0.2.1")))
    assert_taxii_error(response, 415)


@pytest.fixture
def small_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"taxii_max_content_length": SMALL}), db=db)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def _bulk(count: int) -> bytes:
    return envelope(*(indicator(f"198.51.100.{n}") for n in range(count)))


def test_envelope_over_max_content_length_is_413_and_stores_nothing(
    small_client: TestClient, world: World, db: Database
) -> None:
    headers = auth(world.analyst.token)
    assert small_client.get(f"{ROOT}/", headers=headers).json()["max_content_length"] == SMALL
    fits, too_big = _bulk(1), _bulk(8)
    assert len(fits) < SMALL < len(too_big)
    before = row_counts(db)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies as it streams
        yield from (too_big[i:i + 512] for i in range(0, len(too_big), 512))

    for body in (too_big, chunks()):
        response = small_client.post(OBJECTS, headers=headers, content=body)
        assert str(SMALL) in assert_taxii_error(response, 413)["description"]
    assert row_counts(db) == before
    assert small_client.post(OBJECTS, headers=headers, content=fits).status_code == 202


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/taxii2/"), ("GET", f"{ROOT}/"), ("GET", f"{ROOT}/collections/"),
    ("GET", OBJECTS), ("POST", OBJECTS), ("GET", MANIFEST),
    ("DELETE", f"{OBJECTS}indicator--00000000-0000-4000-8000-000000000000/")])
def test_missing_credentials_are_401_with_a_basic_challenge(
    client: TestClient, world: World, db: Database, method: str, path: str
) -> None:
    client.get(f"{ROOT}/collections/", headers=auth(world.analyst.token))
    before = row_counts(db)
    content = envelope(indicator("192.0.2.2")) if method == "POST" else None
    for headers in (HEADERS, {**HEADERS, "Authorization": "Bearer rcsc_not_a_token"},
                    {**HEADERS, "Authorization": "Basic bm90LWJhc2U2NA=="}):
        response = client.request(method, path, headers=headers, content=content)
        assert_taxii_error(response, 401)
        assert response.headers["www-authenticate"].startswith("Basic ")
    after = row_counts(db)
    assert after.pop("audit_log") == before.pop("audit_log") + 3  # refusals are audited
    assert after == before


BAD_PARAMETERS = [
    ("limit", "0"), ("limit", "-1"), ("limit", "ten"), ("next", "bm90IGEgdG9rZW4"),
    ("next", "x" * 300), ("added_after", "yesterday"), ("added_after", "2026-11-01"),
    ("match[version]", "newest"), ("match[version]", "2026-13-01T00:00:00Z")]


@pytest.mark.parametrize("url", [OBJECTS, MANIFEST, f"{OBJECTS}{{id}}/",
                                 f"{OBJECTS}{{id}}/versions/"])
def test_bad_parameter_is_422_naming_it(
    client: TestClient, world: World, db: Database, url: str
) -> None:
    obj = indicator("198.51.100.41")
    added(client, world.analyst.token, obj)
    before = row_counts(db)
    for name, value in BAD_PARAMETERS:
        if name == "match[version]" and url.endswith("versions/"):
            continue  # …/versions/ takes no match[version] (TAXII 2.1 §5.8)
        response = client.get(url.format(id=obj["id"]), headers=auth(world.analyst.token),
                              params={name: value})
        assert name in assert_taxii_error(response, 422)["details"], (name, value)
    assert row_counts(db) == before


def test_parameter_given_twice_is_422_naming_it(client: TestClient, world: World) -> None:
    for name, value in (("added_after", "2026-11-01T00:00:00Z"), ("limit", "2")):
        response = client.get(OBJECTS, headers=auth(world.analyst.token),
                              params=[(name, value), (name, value)])
        assert name in assert_taxii_error(response, 422)["details"]


@pytest.mark.parametrize(("body", "field"), [
    (b"{not json", "body"), (b"[]", "body"), (b'"objects"', "body"),
    (b'{"objects": {"type": "indicator"}}', "objects")])
def test_body_that_is_not_an_envelope_is_422_naming_the_field(
    client: TestClient, world: World, unchanged: None, body: bytes, field: str
) -> None:
    response = client.post(OBJECTS, headers=auth(world.analyst.token), content=body)
    assert field in assert_taxii_error(response, 422)["details"]


@pytest.mark.parametrize("path", [
    f"{ROOT}/collections/no-such-collection/", f"{ROOT}/collections/no-such-collection/objects/",
    f"{ROOT}/collections/00000000-0000-4000-8000-000000000000/manifest/",
    f"{ROOT}/no-such-resource/", "/taxii2/other-root/"])
def test_unknown_resource_is_a_taxii_404(
    client: TestClient, world: World, unchanged: None, path: str
) -> None:
    assert_taxii_error(client.get(path, headers=auth(world.analyst.token)), 404)


def test_unsupported_method_is_a_taxii_405(
    client: TestClient, world: World, unchanged: None
) -> None:
    response = client.put(OBJECTS, headers=auth(world.analyst.token), content=b"{}")
    assert_taxii_error(response, 405)


@pytest.mark.parametrize("limit", ["²", "①"])
def test_limit_of_non_decimal_digits_is_422_not_500(
    app: FastAPI, world: World, limit: str
) -> None:
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as plain:
        response = plain.get(OBJECTS, headers=auth(world.analyst.token),
                             params={"limit": limit})
    assert "limit" in assert_taxii_error(response, 422)["details"]


def test_taxii_refused_with_q_zero_is_406(client: TestClient, world: World) -> None:
    headers = {**auth(world.analyst.token), "Accept": f"{TAXII};q=0"}
    assert_taxii_error(client.get(f"{ROOT}/", headers=headers), 406)
