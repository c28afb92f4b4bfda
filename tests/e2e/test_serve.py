"""Real `rcsc serve` processes on free loopback ports: the schema check at start, health and
readiness, several workers on PostgreSQL with a graceful stop, and JSON logs."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rcsc.accounts import bootstrap, tokens, users
from rcsc.accounts.auth import system
from rcsc.storage import Database, migrate
from tests.processes import RCSC, Process, alive, child_env, free_port, group_members, poll, start

pytestmark = pytest.mark.e2e
STOP_TIMEOUT = 60  # seconds a server may take to stop (its own grace period is 20)
ADMIN = "admin@rcsc.example"


@pytest.fixture
def servers() -> Iterator[list[Process]]:
    """Every server a test starts; whatever is still running at the end is taken down."""
    started: list[Process] = []
    yield started
    for process in started:
        process.kill_group()


def _serve(servers: list[Process], tmp_path: Path, env: dict[str, str],
           *options: str) -> tuple[Process, str]:
    port = free_port()
    process = start([*RCSC, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
                    env, tmp_path / "logs", cwd=tmp_path, name=f"serve-{port}")
    servers.append(process)
    return process, f"http://127.0.0.1:{port}"


def _initialise(url: str) -> str:
    """Migrate and initialise a node in-process; an admin token with every scope."""
    db = Database(url)
    try:
        migrate.upgrade(db.engine)
        with db.transaction() as uow:
            bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                                 admin_email=ADMIN)
            admin = users.by_email(uow, ADMIN)
            _token, secret = tokens.create(uow, system("test"), user_id=admin.id, name="e2e",
                                           scopes=["read", "write", "admin"], expires_days=1)
    finally:
        db.dispose()
    return secret


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed before a response head: {data!r}"
        data += chunk
    return data


def _read_to_end(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_serve_refuses_a_database_that_is_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = subprocess.run(
        [*RCSC, "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=child_env(data_dir=str(data_dir)), cwd=tmp_path, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=120,
    )
    assert result.returncode != 0, result.stdout
    assert "rcsc db upgrade" in result.stderr
    assert "Traceback" not in result.stderr
    assert "RCSC serving" not in result.stdout
    db = Database(f"sqlite:///{data_dir / 'rcsc.sqlite3'}")
    try:
        assert migrate.current_revision(db.engine) is None  # nothing was migrated
    finally:
        db.dispose()


def test_serve_refuses_unsafe_production_settings_by_name(tmp_path: Path) -> None:
    env = child_env(data_dir=str(tmp_path / "data"), env="production",
                    public_base_url="https://rcsc.example.org", admin_email="soc@nksc.lt")
    result = subprocess.run(
        [*RCSC, "serve", "--upgrade", "--port", str(free_port())], env=env, cwd=tmp_path,
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
    )
    assert result.returncode != 0
    assert "RCSC_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_upgrade_starts_on_an_empty_database_and_answers_health_checks(
    servers: list[Process], tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    process, base = _serve(servers, tmp_path, child_env(data_dir=str(data_dir)), "--upgrade")
    assert process.wait_for_http(f"{base}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "sqlite"}
    assert f"RCSC serving on {base} (workers: 1)" in process.stdout()

    db = Database(f"sqlite:///{data_dir / 'rcsc.sqlite3'}")
    try:
        migrate.downgrade(db.engine, "base")  # the schema falls behind under a running node
        behind = httpx.get(f"{base}/readyz", timeout=10)
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    finally:
        db.dispose()
    assert behind.status_code == 503
    assert behind.headers["content-type"].startswith("application/problem+json")
    assert "rcsc db upgrade" in behind.json()["detail"]
    assert process.terminate(STOP_TIMEOUT) == 0


def test_two_workers_on_postgresql_serve_and_stop_gracefully_on_sigterm(
    servers: list[Process], tmp_path: Path, scratch_pg_url: str,
) -> None:
    token = _initialise(scratch_pg_url)
    env = child_env(data_dir=str(tmp_path / "data"), database_url=scratch_pg_url)
    process, base = _serve(servers, tmp_path, env, "--workers", "2")
    started = process.wait_for_output(r"Started server process \[(\d+)\]", count=2)
    workers = {int(m.group(1)) for m in started}
    assert len(workers) == 2 and process.pid not in workers
    process.wait_for_output("Application startup complete", count=2)

    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(12):  # a new connection each time, so the kernel spreads them
        me = httpx.get(f"{base}/api/v1/me", headers=auth, timeout=10)
        assert me.status_code == 200, me.text
        assert me.json()["email"] == ADMIN
    assert httpx.get(f"{base}/readyz", timeout=10).json()["database"] == "postgresql"

    # A request in flight: its head is in, the app waits for the body (100 Continue says so).
    body = json.dumps({"name": "CERT.LV", "country": "LV", "kind": "national-csirt"}).encode()
    head = (f"POST /api/v1/organisations HTTP/1.1\r\nHost: {base[7:]}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=30) as sock:
        sock.sendall(head)
        assert _read_head(sock).startswith(b"HTTP/1.1 100 Continue")
        process.popen.send_signal(signal.SIGTERM)
        process.wait_for_output("Shutting down", count=2)
        process.wait_for_output("Waiting for connections to close")
        sock.sendall(body)
        response = _read_to_end(sock)
    assert response.startswith(b"HTTP/1.1 201"), response
    assert b"connection: close" in response.lower()

    assert process.popen.wait(timeout=STOP_TIMEOUT) == 0
    poll(lambda: not any(alive(pid) for pid in workers), 30, "the workers to exit")
    poll(lambda: not group_members(process.pid), 30, "every process of the server to exit")
    assert "Application shutdown complete" in process.stderr()
    db = Database(scratch_pg_url)
    try:
        with db.transaction(readonly=True) as uow:
            assert uow.orgs.get_by_name("CERT.LV") is not None  # the in-flight write committed
    finally:
        db.dispose()


def test_json_log_format_makes_every_log_line_a_json_object(
    servers: list[Process], tmp_path: Path,
) -> None:
    env = child_env(data_dir=str(tmp_path / "data"), log_format="json")
    process, base = _serve(servers, tmp_path, env, "--upgrade")
    process.wait_for_http(f"{base}/healthz")
    assert httpx.get(f"{base}/no-such-page", timeout=10).status_code == 404
    assert process.terminate(STOP_TIMEOUT) == 0

    lines = [line for line in process.stderr().splitlines() if line.strip()]
    assert len(lines) >= 5
    entries = [json.loads(line) for line in lines]
    for entry in entries:
        assert isinstance(entry, dict)
        assert {"time", "level", "logger", "message"} <= entry.keys()
    loggers = {e["logger"] for e in entries}
    assert {"rcsc.web", "uvicorn.error", "uvicorn.access"} <= loggers
    access = [e["message"] for e in entries if e["logger"] == "uvicorn.access"]
    assert any("GET /healthz" in m and "200" in m for m in access)
    assert any("GET /no-such-page" in m and "404" in m for m in access)
    assert any(e["message"] == "RCSC stopped" for e in entries)
