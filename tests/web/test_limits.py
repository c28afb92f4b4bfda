"""Failed-login limits (per account, per address) and the request body size limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.testclient import TestClient

from rcsc.config import Settings
from rcsc.core.clock import FrozenClock
from tests.web.api_support import assert_problem, audit_entries, page_login, row_counts

if TYPE_CHECKING:
    from rcsc.storage import Database
    from tests.conftest import World

WRONG = "not the password at all"


def _fail(client: TestClient, email: str, times: int) -> None:
    for _ in range(times):
        response = page_login(client, email, WRONG)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("text/html")


def _assert_limited(client: TestClient, email: str, password: str, settings: Settings) -> None:
    response = page_login(client, email, password)
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"] == str(settings.login_window_minutes * 60)
    assert "rcsc_session" not in response.cookies


def test_login_limit_defaults_are_five_per_account_and_twenty_per_address(
    settings: Settings,
) -> None:
    assert settings.login_window_minutes == 15
    assert settings.login_max_failures_per_account == 5
    assert settings.login_max_failures_per_address == 20


def test_right_password_logs_in(client: TestClient, world: World) -> None:
    response = page_login(client, world.analyst.email, world.analyst.password)
    assert response.status_code == 303
    assert response.cookies.get("rcsc_session")


def test_sixth_login_after_five_failures_is_refused_even_with_right_password(
    client: TestClient, world: World, settings: Settings, db: Database
) -> None:
    _fail(client, world.analyst.email, 5)
    _assert_limited(client, world.analyst.email, world.analyst.password, settings)
    [refusal] = audit_entries(db, action="auth.rate_limited")
    assert refusal.outcome.value == "denied"
    assert refusal.actor_label == world.analyst.email


def test_four_failures_do_not_lock_the_account(client: TestClient, world: World) -> None:
    _fail(client, world.analyst.email, 4)
    assert page_login(client, world.analyst.email, world.analyst.password).status_code == 303


def test_login_limit_is_per_account(client: TestClient, world: World,
                                    settings: Settings) -> None:
    _fail(client, world.analyst.email, 5)
    _assert_limited(client, world.analyst.email, world.analyst.password, settings)
    assert page_login(client, world.viewer.email, world.viewer.password).status_code == 303


def test_login_works_again_after_the_window(
    client: TestClient, world: World, settings: Settings, clock: FrozenClock
) -> None:
    _fail(client, world.analyst.email, 5)
    _assert_limited(client, world.analyst.email, world.analyst.password, settings)
    clock.advance(minutes=14)
    _assert_limited(client, world.analyst.email, world.analyst.password, settings)
    clock.advance(minutes=2)
    assert page_login(client, world.analyst.email, world.analyst.password).status_code == 303


def test_email_case_does_not_escape_the_limit(client: TestClient, world: World,
                                             settings: Settings) -> None:
    _fail(client, world.analyst.email.upper(), 5)
    _assert_limited(client, world.analyst.email, world.analyst.password, settings)


def test_twenty_failures_from_one_address_refuse_every_login_from_it(
    client: TestClient, app: FastAPI, world: World, settings: Settings
) -> None:
    accounts = [world.admin, world.analyst, world.viewer, world.ua_analyst]
    for account in accounts:  # 4 accounts x 4 failures: no account reaches its own limit
        _fail(client, account.email, 4)
    _fail(client, "nobody@rcsc.example", 4)  # unknown accounts count too
    for account in accounts:
        _assert_limited(client, account.email, account.password, settings)
    elsewhere = TestClient(app, base_url="http://127.0.0.1", client=("192.0.2.7", 50000))
    assert page_login(elsewhere, world.viewer.email, world.viewer.password).status_code == 303


def test_nineteen_failures_from_one_address_still_allow_login(
    client: TestClient, world: World
) -> None:
    for index in range(19):
        _fail(client, f"guess{index}@rcsc.example", 1)
    assert page_login(client, world.viewer.email, world.viewer.password).status_code == 303


# --- request body size ---------------------------------------------------------------------


def test_declared_oversize_body_gets_413_problem(
    client: TestClient, world: World, settings: Settings, db: Database
) -> None:
    before = row_counts(db)
    body = b'{"name": "' + b"x" * settings.max_request_bytes + b'"}'
    response = client.post("/api/v1/organisations", content=body, headers={
        **world.admin.auth, "Content-Type": "application/json"})
    assert response.request.headers["content-length"] == str(len(body))
    problem = assert_problem(response, 413)
    assert str(settings.max_request_bytes) in problem["detail"]
    assert row_counts(db) == before


def test_oversize_body_gets_413_before_authentication(
    client: TestClient, world: World, settings: Settings
) -> None:
    body = b"x" * (settings.max_request_bytes + 1)
    response = client.post("/api/v1/tokens", content=body,
                           headers={"Content-Type": "application/json"})
    assert_problem(response, 413)


def test_streamed_oversize_body_gets_413_problem(
    client: TestClient, world: World, settings: Settings, db: Database
) -> None:
    before = row_counts(db)
    chunk = b"x" * 65_536

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(settings.max_request_bytes // len(chunk) + 1):
            yield chunk

    response = client.post("/api/v1/organisations", content=chunks(), headers={
        **world.admin.auth, "Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)
    assert row_counts(db) == before


def test_body_at_the_limit_is_read(client: TestClient, world: World,
                                   settings: Settings) -> None:
    prefix = b'{"name": "CERT-EE", "country": "EE", "kind": "other", "pad": "'
    body = prefix + b"x" * (settings.max_request_bytes - len(prefix) - 2) + b'"}'
    assert len(body) == settings.max_request_bytes
    response = client.post("/api/v1/organisations", content=body, headers={
        **world.admin.auth, "Content-Type": "application/json"})
    assert_problem(response, 422)  # read and parsed: only the unknown field is refused


def test_oversize_login_form_gets_413_page(client: TestClient, settings: Settings) -> None:
    body = b"email=" + b"x" * settings.max_request_bytes
    response = client.post("/login", content=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
