"""Delivery of alerts through the durable queue, against real receivers on loopback: a
webhook receiver (a real HTTP server in a thread) gets a correctly signed payload; one that
answers 500 is retried with backoff (injected clock) until the attempts run out, and the
write that raised the alert is intact; a mail arrives at a real aiosmtpd server; a dead
SMTP server fails the delivery but never the write."""

from __future__ import annotations

import random
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from aiosmtpd.controller import Controller

from rcsc.config import Settings
from rcsc.core.alerts import DeliveryStatus
from rcsc.core.clock import FrozenClock
from rcsc.incidents import service
from rcsc.intel import alert_inbox, webhooks
from rcsc.intel.alerts import AlertRules
from rcsc.notify import queue
from rcsc.notify import webhooks as signing
from rcsc.storage import Database
from tests.conftest import World, _account
from tests.intel.test_alerts import _who, file_incident, index_and_alert


@dataclass
class Received:
    status: int = 200
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    got = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.requests.append((dict(self.headers.items()), body))
            self.send_response(got.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, box
    controller.stop()


def _rules(settings: Settings) -> AlertRules:
    return AlertRules(public_base_url=settings.public_base_url, mail=bool(settings.smtp_host))


def _lt_admin_hook(db: Database, world: World, settings: Settings, url: str) -> str:
    admin = _account(db, "admin@cert-lt.example", world.lt_org, ["admin"])
    with db.transaction() as uow:
        _hook, secret = webhooks.create(uow, _who(uow, admin.id),
                                        settings.effective_secret_key, url=url)
    return secret


def _shared_value(db: Database, world: World, settings: Settings) -> uuid.UUID:
    lt = file_incident(db, world.analyst.id, "green", ("domain", "shared-c2.example"))
    file_incident(db, world.ua_analyst.id, "green", ("domain", "shared-c2.example"))
    assert index_and_alert(db, _rules(settings)) == 2
    return lt


def test_a_webhook_receiver_gets_a_correctly_signed_payload(
        db: Database, world: World, settings: Settings,
        receiver: tuple[str, Received]) -> None:
    url, got = receiver
    secret = _lt_admin_hook(db, world, settings, url)
    _shared_value(db, world, settings)
    assert queue.deliver_due(db, settings) == 1
    ((headers, body),) = got.requests
    now = db.clock.now().timestamp()
    assert signing.verify(secret, headers, body, now)
    assert not signing.verify(secret, headers, body + b" ", now)  # the exact bytes
    assert not signing.verify("whsec_other", headers, body, now)
    assert not signing.verify(secret, headers, body, now + signing.REPLAY_WINDOW + 1)
    alert = orjson.loads(body)["alert"]
    assert alert["value"] == {"type": "domain", "value": "shared-c2.example"}
    assert alert["detail"]["other"]["country"] == "UA"
    with db.transaction(readonly=True) as uow:
        (delivery,) = webhooks.history(uow, _who(uow, _admin_id(uow)))
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert headers["X-RCSC-Delivery"] == str(delivery.id)
    assert queue.deliver_due(db, settings) == 0  # sent once


def _admin_id(uow: Any) -> uuid.UUID:
    user = uow.users.get_by_email("admin@cert-lt.example")
    assert user is not None
    return user.id  # type: ignore[no-any-return]


def test_a_receiver_answering_500_is_retried_with_backoff_and_the_write_is_intact(
        db: Database, world: World, settings: Settings, clock: FrozenClock,
        receiver: tuple[str, Received]) -> None:
    url, got = receiver
    got.status = 500
    _lt_admin_hook(db, world, settings, url)
    lt = _shared_value(db, world, settings)
    rnd = random.Random(5)
    assert queue.deliver_due(db, settings, rnd) == 1
    with db.transaction(readonly=True) as uow:
        (first,) = webhooks.history(uow, _who(uow, _admin_id(uow)))
        assert service.get(uow, _who(uow, world.analyst.id), lt).id == lt  # the write
        assert len(alert_inbox.inbox(uow, _who(uow, world.analyst.id)).items) == 1
    assert first.status is DeliveryStatus.PENDING and first.last_status_code == 500
    wait = (first.next_attempt_at - clock.now()).total_seconds()
    base = settings.alert_retry_base_seconds
    assert base / 2 <= wait < base
    assert queue.deliver_due(db, settings, rnd) == 0  # not before its time
    waits = [wait]
    for _ in range(settings.alert_max_attempts - 1):
        clock.advance(seconds=waits[-1])
        assert queue.deliver_due(db, settings, rnd) == 1
        with db.transaction(readonly=True) as uow:
            (now,) = webhooks.history(uow, _who(uow, _admin_id(uow)))
        if now.status is DeliveryStatus.PENDING:
            waits.append((now.next_attempt_at - clock.now()).total_seconds())
    assert now.status is DeliveryStatus.FAILED and now.attempts == settings.alert_max_attempts
    assert len(got.requests) == settings.alert_max_attempts
    assert all(later > earlier for earlier, later in zip(waits, waits[2:], strict=False))
    clock.advance(days=1)
    assert queue.deliver_due(db, settings, rnd) == 0  # failed for good, shown to admins


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rnd = random.Random(1)
    for attempt in range(1, 30):
        delay = queue.backoff(attempt, 30.0, rnd)
        full = min(queue.MAX_DELAY, 30.0 * 2 ** (attempt - 1))
        assert full / 2 <= delay < full


def test_an_email_arrives_at_the_smtp_server(db: Database, world: World, settings: Settings,
                                             smtp: tuple[int, Mailbox]) -> None:
    port, box = smtp
    mailing = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                          "smtp_from": "alerts@rcsc.example"})
    with db.transaction() as uow:
        alert_inbox.set_mail(uow, _who(uow, world.analyst.id), True)
    _shared_value(db, world, mailing)
    assert queue.deliver_due(db, mailing) == 1
    ((to, raw),) = box.messages
    message = message_from_bytes(raw)
    assert to == ["analyst@cert-lt.example"] and message["From"] == "alerts@rcsc.example"
    assert "shared-c2.example" in message["Subject"]
    assert "CERT-UA (UA)" in message.get_payload()


