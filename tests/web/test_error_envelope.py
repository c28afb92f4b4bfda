"""Every /api/v1 route answers bad requests with an RFC 9457 problem and changes nothing.

The routes come from the app itself, so a new endpoint is covered the day it is added;
their parameters and bodies come from the OpenAPI document the app publishes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from tests.web.api_support import assert_problem, error_fields, row_counts

if TYPE_CHECKING:
    from rcsc.storage import Database
    from tests.conftest import World

API = "/api/v1"
PUBLIC = API + "/public/"  # routes for anonymous readers (404 unless the node enables them)
PATH_PARAM = re.compile(r"{(\w+)}")
WRITE_METHODS = {"POST", "PATCH", "PUT"}
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
VALID_PATH_VALUES = {  # parameters that are not UUIDs
    "milestone": "early-warning", "stix_id": "indicator--00000000-0000-4000-8000-000000000000",
    "entry_id": "999999999"}
FREE_TEXT_PATH_PARAMS = {"name"}  # any text is well-formed: an unknown one is a 404
WRONG = {"wrong": ["type"]}  # an object: wrong for every field of every body
NOT_VALID = "!not-valid!"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the template, e.g. /api/v1/users/{user_id}
    spec: dict[str, Any]  # its OpenAPI operation object
    body: dict[str, Any] | None  # the resolved schema of its JSON body

    @property
    def path_params(self) -> list[str]:
        return PATH_PARAM.findall(self.path)

    def url(self, value: str | None = None) -> str:
        """The path with `value` in every parameter, or else a valid value for each (a fresh
        UUID, or a member of the parameter's enum such as a NIS2 milestone)."""
        return PATH_PARAM.sub(lambda m: value or VALID_PATH_VALUES.get(m.group(1))
                              or str(uuid.uuid4()), self.path)

    @property
    def query_params(self) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == "query"]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route of the app under /api/v1."""
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        path, methods = route.path_format or route.path, route.methods  # without :convertors
        if path and methods and (path == API or path.startswith(API + "/")):
            found += [(m, path) for m in sorted(methods - {"HEAD"})]
    return found


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not ref:
        return schema
    resolved: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return resolved


def operations(app: FastAPI) -> list[Operation]:
    spec = app.openapi()
    result = []
    for method, path in api_routes(app):
        op = spec["paths"].get(path, {}).get(method.lower())
        assert op is not None, f"{method} {path} is missing from the OpenAPI document"
        content = op.get("requestBody", {}).get("content", {})
        body = content.get("application/json", {}).get("schema")
        result.append(Operation(method, path, op, _resolve(spec, body) if body else None))
    assert len(result) >= 16, "the route walk found too few routes; has the app changed?"
    return result


def _auth(world: World) -> dict[str, str]:
    return world.admin.auth


@pytest.fixture
def ops(app: FastAPI) -> list[Operation]:
    return operations(app)


@pytest.fixture
def unchanged(db: Database, world: World) -> Iterator[None]:
    """Bad input must leave every table, the audit log included, as it was."""
    before = row_counts(db)
    yield
    assert row_counts(db) == before


def _check_all(cases: Iterator[tuple[str, Any]], check: Any) -> None:
    """Run `check` on every case; report every failure at once, by operation."""
    failures: list[str] = []
    count = 0
    for label, case in cases:
        count += 1
        try:
            check(case)
        except AssertionError as exc:
            failures.append(f"{label}: {exc}")
    assert count, "no case was checked"
    assert not failures, "\n".join(failures)


# --- no credentials ----------------------------------------------------------------------


def _guarded(ops: list[Operation]) -> list[Operation]:
    return [op for op in ops if not op.path.startswith(PUBLIC)]


def test_every_api_route_without_credentials_gets_401(
    client: TestClient, world: World, db: Database, ops: list[Operation]
) -> None:
    before = row_counts(db)
    ops = _guarded(ops)

    def check(op: Operation) -> None:
        response = client.request(op.method, op.url())
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")

    _check_all(((str(op), op) for op in ops), check)
    after = row_counts(db)
    assert after.pop("audit_log") == before.pop("audit_log") + len(ops)  # one per refusal
    assert after == before


def test_every_api_route_with_a_bad_token_gets_401(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    def check(op: Operation) -> None:
        headers = {"Authorization": "Bearer rcsc_not-a-real-token"}
        assert_problem(client.request(op.method, op.url(), headers=headers, json={}), 401)

    _check_all(((str(op), op) for op in _guarded(ops)), check)


# --- bad input with good credentials ------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
def test_malformed_json_gives_422_naming_the_body(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    def check(op: Operation) -> None:
        response = client.request(op.method, op.url(), content=b'{"name": "unfinished',
                                  headers={**_auth(world), "Content-Type": "application/json"})
        assert_problem(response, 422)
        assert error_fields(response.json()) == {"body"}

    _check_all(((str(op), op) for op in ops if op.body), check)


@pytest.mark.usefixtures("unchanged")
def test_json_that_is_not_an_object_gives_422(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    def check(case: tuple[Operation, object]) -> None:
        op, payload = case
        response = client.request(op.method, op.url(), json=payload, headers=_auth(world))
        assert error_fields(assert_problem(response, 422)) == {"body"}

    cases = ((f"{op} {payload!r}", (op, payload)) for op in ops if op.body
             for payload in ([], "text", 42, None))
    _check_all(cases, check)


@pytest.mark.usefixtures("unchanged")
def test_wrong_types_give_422_naming_each_field(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    def check(case: tuple[Operation, str]) -> None:
        op, field = case
        response = client.request(op.method, op.url(), json={field: WRONG}, headers=_auth(world))
        assert field in error_fields(assert_problem(response, 422))

    cases = ((f"{op} {field}", (op, field)) for op in ops if op.body
             for field in op.body["properties"])
    _check_all(cases, check)


@pytest.mark.usefixtures("unchanged")
def test_unknown_fields_give_422_naming_them(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    def check(op: Operation) -> None:
        body = {**valid_body(op, world), "is_superuser": True}
        response = client.request(op.method, op.url(), json=body, headers=_auth(world))
        assert error_fields(assert_problem(response, 422)) == {"is_superuser"}

    _check_all(((str(op), op) for op in ops if op.body), check)


@pytest.mark.usefixtures("unchanged")
def test_missing_required_fields_give_422_naming_each(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    def check_empty(op: Operation) -> None:
        response = client.request(op.method, op.url(), json={}, headers=_auth(world))
        assert error_fields(assert_problem(response, 422)) == set(op.body["required"])  # type: ignore[index]

    def check_one(case: tuple[Operation, str]) -> None:
        op, field = case
        body = {k: v for k, v in valid_body(op, world).items() if k != field}
        response = client.request(op.method, op.url(), json=body, headers=_auth(world))
        assert error_fields(assert_problem(response, 422)) == {field}

    required = [op for op in ops if op.body and op.body.get("required")]
    assert required, "no body has required fields; has the API changed?"
    _check_all(((str(op), op) for op in required), check_empty)
    _check_all(((f"{op} {f}", (op, f)) for op in required for f in op.body["required"]),  # type: ignore[index]
               check_one)


@pytest.mark.usefixtures("unchanged")
def test_bad_path_uuid_gives_422_naming_the_parameter(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    def check(op: Operation) -> None:
        body = valid_body(op, world) if op.body else None
        response = client.request(op.method, op.url("not-a-uuid"), json=body,
                                  headers=_auth(world))
        assert error_fields(assert_problem(response, 422)) == set(op.path_params)

    _check_all(((str(op), op) for op in ops
                if op.path_params and not FREE_TEXT_PATH_PARAMS & set(op.path_params)), check)


@pytest.mark.usefixtures("unchanged")
def test_unknown_path_uuid_gives_404(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    def check(op: Operation) -> None:
        body = valid_body(op, world) if op.body else None
        response = client.request(op.method, op.url(), json=body, headers=_auth(world))
        assert_problem(response, 404)

    _check_all(((str(op), op) for op in ops if op.path_params), check)


def _typed(param: dict[str, Any]) -> bool:
    """Whether a query parameter has a type, format or range a string can break."""
    schema = param["schema"]
    options = schema.get("anyOf", [schema])
    return any(o.get("type") not in ("string", "null") or "format" in o or "enum" in o
               or "$ref" in o or "const" in o for o in options)


@pytest.mark.usefixtures("unchanged")
def test_bad_query_params_give_422_naming_them(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    def check(case: tuple[Operation, str, str]) -> None:
        op, name, value = case
        response = client.request(op.method, op.url(), params={name: value},
                                  headers=_auth(world))
        assert error_fields(assert_problem(response, 422)) == {name}

    typed = [(op, p["name"]) for op in ops for p in op.query_params if _typed(p)]
    assert len(typed) >= 8, "too few typed query parameters found; has the API changed?"
    cases = ((f"{op} ?{name}={NOT_VALID}", (op, name, NOT_VALID)) for op, name in typed)
    _check_all(cases, check)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/audit", {"limit": "0"}, "limit"),
    ("/api/v1/audit", {"limit": "100000"}, "limit"),
    ("/api/v1/audit", {"before_id": "0"}, "before_id"),
    ("/api/v1/audit", {"outcome": "maybe"}, "outcome"),
    ("/api/v1/audit", {"since": "yesterday"}, "since"),
    ("/api/v1/audit/export", {"format": "xml"}, "format"),
    ("/api/v1/users", {"org_id": "42"}, "org_id"),
    ("/api/v1/tokens", {"all": "perhaps"}, "all"),
])
def test_out_of_range_query_values_give_422(
    client: TestClient, world: World, path: str, params: dict[str, str], field: str
) -> None:
    response = client.get(path, params=params, headers=_auth(world))
    assert error_fields(assert_problem(response, 422)) == {field}


# --- unknown paths and methods ------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/api/v1/nothing-here", "/api/v1/organisations/x/y", "/api/v2/organisations", "/api/",
    "/api/v1/tokens/00000000-0000-4000-8000-000000000001/secret",
])
def test_unknown_api_path_gives_404_problem(
    client: TestClient, world: World, path: str
) -> None:
    assert_problem(client.get(path), 404)
    assert_problem(client.get(path, headers=_auth(world)), 404)


def test_wrong_method_gives_405_problem(
    client: TestClient, world: World, ops: list[Operation]
) -> None:
    allowed: dict[str, set[str]] = {}
    for op in ops:
        allowed.setdefault(op.path, set()).add(op.method)

    def check(case: tuple[str, str]) -> None:
        path, method = case
        url = Operation(method, path, {}, None).url()
        response = client.request(method, url, headers=_auth(world))
        assert_problem(response, 405)
        named = set(response.headers["allow"].replace(" ", "").split(","))
        # Starlette names the methods of the first route at the path only (RFC 9110 wants all).
        assert named and named <= allowed[path]

    cases = ((f"{m} {p}", (p, m)) for p, methods in allowed.items()
             for m in ALL_METHODS if m not in methods)
    _check_all(cases, check)


# --- valid bodies, to break one thing at a time --------------------------------------------


def valid_body(op: Operation, world: World) -> dict[str, Any]:
    """A body the endpoint would accept, so a test can break exactly one thing in it."""
    bodies: dict[str, dict[str, Any]] = {
        "OrganisationIn": {"name": "CERT-EE", "country": "EE", "kind": "national-csirt"},
        "OrganisationPatch": {"name": "CERT-EE"},
        "UserIn": {"email": "new@cert-ee.example", "name": "New", "org_id": str(world.lt_org),
                   "roles": ["viewer"], "password": "a long enough password"},
        "UserPatch": {"name": "Renamed"},
        "CommunityIn": {"name": "Baltic", "member_ids": [str(world.lt_org)]},
        "CommunityPatch": {"description": "changed"},
        "TokenIn": {"name": "ci", "scopes": ["read"], "expires_days": 5},
        "IncidentIn": {"title": "Phishing", "rsit_class": "fraud", "rsit_type": "phishing",
                       "severity": "high", "tlp": "amber"},
        "IncidentPatch": {"severity": "low"},
        "TransitionIn": {"status": "triage"},
        "TimelineIn": {"kind": "note", "text": "called the ISP"},
        "ObservableIn": {"type": "ipv4", "value": "203.0.113.7"},
        "MilestoneIn": {},
        "LookupIn": {"values": ["198.51.100.7"]},
        "WebhookIn": {"url": "http://127.0.0.1:9/hook"},
        "AlertMailIn": {"enabled": True},
        "SightingIn": {"kind": "seen", "value": "5.188.10.3"},
        "AllowIn": {"list": "partner-scanners", "value": "203.0.113.0/24"},
        "WarninglistSwitch": {"enabled": False},
        "ExtractIn": {"text": "C2 at hxxp://evil[.]lt/gate.php"},
        "AttachIn": {"incident_id": str(uuid.uuid4()),
                     "observables": [{"type": "ipv4", "value": "5.188.10.3"}]},
        "PeerIn": {"name": "rcsc-ua", "url": "http://127.0.0.1:9/taxii2/api/",
                   "token": "rcsc_example", "org_id": str(world.ua_org)},
        "PeerPatch": {"interval_minutes": 30},
        "ExerciseIn": {"name": "Baltic Grid", "type": "tabletop", "starts_on": "2027-03-02",
                       "ends_on": "2027-03-03"},
        "ExercisePatch": {"name": "Baltic Grid 2"},
        "ParticipantsIn": {"participants": []},
        "StatusIn": {"status": "planning"},
        "InjectIn": {"number": 1, "title": "Outage", "offset": "D+0 H+00:10"},
        "InjectPatch": {"title": "Outage 2"},
        "ResponseIn": {"text": "on it"},
        "ObjectiveIn": {"code": "O1", "text": "Share IOCs within 2 h"},
        "MeetingIn": {"kind": "initial", "starts_at": "2027-01-12T09:00:00+02:00"},
        "CheckIn": {"phase": "initiation", "key": "mandate"},
        "RatingIn": {"rating": "P"},
        "QuestionIn": {"text": "What went well?"},
        "AnswerIn": {"text": "Sharing"},
        "CorrectiveActionIn": {"text": "Contact list", "owner_org_id": str(world.ua_org),
                               "due_on": "2027-06-30"},
    }
    assert op.body is not None
    title = op.body.get("title", "")
    assert title in bodies, f"add a valid example body for {title} ({op})"
    return dict(bodies[title])
