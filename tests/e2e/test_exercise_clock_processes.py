"""Two real `rcsc serve` processes on one PostgreSQL database run the exercise clock at the
same time (issue 6, "two server processes on PostgreSQL release each inject exactly once").

Both workers tick every 0.2 s and race for every inject. A double release would be visible
three ways: each process logs `released inject N` for every release its claim won, so an
inject claimed twice appears twice across the two logs; every e-mail inject is mailed to the
players of its teams through a real SMTP server on loopback, so a double delivery is a second
message; and `released_by` says who released it (the clock, never a person here).
"""

from __future__ import annotations

import re
import socket
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from rcsc.core.exercises import Inject
from rcsc.storage import Database, migrate
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data
from tests.processes import RCSC, Process, child_env, free_port, poll, start

pytestmark = pytest.mark.e2e
STOP_TIMEOUT = 60
WAIT = 180  # generous: the machine may be busy; never a measured duration
NUMBERS = range(1, 11)
PLAYERS = ("pl_player@pl.example", "ua_player@ua.example")  # the teams of `to: all`
RELEASED = re.compile(r"exercise (\S+): released inject (\d+)")


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box
    controller.stop()


@pytest.fixture
def servers() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.kill_group()


def _world(url: str) -> ExerciseWorld:
    """The exercise, ready to start: two injects due at each of 2, 4, 6, 8 and 10 s (two at
    the same second, so both workers find both due in the same tick), every one mailed."""
    db = Database(url)
    try:
        migrate.upgrade(db.engine)
        return build(db, injects=[
            inject_data(n, f"S+{2 * ((n + 1) // 2)}", delivery="email") for n in NUMBERS])
    finally:
        db.dispose()


def _injects(url: str, world: ExerciseWorld) -> list[Inject]:
    db = Database(url)
    try:
        with db.transaction(readonly=True) as uow:
            return uow.exercises.injects(world.exercise_id)
    finally:
        db.dispose()


def _mailed(box: Mailbox) -> Counter[tuple[int, str]]:
    """(inject number, recipient) of every message received."""
    seen: Counter[tuple[int, str]] = Counter()
    for recipients, content in box.messages:
        body = message_from_bytes(content, policy=default).get_body(("plain",))
        assert body is not None
        match = re.search(r"Situation update (\d+)\b", body.get_content())
        assert match, body.get_content()
        for to in recipients:
            seen[(int(match.group(1)), to)] += 1
    return seen


def test_two_serve_processes_on_postgresql_release_each_inject_exactly_once(
        servers: list[Process], tmp_path: Path, scratch_pg_url: str,
        smtp: tuple[int, Mailbox]) -> None:
    port, box = smtp
    world = _world(scratch_pg_url)
    bases = []
    for name in ("a", "b"):
        env = child_env(data_dir=str(tmp_path / f"data-{name}"), database_url=scratch_pg_url,
                        exercise_tick_seconds="0.2", smtp_host="127.0.0.1",
                        smtp_port=str(port))
        http_port = free_port()
        servers.append(start([*RCSC, "serve", "--host", "127.0.0.1", "--port", str(http_port)],
                             env, tmp_path / "logs", cwd=tmp_path, name=f"serve-{name}"))
        bases.append(f"http://127.0.0.1:{http_port}")
    for process, base in zip(servers, bases, strict=True):
        process.wait_for_http(f"{base}/healthz", timeout=WAIT)

    started = httpx.post(f"{bases[0]}/api/v1/exercises/{world.exercise_id}/start",
                         headers=world.auth("controller"), timeout=30)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "running"

    def all_released() -> bool:
        return all(i.released_at is not None for i in _injects(scratch_pg_url, world))

    poll(all_released, WAIT, "every inject to be released", step=0.5,
         died=lambda: next(filter(None, (p.exited() for p in servers)), None))
    wanted = {(n, to) for n in NUMBERS for to in PLAYERS}
    poll(lambda: set(_mailed(box)) >= wanted, WAIT, "every inject to be mailed", step=0.5)
    for process in servers:  # their logs are complete once they have stopped
        assert process.terminate(STOP_TIMEOUT) == 0

    injects = _injects(scratch_pg_url, world)
    assert sorted(i.number for i in injects) == list(NUMBERS)
    assert {i.released_by for i in injects} == {"clock"}
    releases: Counter[int] = Counter()
    for process in servers:
        for match in RELEASED.finditer(process.stderr()):
            assert match.group(1) == str(world.exercise_id)
            releases[int(match.group(2))] += 1
    assert releases == Counter({n: 1 for n in NUMBERS})  # each claimed by one process once
    assert _mailed(box) == Counter({key: 1 for key in wanted})  # each player mailed once
