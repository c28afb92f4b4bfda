"""TAXII writes that overlap, on PostgreSQL (SQLite serialises writers, so they cannot):
a client that polls with `added_after` = the last X-TAXII-Date-Added-Last it saw, or walks
with `next`, must still receive a version whose transaction began earlier but committed
later; two envelopes carrying the same object at once must both succeed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import orjson
import pytest
from sqlalchemy import text

from rcsc.accounts.auth import authenticate_token
from rcsc.core.clock import FrozenClock
from rcsc.core.exchange import ObjectQuery, TaxiiStatus
from rcsc.core.identity import Principal
from rcsc.core.tlp import Tlp
from rcsc.exchange import collections, taxii
from tests.conftest import World
from tests.processes import poll
from tests.web.taxii_support import indicator

if TYPE_CHECKING:
    from rcsc.storage import Database, UnitOfWork


@pytest.fixture
def pg(db: Database) -> Database:
    if db.dialect != "postgresql":
        pytest.skip("SQLite takes one writer at a time: writes cannot overlap")
    return db


def _principal(db: Database, token: str) -> Principal:
    with db.transaction() as uow:
        collections.ensure_shared(uow)
        return authenticate_token(uow, token, None)


def _add(uow: UnitOfWork, actor: Principal, *objects: dict[str, object]) -> TaxiiStatus:
    return taxii.add_objects(uow, actor, "shared", orjson.dumps({"objects": list(objects)}),
                             origin="test")


def _read(db: Database, actor: Principal, q: ObjectQuery) -> taxii.Page:
    with db.transaction() as uow:
        return taxii.objects(uow, actor, "shared", q)


def _ids(page: taxii.Page) -> list[str]:
    return [item.stix_id for item in page.items]


@pytest.mark.parametrize("resume", ["added_after", "next"])
def test_poller_receives_a_version_that_committed_after_its_bookmark(
    pg: Database, world: World, clock: FrozenClock, resume: str
) -> None:
    """Writers to one collection take turns until they commit: the later writer waits,
    so date_added follows commit order and no bookmark passes a row committed later."""
    actor = _principal(pg, world.analyst.token)
    slow, fast = indicator("198.51.100.60", Tlp.CLEAR), indicator("198.51.100.61", Tlp.CLEAR)
    with pg.transaction() as uow:  # begins first
        _add(uow, actor, slow)
        clock.advance(milliseconds=5)

        def later() -> TaxiiStatus:
            with pg.transaction() as other:
                return _add(other, actor, fast)

        thread, outcome = _in_thread(later)
        _wait_for_a_lock_wait(pg, thread, outcome)  # the second writer waits for our commit
        assert _ids(_read(pg, actor, ObjectQuery())) == []  # nothing committed yet
    thread.join(timeout=30)
    assert not thread.is_alive() and isinstance(outcome[0], TaxiiStatus), outcome
    seen = _read(pg, actor, ObjectQuery(limit=1))
    assert _ids(seen) == [slow["id"]]
    bookmark = ObjectQuery(added_after=seen.last_added) if resume == "added_after" else \
        ObjectQuery(after=(seen.items[-1].date_added, seen.items[-1].pk))
    assert _ids(_read(pg, actor, bookmark)) == [fast["id"]]


def _wait_for_a_lock_wait(db: Database, thread: threading.Thread, outcome: list[object]) -> None:
    """PostgreSQL reads backend activity once per transaction, so each look runs in a
    transaction of its own (autocommit); a writer that ended instead of waiting fails now."""
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                   "AND datname = current_database()")

    def died() -> str | None:
        return None if thread.is_alive() else f"the second writer ended: {outcome!r}"

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        poll(lambda: bool(conn.execute(waiting).scalar()), 30,
             "a transaction waiting on a lock", died=died)


def _in_thread(work: Callable[[], TaxiiStatus]) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # the test inspects what happened
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_same_object_in_two_overlapping_envelopes_is_stored_once_and_both_succeed(
    pg: Database, world: World
) -> None:
    first = second = _principal(pg, world.analyst.token)  # versions are their creator's
    shared, own = indicator("198.51.100.62", Tlp.CLEAR), indicator("198.51.100.63", Tlp.CLEAR)
    with pg.transaction() as uow:
        _add(uow, first, shared)

        def later() -> TaxiiStatus:
            with pg.transaction() as other:
                return _add(other, second, shared, own)

        thread, outcome = _in_thread(later)
        _wait_for_a_lock_wait(pg, thread, outcome)  # the other envelope waits for our commit
    thread.join(timeout=30)
    assert not thread.is_alive()
    (status,) = outcome
    assert isinstance(status, TaxiiStatus), status
    assert [s.id for s in status.successes] == [shared["id"], own["id"]]
    assert not status.failures
