"""The audit log: one row per admin action, in the change's own transaction; one row per
refusal; filters, paging and export (itself audited)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from fastapi.testclient import TestClient

from rcsc.accounts import communities, organisations, tokens, users
from rcsc.accounts.audit import EXPORT_FIELDS
from rcsc.accounts.auth import system
from rcsc.core.clock import FrozenClock
from rcsc.errors import Conflict
from rcsc.storage.repos.audit import AuditFilter
from rcsc.storage.tables import OrganisationRow
from tests.web.api_support import (
    assert_problem,
    assert_validation_problem,
    audit_count,
    audit_entries,
    audit_since,
    last_audit_id,
    row_counts,
)

if TYPE_CHECKING:
    from rcsc.storage import Database, UnitOfWork
    from tests.conftest import World

AUDIT = "/api/v1/audit"
EXPORT = "/api/v1/audit/export"
GHOST = uuid.UUID(int=1)  # fixed, so parametrised ids match across xdist workers

# Each admin action: (expected audit action, request) where the request returns the id of
# the object it changed.
Act = Callable[[TestClient, "World"], str]


def _ok(response: Any, status: int = 200) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["id"])


def _create_org(c: TestClient, w: World) -> str:
    return _ok(c.post("/api/v1/organisations", headers=w.admin.auth,
                      json={"name": "CERT-EE", "country": "EE", "kind": "national-csirt"}), 201)


def _update_org(c: TestClient, w: World) -> str:
    return _ok(c.patch(f"/api/v1/organisations/{w.lt_org}", headers=w.admin.auth,
                       json={"kind": "government"}))


def _create_user(c: TestClient, w: World) -> str:
    return _ok(c.post("/api/v1/users", headers=w.admin.auth, json={
        "email": "new@cert-lt.example", "name": "New", "org_id": str(w.lt_org),
        "roles": ["viewer"], "password": "a long enough password"}), 201)


def _update_user(c: TestClient, w: World) -> str:
    return _ok(c.patch(f"/api/v1/users/{w.viewer.id}", headers=w.admin.auth,
                       json={"roles": ["analyst"]}))


def _deactivate_user(c: TestClient, w: World) -> str:
    return _ok(c.patch(f"/api/v1/users/{w.viewer.id}", headers=w.admin.auth,
                       json={"active": False}))


def _create_community(c: TestClient, w: World) -> str:
    return _ok(c.post("/api/v1/communities", headers=w.admin.auth,
                      json={"name": "Baltic", "member_ids": [str(w.lt_org)]}), 201)


def _update_community(c: TestClient, w: World) -> str:
    default = next(x for x in c.get("/api/v1/communities", headers=w.admin.auth).json()
                   if x["is_default"])
    return _ok(c.patch(f"/api/v1/communities/{default['id']}", headers=w.admin.auth,
                       json={"description": "everyone"}))


def _create_token(c: TestClient, w: World) -> str:
    return _ok(c.post("/api/v1/tokens", headers=w.admin.auth,
                      json={"name": "ci", "scopes": ["read"]}), 201)


def _create_token_for_other(c: TestClient, w: World) -> str:
    return _ok(c.post("/api/v1/tokens", headers=w.admin.auth, json={
        "name": "for viewer", "scopes": ["read"], "user_id": str(w.viewer.id)}), 201)


def _revoke_token(c: TestClient, w: World) -> str:
    own = c.get("/api/v1/tokens", headers=w.viewer.auth).json()
    return _ok(c.delete(f"/api/v1/tokens/{own[0]['id']}", headers=w.admin.auth))


ADMIN_ACTIONS: list[tuple[str, Act]] = [
    ("organisation.create", _create_org),
    ("organisation.update", _update_org),
    ("user.create", _create_user),
    ("user.update", _update_user),
    ("user.update", _deactivate_user),
    ("community.create", _create_community),
    ("community.update", _update_community),
    ("token.create", _create_token),
    ("token.create", _create_token_for_other),
    ("token.revoke", _revoke_token),
]


@pytest.mark.parametrize(("action", "act"), ADMIN_ACTIONS,
                         ids=[act.__name__.strip("_") for _, act in ADMIN_ACTIONS])
def test_admin_action_writes_exactly_one_audit_row(
    client: TestClient, world: World, db: Database, action: str, act: Act
) -> None:
    before = last_audit_id(db)
    object_id = act(client, world)
    written = audit_since(db, before)
    assert len(written) == 1, [e.action for e in written]
    entry = written[0]
    assert (entry.action, entry.outcome.value) == (action, "success")
    assert entry.object_id == object_id
    assert entry.actor_label == world.admin.email and entry.actor_type.value == "token"
    assert entry.org_id == world.node_org


# --- the audit row shares the change's transaction ---------------------------------------


def _org(uow: UnitOfWork) -> str:
    return str(organisations.create(uow, system("test"), name="Doomed", country="EE",
                                    kind="government").id)


def _user(uow: UnitOfWork) -> str:
    org = uow.orgs.list()[0]
    return str(users.create(uow, system("test"), email="doomed@rcsc.example", name="Doomed",
                            org_id=org.id, roles=["viewer"], password=None).id)


def _community(uow: UnitOfWork) -> str:
    return str(communities.create(uow, system("test"), name="Doomed").id)


def _token(uow: UnitOfWork) -> str:
    owner = uow.users.list()[0]
    token, _secret = tokens.create(uow, system("test"), user_id=owner.id, name="Doomed",
                                   scopes=["read"], expires_days=1)
    return str(token.id)


SERVICES: list[Callable[[UnitOfWork], str]] = [_org, _user, _community, _token]


@pytest.mark.parametrize("service", SERVICES, ids=lambda f: f.__name__.strip("_"))
def test_failure_after_service_writes_neither_change_nor_audit_row(
    world: World, db: Database, service: Callable[[UnitOfWork], str]
) -> None:
    before_rows = row_counts(db)
    with pytest.raises(RuntimeError), db.transaction() as uow:
        service(uow)
        uow.flush()  # the audit row has reached the database inside the transaction
        assert uow.audit.count(AuditFilter()) == before_rows["audit_log"] + 1
        raise RuntimeError("something failed before commit")
    assert row_counts(db) == before_rows


def test_failure_at_commit_writes_neither_change_nor_audit_row(
    world: World, db: Database, clock: FrozenClock
) -> None:
    before_rows = row_counts(db)
    with pytest.raises(Conflict), db.transaction() as uow:
        _org(uow)
        uow.flush()
        # A second organisation of the same name breaks the unique rule at commit.
        uow.session.add(OrganisationRow(id=uuid.uuid4(), name="Doomed", country="LV",
                                        kind="government", created_at=clock.now()))
    assert row_counts(db) == before_rows
    with db.transaction(readonly=True) as uow:
        assert uow.orgs.get_by_name("Doomed") is None


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", "/api/v1/organisations", {"name": "CERT-LT", "country": "LT", "kind": "other"},
     409),
    ("POST", "/api/v1/organisations", {"name": "X", "country": "ZZ", "kind": "other"}, 422),
    ("PATCH", f"/api/v1/users/{GHOST}", {"name": "ghost"}, 404),
    ("POST", "/api/v1/tokens", {"name": "x", "scopes": ["nope"]}, 422),
])
def test_rejected_admin_request_writes_no_audit_row(
    client: TestClient, world: World, db: Database, method: str, path: str,
    body: dict[str, Any], status: int,
) -> None:
    before = row_counts(db)
    assert_problem(client.request(method, path, headers=world.admin.auth, json=body), status)
    assert row_counts(db) == before


# --- refusals ----------------------------------------------------------------------------


def test_request_without_credentials_writes_one_failure_row(
    client: TestClient, world: World, db: Database
) -> None:
    before = last_audit_id(db)
    assert_problem(client.get("/api/v1/organisations"), 401)
    [entry] = audit_since(db, before)
    assert (entry.action, entry.outcome.value) == ("auth.failed", "failure")
    assert entry.actor_type.value == "anonymous" and entry.actor_id is None
    assert entry.detail["method"] == "GET"
    assert entry.detail["path"] == "/api/v1/organisations"
    assert entry.client_addr == "testclient"


def test_wrong_token_writes_one_failure_row(client: TestClient, world: World,
                                            db: Database) -> None:
    before = last_audit_id(db)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401)
    [entry] = audit_since(db, before)
    assert (entry.action, entry.outcome.value) == ("auth.failed", "failure")


def test_basic_auth_failure_row_names_the_claimed_email(
    client: TestClient, world: World, db: Database
) -> None:
    import base64

    before = last_audit_id(db)
    pair = base64.b64encode(f"{world.viewer.email}:{world.analyst.token}".encode()).decode()
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Basic {pair}"}), 401)
    [entry] = audit_since(db, before)
    assert entry.actor_label == world.viewer.email and entry.outcome.value == "failure"


def test_missing_role_writes_one_denied_row(client: TestClient, world: World,
                                            db: Database) -> None:
    before = last_audit_id(db)
    assert_problem(client.get(AUDIT, headers=world.analyst.auth), 403)
    [entry] = audit_since(db, before)
    assert (entry.action, entry.outcome.value) == ("access.denied", "denied")
    assert entry.actor_label == world.analyst.email and entry.org_id == world.lt_org
    assert entry.detail["path"] == AUDIT
    assert "audit.read" in str(entry.detail["reason"])


# --- query -------------------------------------------------------------------------------


def _query(client: TestClient, world: World, **params: Any) -> list[dict[str, Any]]:
    response = client.get(AUDIT, headers=world.admin.auth, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_audit_list_is_newest_first_and_matches_the_database(
    client: TestClient, world: World, db: Database
) -> None:
    items = _query(client, world, limit=500)
    ids = [i["id"] for i in items]
    assert ids == sorted(ids, reverse=True)
    assert set(ids) == {e.id for e in audit_entries(db)}


def test_audit_filters_by_action(client: TestClient, world: World, db: Database) -> None:
    _create_org(client, world)
    items = _query(client, world, action="organisation.create")
    assert {i["action"] for i in items} == {"organisation.create"}
    assert len(items) == audit_count(db, action="organisation.create") == 4
    assert items[0]["detail"]["name"] == "CERT-EE"


def test_audit_filters_by_actor_and_outcome(client: TestClient, world: World) -> None:
    assert_problem(client.post("/api/v1/communities", headers=world.analyst.auth,
                               json={"name": "x"}), 403)
    _create_community(client, world)
    denied = _query(client, world, outcome="denied")
    assert [(i["actor_label"], i["action"]) for i in denied] == [
        (world.analyst.email, "access.denied")]
    mine = _query(client, world, actor=world.admin.email)
    assert [i["action"] for i in mine] == ["community.create"]
    assert _query(client, world, actor=world.analyst.email, outcome="success") == []


def test_audit_filters_by_organisation_and_object(client: TestClient, world: World) -> None:
    org_id = _create_org(client, world)
    client.patch(f"/api/v1/organisations/{org_id}", headers=world.admin.auth,
                 json={"name": "CERT-EE (renamed)"})
    history = _query(client, world, object_type="organisation", object_id=org_id)
    assert [i["action"] for i in history] == ["organisation.update", "organisation.create"]
    by_org = _query(client, world, org_id=str(world.node_org))
    assert {i["actor_label"] for i in by_org} == {world.admin.email}


def test_audit_filters_by_time_window(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    start = clock.now()
    clock.advance(hours=1)
    _create_org(client, world)
    clock.advance(hours=1)
    _create_community(client, world)
    window = {"since": (start + timedelta(minutes=30)).isoformat(),
              "until": (start + timedelta(minutes=90)).isoformat()}
    assert [i["action"] for i in _query(client, world, **window)] == ["organisation.create"]
    later = _query(client, world, since=(start + timedelta(hours=2)).isoformat())
    assert [i["action"] for i in later] == ["community.create"]
    early = _query(client, world, until=(start + timedelta(minutes=1)).isoformat())
    assert early and all(datetime.fromisoformat(i["at"]) == start for i in early)
    exact = _query(client, world, until=(start + timedelta(hours=1)).isoformat())
    assert exact == early  # `until` is exclusive: the organisation made at start+1h is out


def test_audit_times_without_zone_are_taken_as_utc(
    client: TestClient, world: World, clock: FrozenClock
) -> None:
    start = clock.now()
    clock.advance(hours=1)
    _create_org(client, world)
    naive = (start + timedelta(minutes=30)).replace(tzinfo=None).isoformat()
    assert [i["action"] for i in _query(client, world, since=naive)] == ["organisation.create"]
    day = start.date().isoformat()
    assert len(_query(client, world, since=day)) == len(_query(client, world))


def test_audit_pages_backwards_with_before_id(
    client: TestClient, world: World, db: Database
) -> None:
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        page = client.get(AUDIT, headers=world.admin.auth, params=params).json()
        seen += [i["id"] for i in page["items"]]
        assert len(page["items"]) <= 3
        if page["next_before_id"] is None:
            break
        assert page["next_before_id"] == page["items"][-1]["id"]
        params["before_id"] = page["next_before_id"]
    assert seen == sorted({e.id for e in audit_entries(db)}, reverse=True)
    assert len(seen) > 3


# --- export ------------------------------------------------------------------------------


def test_csv_export_holds_every_row_and_is_audited(
    client: TestClient, world: World, db: Database
) -> None:
    before = audit_count(db, action="audit.export")
    response = client.get(EXPORT, headers=world.admin.auth, params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="rcsc-audit.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0].keys()) == EXPORT_FIELDS
    assert [int(r["id"]) for r in rows] == [e.id for e in audit_entries(db)]
    assert all(isinstance(orjson.loads(r["detail"]), dict) for r in rows)
    exports = audit_entries(db, action="audit.export")
    assert len(exports) == before + 1
    assert exports[-1].actor_label == world.admin.email
    assert exports[-1].detail == {"format": "csv"}


def test_jsonl_export_applies_the_filter_and_is_audited(
    client: TestClient, world: World, db: Database
) -> None:
    response = client.get(EXPORT, headers=world.admin.auth,
                          params={"format": "jsonl", "action": "user.create"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jsonl")
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert [tuple(line) for line in lines] == [EXPORT_FIELDS] * len(lines)
    assert [line["id"] for line in lines] == [e.id for e in audit_entries(db,
                                                                          action="user.create")]
    assert {line["action"] for line in lines} == {"user.create"}
    assert len(lines) == 5
    [export] = audit_entries(db, action="audit.export")
    assert export.detail == {"format": "jsonl"}


def test_export_with_bad_format_gives_422_and_writes_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    before = row_counts(db)
    response = client.get(EXPORT, headers=world.admin.auth, params={"format": "xml"})
    assert_validation_problem(response, "format")
    assert row_counts(db) == before


def test_export_needs_the_admin_role(client: TestClient, world: World, db: Database) -> None:
    assert_problem(client.get(EXPORT, headers=world.analyst.auth), 403)
    assert audit_count(db, action="audit.export") == 0
