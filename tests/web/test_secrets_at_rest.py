"""No table holds a password, token or session id in clear: a reader of the database (or of
a backup) gets digests and argon2 hashes only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select

from rcsc.storage.tables import Base
from tests.web.api_support import page_login

if TYPE_CHECKING:
    from rcsc.storage import Database
    from tests.conftest import World

NEW_PASSWORD = "Tr0ub4dor&3 but much longer"
WRONG_GUESS = "a wrong guess that is long"


def _dump(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every non-empty value of every table."""
    cells: list[tuple[str, str, str]] = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = value if isinstance(value, str) else (
                        orjson.dumps(value).decode() if isinstance(value, dict | list)
                        else str(value))
                    cells.append((table.name, column, text))
    return cells


def _leaks(db: Database, secrets: dict[str, str]) -> list[str]:
    return [f"{what} in {table}.{column}" for table, column, text in _dump(db)
            for what, secret in secrets.items() if secret in text]


def _sqlite_files(db: Database) -> list[Path]:
    database = db.engine.url.database
    assert database
    path = Path(database)
    return [p for p in path.parent.iterdir() if p.name.startswith(path.name)]


def _secrets_in_play(client: TestClient, world: World) -> dict[str, str]:
    """Create a user with a password, a token and a web session; return what is secret."""
    created = client.post("/api/v1/users", headers=world.admin.auth, json={
        "email": "secretive@cert-lt.example", "name": "Secretive", "org_id": str(world.lt_org),
        "roles": ["analyst"], "password": NEW_PASSWORD})
    assert created.status_code == 201, created.text
    token = client.post("/api/v1/tokens", headers=world.admin.auth, json={
        "name": "for secretive", "scopes": ["read", "write"],
        "user_id": created.json()["id"]})
    assert token.status_code == 201
    assert page_login(client, "secretive@cert-lt.example", WRONG_GUESS).status_code == 401
    login = page_login(client, "secretive@cert-lt.example", NEW_PASSWORD)
    assert login.status_code == 303
    session = login.cookies["rcsc_session"]
    home = client.get("/", follow_redirects=False)  # the browser holds the session cookie
    assert home.status_code == 200
    secrets = {
        "password": NEW_PASSWORD, "wrong password": WRONG_GUESS,
        "token": token.json()["token"], "session id": session,
        "world password": world.admin.password,
        "CSRF seed": client.cookies["rcsc_csrf"],
    }
    for name in ("admin", "analyst", "viewer", "ua_analyst"):
        secrets[f"{name} token"] = getattr(world, name).token
    return secrets


def test_no_table_holds_a_password_token_or_session_in_clear(
    client: TestClient, world: World, db: Database
) -> None:
    secrets = _secrets_in_play(client, world)
    cells = _dump(db)
    assert {table for table, _c, _t in cells} >= {"users", "api_tokens", "web_sessions",
                                                  "audit_log"}
    assert _leaks(db, secrets) == []


def test_stored_forms_are_digests_and_argon2_hashes(
    client: TestClient, world: World, db: Database
) -> None:
    _secrets_in_play(client, world)
    cells = _dump(db)
    hashes = [t for table, column, t in cells if (table, column) == ("users", "password_hash")]
    assert hashes and all(h.startswith("$argon2") for h in hashes)
    digests = [t for table, column, t in cells
               if (table, column) in {("api_tokens", "token_hash"), ("web_sessions", "id_hash")}]
    assert digests and all(len(d) == 64 and int(d, 16) >= 0 for d in digests)


def test_the_sqlite_files_hold_no_secret_either(
    client: TestClient, world: World, db: Database
) -> None:
    secrets = _secrets_in_play(client, world)
    if db.dialect != "sqlite":
        assert db.dialect == "postgresql"  # the table dump above covers PostgreSQL
        return
    files = _sqlite_files(db)
    assert files
    raw = b"".join(path.read_bytes() for path in files)
    assert [what for what, secret in secrets.items() if secret.encode() in raw] == []
