"""Helpers shared by the /api/v1 tests: the problem+json envelope, row counts, audit rows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from rcsc.core.identity import AuditEntry
from rcsc.storage import Database
from rcsc.storage.repos.audit import AuditFilter
from rcsc.storage.tables import Base

if TYPE_CHECKING:
    import httpx
    from fastapi.testclient import TestClient

PROBLEM_KEYS = ("type", "title", "status", "detail", "instance")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    missing = [key for key in PROBLEM_KEYS if key not in body]
    assert not missing, f"problem body lacks {missing}: {body}"
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    """The `field` of every entry of a problem's `errors` list (which must be there)."""
    assert isinstance(body.get("errors"), list) and body["errors"], body
    for entry in body["errors"]:
        assert isinstance(entry["field"], str) and entry["field"], entry
        assert isinstance(entry["message"], str) and entry["message"], entry
    return {entry["field"] for entry in body["errors"]}


def assert_validation_problem(response: httpx.Response, *fields: str) -> dict[str, Any]:
    """A 422 problem whose `errors` name every one of `fields`."""
    body = assert_problem(response, 422)
    named = error_fields(body)
    assert set(fields) <= named, f"expected {fields} among {named}"
    return body


def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table of the schema."""
    with db.engine.connect() as conn:
        return {
            table.name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def audit_entries(db: Database, **criteria: Any) -> list[AuditEntry]:
    """Audit rows matching an AuditFilter, oldest first."""
    with db.transaction(readonly=True) as uow:
        return list(uow.audit.iterate(AuditFilter(**criteria)))


def audit_count(db: Database, **criteria: Any) -> int:
    return len(audit_entries(db, **criteria))


def last_audit_id(db: Database) -> int:
    with db.transaction(readonly=True) as uow:
        newest = uow.audit.list(AuditFilter(), limit=1)
    return newest[0].id if newest else 0


def audit_since(db: Database, after_id: int) -> list[AuditEntry]:
    """Rows written after the row `after_id`, oldest first."""
    return [e for e in audit_entries(db) if e.id > after_id]


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from_login_page(client: TestClient) -> str:
    """GET /login (which sets the CSRF cookie) and read the form's hidden token."""
    page = client.get("/login")
    assert page.status_code == 200
    found = CSRF_INPUT.search(page.text)
    assert found, "the login form has no csrf_token input"
    return found.group(1)


def page_login(client: TestClient, email: str, password: str) -> httpx.Response:
    """Submit the login form as a browser would; redirects are not followed."""
    form = {"email": email, "password": password, "csrf_token": csrf_from_login_page(client)}
    return client.post("/login", data=form, follow_redirects=False)
