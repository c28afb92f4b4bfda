"""Helpers for the federation tests: a real RCSC node served by uvicorn in a thread (its own
SQLite database), a misbehaving HTTP server, organisations with fixed UUIDs on every node,
peer accounts, and STIX objects marked with recipients."""

from __future__ import annotations

import http.server
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import uvicorn

from rcsc.accounts import bootstrap, organisations, tokens, users
from rcsc.accounts.auth import authenticate_token, system
from rcsc.config import load_settings
from rcsc.core.identity import Principal, Role, scopes_allowed
from rcsc.core.incidents import Recipients
from rcsc.core.tlp import Tlp
from rcsc.exchange import collections, taxii
from rcsc.stix.recipients import mark
from rcsc.storage import Database, migrate
from tests.conftest import PASSWORD
from tests.processes import free_port, poll
from tests.web.taxii_support import indicator

# The same organisations, by the same UUIDs, on every node of a test federation.
LT = uuid.UUID("11111111-0000-4000-8000-000000000001")
UA = uuid.UUID("11111111-0000-4000-8000-000000000002")
PL = uuid.UUID("11111111-0000-4000-8000-000000000003")
ORGS = {LT: ("CERT-LT", "LT"), UA: ("CERT-UA", "UA"), PL: ("CERT-PL", "PL")}


def register_orgs(db: Database) -> None:
    """Bootstrap the node (its own organisation) and register LT, UA and PL by their ids."""
    with db.transaction() as uow:
        if not uow.orgs.list():
            bootstrap.initialise(uow, node_name="RCSC node", node_country="LT",
                                 admin_email="root@rcsc.example")
        for org_id, (name, country) in ORGS.items():
            if uow.orgs.get(org_id) is None:
                organisations.create(uow, system("test"), name=name, country=country,
                                     kind="national-csirt", org_id=org_id)
        collections.ensure_shared(uow)


def account(db: Database, email: str, org_id: uuid.UUID, role: Role) -> str:
    """A user of `org_id` with `role` and a token with every scope the role allows."""
    with db.transaction() as uow:
        user = users.create(uow, system("test"), email=email, name=email.split("@")[0],
                            org_id=org_id, roles=[role.value], password=PASSWORD)
        scopes = sorted(s.value for s in scopes_allowed(frozenset({role})))
        _token, secret = tokens.create(uow, system("test"), user_id=user.id, name="test",
                                       scopes=scopes, expires_days=30)
    return secret


def principal(db: Database, token: str) -> Principal:
    with db.transaction() as uow:
        return authenticate_token(uow, token, None)


def marked(value: str, tlp: Tlp, *recipients: uuid.UUID, **extra: Any) -> dict[str, Any]:
    """An indicator at `tlp`, naming `recipients` (organisations) in our extension."""
    obj = indicator(value, None, **extra)
    return mark(obj, tlp, Recipients(org_ids=frozenset(recipients)))


def post(db: Database, actor: Principal, *objects: dict[str, Any]) -> taxii.TaxiiStatus:
    with db.transaction() as uow:
        return taxii.add_objects(uow, actor, "shared",
                                 orjson.dumps({"objects": list(objects)}), origin="test")


@dataclass
class Served:
    db: Database
    base: str

    @property
    def api_root(self) -> str:
        return f"{self.base}/taxii2/api/"


@contextmanager
def served_node(home: Path, name: str = "remote") -> Iterator[Served]:
    """A real RCSC node (its app, its own SQLite database) on a loopback port."""
    from rcsc.web.app import create_app

    home.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{home / 'rcsc.sqlite3'}"
    db = Database(url)
    migrate.upgrade(db.engine)
    register_orgs(db)
    settings = load_settings(data_dir=home / "data", database_url=url, node_name=name,
                             federation_scheduler=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, db=db), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    poll(lambda: server.started, 30, f"{name} to serve")
    try:
        yield Served(db, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(30)
        db.dispose()


@dataclass
class Reply:
    status: int = 200
    content_type: str = "application/taxii+json;version=2.1"
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


API_ROOT_REPLY = Reply(body=orjson.dumps({"title": "x", "versions": [],
                                          "max_content_length": 10_000_000}))


@contextmanager
def misbehaving_peer(answer: Callable[[str, str], Reply]) -> Iterator[str]:
    """A real HTTP server whose every answer is `answer(method, path with query)`; yields
    its API root URL. The requests it got are not kept: tests look at what we stored."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            reply = answer(self.command, self.path)
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: what a slow peer test expects

        do_GET = do_POST = _reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/taxii2/api/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
