"""Helpers shared by the HTML page tests: CSRF fields, logging in through the form, counts."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rcsc.storage import Database
from rcsc.storage.tables import Base

SESSION_COOKIE = "rcsc_session"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The hidden CSRF field of the first form on a page."""
    found = _CSRF.search(html)
    assert found, "the page has no csrf_token field"
    return found.group(1)


def login(client: TestClient, email: str, password: str) -> httpx.Response:
    """Log in as a browser would: GET the form (sets the CSRF cookie), then POST it."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token}, follow_redirects=False)


def logged_in(client: TestClient, email: str, password: str) -> TestClient:
    response = login(client, email, password)
    assert response.status_code == 303, response.text
    return client


def post_form(client: TestClient, path: str, data: dict[str, Any],
              page: str | None = None) -> httpx.Response:
    """POST a form with the CSRF token of the page that shows it (default: same path)."""
    token = csrf_of(client.get(page or path).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def count_rows(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(Base.metadata.tables[table])).scalar_one())


def assert_html(response: httpx.Response, status: int) -> str:
    """An HTML page (never JSON) with this status; returns its text."""
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert response.text.lstrip().lower().startswith("<!doctype html>")
    return response.text
