"""The `rcsc` command line as later checks script it: a real process per command, on SQLite
and on PostgreSQL, with the stdout contract (credentials lines, the token as the last line,
exit codes) and the database checked afterwards.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rcsc.accounts import auth, bootstrap, users
from rcsc.accounts.auth import LoginPolicy
from rcsc.config import load_settings
from rcsc.core.identity import OrgKind, Role
from rcsc.storage import Database, migrate
from rcsc.storage.blobs import BLOB_DIR, TEMP_DIR, BlobStore
from rcsc.storage.repos.audit import AuditFilter
from rcsc.web.app import create_app
from tests.conftest import BACKENDS
from tests.incidents.test_attachments import attach, file_incident, principal
from tests.processes import RCSC, child_env
from tests.storage.test_blobs import last_written

TIMEOUT = 180  # seconds for one CLI command; it normally takes a few
MEMBER_COUNTRIES = {"LT", "UA", "PL", "GE", "LV", "EE", "MD"}
NEW_PASSWORD = "a long enough password for CERT-LT"


@dataclass
class Node:
    """A node's data dir and database, driven through `python -m rcsc`."""

    data_dir: Path
    url: str
    cwd: Path

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = child_env(data_dir=str(self.data_dir), database_url=self.url)
        return subprocess.run(
            [*RCSC, *args], env=env, cwd=self.cwd, capture_output=True, text=True,
            timeout=TIMEOUT, input=stdin if stdin is not None else "",
        )

    def ok(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = self.run(*args, stdin=stdin)
        assert result.returncode == 0, _explain(result)
        return result

    def fails(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = self.run(*args, stdin=stdin)
        assert result.returncode != 0, _explain(result)
        assert "Traceback" not in result.stderr, result.stderr
        return result

    @contextmanager
    def database(self) -> Iterator[Database]:
        db = Database(self.url)
        try:
            yield db
        finally:
            db.dispose()

    def counts(self) -> tuple[int, int, int]:
        """(organisations, users, audit rows)."""
        with self.database() as db, db.transaction(readonly=True) as uow:
            return uow.orgs.count(), uow.users.count(), uow.audit.count(AuditFilter())


def _explain(result: subprocess.CompletedProcess[str]) -> str:
    return (f"{' '.join(result.args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")


def _field(output: str, label: str) -> str:
    match = re.search(rf"^{label}:\s+(\S+)\s*$", output, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{output}"
    return match.group(1)


def _login_works(node: Node, email: str, password: str) -> bool:
    with node.database() as db, db.transaction() as uow:
        return auth.login(uow, LoginPolicy(), email, password, "127.0.0.1") is not None


@pytest.fixture(params=BACKENDS)
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Node:
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'rcsc.sqlite3'}"
    else:
        url = request.getfixturevalue("scratch_pg_url")
    return Node(data_dir=data_dir, url=url, cwd=tmp_path)


@pytest.fixture
def initialised(node: Node) -> tuple[Node, str, str]:
    """A node as `rcsc init` leaves it (done in-process, as `rcsc init` itself is tested
    below and every CLI process costs seconds): (node, admin e-mail, admin password)."""
    node.data_dir.mkdir(parents=True)
    with node.database() as db:
        migrate.upgrade(db.engine)
        with db.transaction() as uow:
            result = bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                                          admin_email="admin@rcsc.example")
    assert result.admin_password
    return node, result.admin_email, result.admin_password


def test_db_current_reports_behind_until_upgraded(node: Node) -> None:
    behind = node.run("db", "current")
    assert behind.returncode == 1, _explain(behind)
    assert "BEHIND" in behind.stdout and "(empty)" in behind.stdout
    node.ok("db", "upgrade")
    current = node.ok("db", "current")
    assert current.stdout.strip().endswith("OK")
    assert f"head: {migrate.head_revision()}" in current.stdout


def test_init_prints_credentials_and_a_second_run_creates_nothing(node: Node) -> None:
    first = node.ok("init")
    email, password = _field(first.stdout, "Email"), _field(first.stdout, "Password")
    assert email == "admin@rcsc.example"
    assert _field(first.stdout, "URL") == "http://127.0.0.1:8000/login"
    assert _login_works(node, email, password)
    credentials = node.data_dir / "credentials.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert password in credentials.read_text()
    before = node.counts()
    assert before[:2] == (1, 1)

    second = node.ok("init")
    assert "Admin exists already: admin@rcsc.example" in second.stdout
    assert "Password:" not in second.stdout
    assert node.counts() == before
    with node.database() as db, db.transaction(readonly=True) as uow:
        (org,) = uow.orgs.list()
        assert org.kind is OrgKind.REGIONAL_CENTRE and org.country == "LT"
        assert uow.communities.default() is not None


def test_org_add_refuses_a_bad_country_by_name_and_writes_nothing(
    initialised: tuple[Node, str, str],
) -> None:
    node, _email, _password = initialised
    before = node.counts()
    refused = node.fails("org", "add", "CERT Nowhere", "--country", "XX",
                         "--kind", "national-csirt")
    assert "country" in refused.stderr and "'XX'" in refused.stderr
    assert refused.stdout == ""
    assert node.counts() == before

    added = node.ok("org", "add", "CERT Polska", "--country", "pl", "--kind", "national-csirt")
    org_id = uuid.UUID(added.stdout.strip())
    listed = node.ok("org", "list").stdout.splitlines()
    assert f"{org_id}\tPL\tnational-csirt\tCERT Polska" in listed
    assert len(listed) == 2


def test_user_add_reads_the_password_from_stdin_and_it_logs_in(
    initialised: tuple[Node, str, str],
) -> None:
    node, _email, _password = initialised
    before = node.counts()
    short = node.fails("user", "add", "lina@cert-lt.example", "--org", "RCSC Kaunas",
                       "--role", "analyst", "--password-stdin", stdin="too short\n")
    assert "password" in short.stderr
    assert node.counts() == before

    added = node.ok("user", "add", "lina@cert-lt.example", "--org", "RCSC Kaunas",
                    "--role", "analyst", "--role", "viewer", "--password-stdin",
                    stdin=NEW_PASSWORD + "\n")
    user_id = uuid.UUID(added.stdout.strip())
    assert NEW_PASSWORD not in added.stdout + added.stderr
    assert _login_works(node, "lina@cert-lt.example", NEW_PASSWORD)
    assert not _login_works(node, "lina@cert-lt.example", NEW_PASSWORD + "!")
    with node.database() as db, db.transaction(readonly=True) as uow:
        user = uow.users.get(user_id)
    assert user is not None and user.roles == {Role.ANALYST, Role.VIEWER}
    listed = node.ok("user", "list").stdout
    assert f"{user_id}\tlina@cert-lt.example\tanalyst,viewer\tactive" in listed


def test_token_create_prints_the_token_last_and_it_works_until_revoked(
    initialised: tuple[Node, str, str],
) -> None:
    node, email, _password = initialised
    created = node.ok("token", "create", "--user", email, "--scope", "read", "--scope",
                      "write", "--expires-days", "7")
    token = created.stdout.splitlines()[-1]
    assert re.fullmatch(r"rcsc_[A-Za-z0-9_-]{43}", token), created.stdout
    assert token[:11] in created.stderr  # the prefix tells it apart later; not the secret
    assert token not in created.stderr
    with node.database() as db, db.transaction(readonly=True) as uow:
        (stored,) = uow.tokens.list(None)
    assert stored.expires_at - stored.created_at == timedelta(days=7)

    settings = load_settings(data_dir=node.data_dir, database_url=node.url)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        assert me.json()["email"] == email
        assert me.json()["scopes"] == ["read", "write"]
        basic = base64.b64encode(f"{email}:{token}".encode()).decode()
        assert client.get("/api/v1/me", headers={"Authorization": f"Basic {basic}"}).json()[
            "email"] == email

        assert node.ok("token", "revoke", str(stored.id)).stdout.strip() == "revoked"
        after = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert after.status_code == 401


def test_demo_loads_the_region_with_every_role_and_refuses_a_second_load(
    initialised: tuple[Node, str, str],
) -> None:
    node, _email, _password = initialised
    loaded = node.ok("demo")
    logins = {}
    for line in loaded.stdout.splitlines():
        parts = line.split()
        if parts and "@" in parts[0]:
            logins[parts[0]] = parts[1]
    assert len(logins) >= 8
    with node.database() as db, db.transaction(readonly=True) as uow:
        orgs = uow.orgs.list()
        people = uow.users.list()
    assert {o.country for o in orgs} >= MEMBER_COUNTRIES
    assert [o.country for o in orgs if o.kind is OrgKind.REGIONAL_CENTRE] == ["LT"]
    assert {r for u in people for r in u.roles} == set(Role)
    printed = {u.email for u in people if Role.ADMIN not in u.roles}
    assert set(logins) == printed
    assert _login_works(node, "analyst@cert-ua.example", logins["analyst@cert-ua.example"])
    assert "sync@cert-ua.example" in logins  # the peer has no password, only tokens
    assert logins["sync@cert-ua.example"] == "(token"

    before = node.counts()
    again = node.fails("demo")
    assert "already holds data" in again.stderr
    assert node.counts() == before

    skipped = node.ok("demo", "--if-empty")
    assert "not loaded" in skipped.stdout
    assert node.counts() == before


def test_audit_list_and_export_as_csv_and_jsonl(initialised: tuple[Node, str, str]) -> None:
    node, _email, _password = initialised
    node.ok("org", "add", "CERT-UA", "--country", "UA", "--kind", "national-csirt")

    as_csv = node.ok("audit", "export", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    actions = [r["action"] for r in rows]
    assert actions[0] == "organisation.create" and actions[-1] == "audit.export"
    assert "user.create" in actions
    added = next(r for r in rows if json.loads(r["detail"]).get("name") == "CERT-UA")
    assert added["action"] == "organisation.create" and added["outcome"] == "success"
    assert added["actor_type"] == "system"

    target = node.cwd / "audit.jsonl"
    node.ok("audit", "export", "--format", "jsonl", "--output", str(target))
    entries = [json.loads(line) for line in target.read_text().splitlines()]
    assert [e["id"] for e in entries][:-1] == [int(r["id"]) for r in rows]
    assert entries[-1]["action"] == "audit.export"
    assert entries[-1]["detail"] == {"format": "jsonl"}

    newest = node.ok("audit", "list", "--limit", "2").stdout.splitlines()
    assert [line.split("\t")[3] for line in newest] == ["audit.export", "audit.export"]

    refused = node.fails("audit", "export", "--format", "xml")
    assert "format" in refused.stderr


def test_blobs_gc_removes_old_orphans_and_keeps_attached_and_young_files(
    initialised: tuple[Node, str, str],
) -> None:
    node, email, _password = initialised
    store = BlobStore(node.data_dir / BLOB_DIR)
    two_hours_ago = datetime.fromtimestamp(time.time() - 7200, UTC)  # the CLI's clock is real
    with node.database() as db:
        with db.transaction(readonly=True) as uow:
            admin = principal(db, users.by_email(uow, email).id)
        kept = attach(db, store, admin, file_incident(db, admin), b"fw01 DROP TCP", "fw.log")
    attached = last_written(store.path(kept.digest.sha256, sealed=False), two_hours_ago)
    orphan = last_written(store.path(store.put([b"orphan"], 100).digest.sha256, sealed=False),
                          two_hours_ago)
    young = store.path(store.put([b"just placed"], 100).digest.sha256, sealed=False)
    stale = store.temp_dir / "upload-k3x9q0zz"
    stale.write_bytes(b"half")
    last_written(stale, two_hours_ago)

    dry = node.ok("blobs", "gc", "--dry-run").stdout.splitlines()
    assert sorted(dry[:-1]) == [f"orphan\t6\t{orphan.relative_to(store.root)}",
                                f"stale-temp\t4\t{TEMP_DIR}/upload-k3x9q0zz"]
    assert dry[-1] == "would remove: 2 files, 10 bytes"
    assert orphan.is_file() and stale.is_file()

    assert node.ok("blobs", "gc").stdout.splitlines()[-1] == "removed: 2 files, 10 bytes"
    assert not orphan.exists() and not stale.exists()
    assert attached.is_file() and young.is_file()
    assert node.ok("blobs", "gc", "--grace-minutes", "0").stdout.splitlines() == [
        f"orphan\t11\t{young.relative_to(store.root)}", "removed: 1 file, 11 bytes"]
    assert attached.is_file()

    listed = node.ok("audit", "list", "--action", "blobs.gc").stdout.splitlines()
    assert len(listed) == 3 and all("\tcli" in line for line in listed)


def test_collection_add_and_list_refusing_a_clear_default_by_name(
    initialised: tuple[Node, str, str],
) -> None:
    node, _email, _password = initialised
    listed = node.ok("collection", "list").stdout.splitlines()
    assert [line.split("\t")[1:4] for line in listed] == [["shared", "green", "writable"]]
    before = node.counts()
    refused = node.fails("collection", "add", "public", "--title", "Public",
                         "--default-tlp", "clear")
    assert "default_tlp" in refused.stderr and node.counts() == before
    unknown = node.fails("collection", "add", "ua-feed", "--title", "UA",
                         "--community", "Nobody")
    assert "Nobody" in unknown.stderr and node.counts() == before
    made = uuid.UUID(node.ok("collection", "add", "ua-feed", "--title", "Feed from UA",
                             "--default-tlp", "amber", "--read-only").stdout.strip())
    assert f"{made}\tua-feed\tamber\tread-only\tFeed from UA" in \
        node.ok("collection", "list").stdout.splitlines()
