"""Shared fixtures. Every storage and API test runs on SQLite and on PostgreSQL through the
parametrised `db_url` fixture; with CI=true an unreachable PostgreSQL fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine

from rcsc.accounts import bootstrap, organisations, tokens, users
from rcsc.accounts.auth import system
from rcsc.config import Settings, load_settings
from rcsc.core import secrets
from rcsc.core.clock import FrozenClock
from rcsc.intel import warninglists
from rcsc.storage import Database, migrate
from rcsc.storage.tables import Base
from tests.processes import TEST_CACHE

# demo_templates, demo_db_url, demo_world: the demo world, loaded once per process
pytest_plugins = ["tests.analytics.demo_support"]

PG_URL = os.environ.get("RCSC_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]
PASSWORD = "correct horse battery staple"

# Real argon2id, cheapest parameters: the suite creates hundreds of users.
secrets.use_cheapest_hashing()
# The warninglist index: built once for every test process and server of the run, not once
# per process (tests/intel/test_warninglist_cache.py tests the cache itself).
warninglists.use_cache(TEST_CACHE)
# ... and for the apps the tests make: their lifespan sets the cache from the settings (a
# data folder of the test's own would miss it and rebuild the index, ~8 s a worker)
os.environ.setdefault("RCSC_CACHE_DIR", str(TEST_CACHE))


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc)


@pytest.fixture(scope="session")
def pg_base_url(worker_id: str) -> Iterator[str | None]:
    """A database of this test worker's own on the local PostgreSQL, migrated to head."""
    problem = _pg_reachable()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is unreachable: {problem}")
        yield None
        return
    name = f"rcsc_test_{worker_id}_{os.getpid()}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    cleaner = _cleaners.pop(url, None)
    if cleaner is not None:
        cleaner.close()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "rcsc.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


_cleaners: dict[str, psycopg.Connection[Any]] = {}


def _truncate(url: str) -> None:
    """Empty every table and restart every sequence used, as a new database would be.
    Only the tables holding rows are truncated (one probe finds them): a TRUNCATE of all
    of them cost ~120 ms a test, most of it new files for tables that were empty."""
    conn = _cleaners.get(url)
    if conn is None or conn.closed:
        conn = _cleaners[url] = psycopg.connect(url, autocommit=True)
    tables = [t.name for t in Base.metadata.sorted_tables]
    probe = " UNION ALL ".join(f"(SELECT '{t}' FROM \"{t}\" LIMIT 1)" for t in tables)
    full = [row[0] for row in conn.execute(probe)]
    if full:
        conn.execute(f"TRUNCATE {', '.join(full)} RESTART IDENTITY CASCADE")
    used = conn.execute("SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
                        "WHERE last_value IS NOT NULL").fetchall()
    for (sequence,) in used:
        conn.execute(f"ALTER SEQUENCE {sequence} RESTART")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """An empty database at the migration head, on each backend in turn."""
    if request.param == "sqlite":
        target = tmp_path / "rcsc.sqlite3"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    base: str | None = request.getfixturevalue("pg_base_url")
    if base is None:
        pytest.skip("PostgreSQL is not reachable (set CI=true to make this a failure)")
    _truncate(base)
    return base


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def db(db_url: str, clock: FrozenClock) -> Iterator[Database]:
    database = Database(db_url, clock=clock)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    # no federation scheduler thread in app tests (tests/exchange/test_sync.py runs one), no
    # indexer thread (tests index with `intel.index.catch_up`; tests/intel runs the thread)
    return load_settings(data_dir=tmp_path / "data", database_url=db_url,
                         federation_scheduler=False, intel_index_seconds=0,
                         alert_delivery_seconds=0)  # no delivery thread: tests call the step


@dataclass
class Account:
    id: uuid.UUID
    email: str
    org_id: uuid.UUID
    token: str  # a token with every scope the roles allow
    password: str = PASSWORD

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    """The node's organisation and admin, two member CERTs, and one user per common role."""

    node_org: uuid.UUID
    lt_org: uuid.UUID
    ua_org: uuid.UUID
    admin: Account
    analyst: Account
    viewer: Account
    ua_analyst: Account


def _account(db: Database, email: str, org_id: uuid.UUID, roles: list[str]) -> Account:
    from rcsc.core.identity import Role, scopes_allowed

    with db.transaction() as uow:
        user = users.create(uow, system("test"), email=email, name=email.split("@")[0],
                            org_id=org_id, roles=roles, password=PASSWORD)
        scopes = [s.value for s in scopes_allowed(frozenset(Role(r) for r in roles))]
        _token, secret = tokens.create(uow, system("test"), user_id=user.id, name="test",
                                       scopes=scopes, expires_days=30)
    return Account(user.id, user.email, org_id, secret)


@pytest.fixture
def world(db: Database) -> World:
    with db.transaction() as uow:
        init = bootstrap.initialise(uow, node_name="RCSC Test", node_country="LT",
                                    admin_email="root@rcsc.example")
        node = uow.orgs.list()[0]
        lt = organisations.create(uow, system("test"), name="CERT-LT", country="LT",
                                  kind="national-csirt")
        ua = organisations.create(uow, system("test"), name="CERT-UA", country="UA",
                                  kind="national-csirt")
    assert init.admin_password
    return World(
        node_org=node.id, lt_org=lt.id, ua_org=ua.id,
        admin=_account(db, "admin@rcsc.example", node.id, ["admin"]),
        analyst=_account(db, "analyst@cert-lt.example", lt.id, ["analyst"]),
        viewer=_account(db, "viewer@cert-lt.example", lt.id, ["viewer"]),
        ua_analyst=_account(db, "analyst@cert-ua.example", ua.id, ["analyst"]),
    )


@pytest.fixture
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    from rcsc.web.app import create_app

    return create_app(settings, db=db)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client
