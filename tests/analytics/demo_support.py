"""The demo world loaded at the end of 2026-W48 (its year of incidents, indexed), for the
dashboard, report and export tests: the report's "demo week" is 2026-W48.

Loading it takes seconds, so a test module that only needs it loaded (and may write to it)
overrides `db_url` with `demo_db_url`: each test gets its own copy of a database loaded once
per test process and backend (a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on
PostgreSQL), and `demo_world` gives the logins and tokens of that load."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine

from rcsc import demo
from rcsc.accounts import bootstrap, tokens, users
from rcsc.accounts.auth import system
from rcsc.core.clock import FrozenClock
from rcsc.intel import index
from rcsc.storage import Database, migrate
from tests.conftest import BACKENDS, PG_URL
from tests.pg_scratch import scratch_database

DEMO_WEEK = "2026-W48"
LOADED_AT = datetime.fromisoformat("2026-11-30T06:00:00+00:00")  # Monday of 2026-W49


@dataclass(frozen=True)
class Demo:
    logins: dict[str, str]  # e-mail -> password
    coordinator_token: str
    analyst_token: str  # CERT-LT's analyst


def load_demo(db: Database, clock: FrozenClock) -> Demo:
    clock.current = LOADED_AT
    with db.transaction() as uow:
        bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                             admin_email="root@rcsc.example")
        logins = demo.load(uow)
    index.catch_up(db)
    secrets = {}
    with db.transaction() as uow:
        for email in ("coordinator@rcsc.example", "analyst@cert-lt.example"):
            user = users.by_email(uow, email)
            _token, secrets[email] = tokens.create(
                uow, system("test"), user_id=user.id, name="test", scopes=["read"],
                expires_days=30)
    return Demo({x.email: x.password for x in logins if x.password},
                secrets["coordinator@rcsc.example"], secrets["analyst@cert-lt.example"])


@dataclass
class DemoTemplates:
    """The demo world loaded once per backend in this test process, kept as a template."""

    folder: Path
    sqlite_template: Path
    worker: str
    built: dict[str, tuple[str, Demo]] = field(default_factory=dict)  # backend -> (where, demo)

    def template(self, backend: str, pg_base_url: str | None) -> tuple[str, Demo]:
        if backend not in self.built:
            if backend == "sqlite":
                path = self.folder / "demo.sqlite3"
                shutil.copy(self.sqlite_template, path)
                url = f"sqlite:///{path}"
                self.built[backend] = (str(path), self._load(url))
            else:
                assert pg_base_url is not None
                name = f"rcsc_demo_{self.worker}_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(PG_URL, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                url = pg_base_url.rsplit("/", 1)[0] + f"/{name}"
                engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
                migrate.upgrade(engine)
                engine.dispose()
                self.built[backend] = (name, self._load(url))
        return self.built[backend]

    @staticmethod
    def _load(url: str) -> Demo:
        clock = FrozenClock(LOADED_AT)
        db = Database(url, clock=clock)
        try:
            return load_demo(db, clock)
        finally:
            db.dispose()  # a template database must have no connections

    def drop(self) -> None:
        if "postgresql" in self.built:
            name = self.built["postgresql"][0]
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
                   worker_id: str) -> Iterator[DemoTemplates]:
    templates = DemoTemplates(tmp_path_factory.mktemp("demo"), sqlite_template, worker_id)
    yield templates
    templates.drop()


@pytest.fixture(params=BACKENDS)
def demo_db_url(request: pytest.FixtureRequest, tmp_path: Path,
                demo_templates: DemoTemplates) -> Iterator[str]:
    """A database of this test's own holding the demo world (see the module)."""
    if request.param == "sqlite":
        where, _demo = demo_templates.template("sqlite", None)
        target = tmp_path / "rcsc.sqlite3"
        shutil.copy(where, target)
        yield f"sqlite:///{target}"
        return
    base: str | None = request.getfixturevalue("pg_base_url")
    if base is None:
        pytest.skip("PostgreSQL is not reachable (set CI=true to make this a failure)")
    template, _demo = demo_templates.template("postgresql", base)
    yield from scratch_database("demo_copy", template=template)


@pytest.fixture
def demo_world(demo_db_url: str, demo_templates: DemoTemplates, clock: FrozenClock) -> Demo:
    """The logins and tokens of the demo world in `demo_db_url`, at the time it was loaded."""
    clock.current = LOADED_AT
    backend = "sqlite" if demo_db_url.startswith("sqlite") else "postgresql"
    return demo_templates.built[backend][1]