def test_a_dead_smtp_server_never_blocks_the_write(db: Database, world: World,
                                                   settings: Settings) -> None:
    dead = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": _free_port(),
                                       "smtp_timeout_seconds": 2.0})
    admin = _account(db, "admin@cert-lt.example", world.lt_org, ["admin"])
    with db.transaction() as uow:
        alert_inbox.set_mail(uow, _who(uow, world.analyst.id), True)
    lt = _shared_value(db, world, dead)
    assert queue.deliver_due(db, dead) == 1
    with db.transaction(readonly=True) as uow:
        assert service.get(uow, _who(uow, world.analyst.id), lt).id == lt
        (delivery,) = webhooks.history(uow, _who(uow, admin.id))
    assert delivery.status is DeliveryStatus.PENDING and delivery.channel.value == "mail"
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error
    assert delivery.next_attempt_at > db.clock.now() - timedelta(seconds=1)


def test_two_claimers_on_postgresql_never_take_the_same_delivery(db: Database,
                                                                 world: World) -> None:
    from rcsc.core.alerts import Channel, NewDelivery
    from rcsc.storage.repos.webhooks import WebhookRepo

    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: claims cannot overlap")
    now = db.clock.now()
    with db.transaction() as uow:
        WebhookRepo(uow.session).enqueue([NewDelivery(world.lt_org, None, Channel.MAIL, b"{}",
                                                      mail_to=f"{n}@x.example")
                                          for n in range(6)], now)
    later = now + timedelta(minutes=5)
    with db.transaction() as first:  # still open while the second claims
        mine = WebhookRepo(first.session).claim_due(now, later, 4)
        with db.transaction() as second:
            theirs = WebhookRepo(second.session).claim_due(now, later, 4)
    assert len(mine) == 4 and len(theirs) == 2
    assert not {d.delivery.id for d in mine} & {d.delivery.id for d in theirs}


def test_the_delivery_worker_drains_the_queue(db: Database, world: World, settings: Settings,
                                              receiver: tuple[str, Received]) -> None:
    from rcsc.notify.worker import Deliverer

    url, got = receiver
    _lt_admin_hook(db, world, settings, url)
    _shared_value(db, world, settings)
    assert Deliverer(db, settings).round() == 1 and len(got.requests) == 1


def test_without_an_smtp_host_mail_is_off_and_the_log_says_so_once(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    from rcsc.notify import mail

    mail._said_disabled.clear()
    with caplog.at_level("INFO", logger="rcsc.notify"):
        assert mail.config_of(settings) is None and mail.config_of(settings) is None
    assert [r.message for r in caplog.records] == ["mail is disabled: RCSC_SMTP_HOST is not set"]
    on = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 2525})
    config = mail.config_of(on)
    assert config is not None and config.port == 2525 and config.starttls is False
