"""Injects delivered by e-mail reach the players of the addressed teams through a real SMTP
server (aiosmtpd on loopback), marked as exercise traffic, once each — also when released
by hand, and however many rounds or processes run."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from rcsc.config import Settings, load_settings
from rcsc.core.clock import FrozenClock
from rcsc.exercises import clock as exclock
from rcsc.exercises.worker import ReleaseWorker
from rcsc.storage import Database
from tests.exercises.exercise_world import build, inject_data


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


def _settings(tmp_path: Path, db: Database, port: int) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=db.url,
                         smtp_host="127.0.0.1", smtp_port=port)


def test_email_injects_are_mailed_once_to_the_addressed_players(
        db: Database, clock: FrozenClock, tmp_path: Path,
        smtp: tuple[int, Mailbox]) -> None:
    port, box = smtp
    world = build(db, injects=[
        inject_data(1, "M+0", to=["UA"], delivery="email", title="Grid alarm"),
        inject_data(2, "M+0", to=["PL"], delivery="in-app"),
        inject_data(3, "H+5", to=["all"], delivery="email", title="Later")])
    worker = ReleaseWorker(db, 1, _settings(tmp_path, db, port))
    with db.transaction() as uow:
        exclock.start(uow, world.people["controller"], world.exercise_id)
    worker.round()
    worker.round()
    assert [to for to, _ in box.messages] == [["ua_player@ua.example"]]
    sent = message_from_bytes(box.messages[0][1], policy=default)
    assert sent["Subject"].startswith("[TLP:AMBER] EXERCISE EXERCISE EXERCISE: Baltic Grid")
    assert "Situation update 1" in sent.get_content()
    with db.transaction() as uow:
        third = uow.exercises.injects(world.exercise_id)[2]
        exclock.release_now(uow, world.people["controller"], world.exercise_id, third.id)
    worker.round()
    assert sorted(to[0] for to, _ in box.messages[1:]) == ["pl_player@pl.example",
                                                          "ua_player@ua.example"]
    worker.round()
    assert len(box.messages) == 3
