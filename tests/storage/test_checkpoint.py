"""WAL checkpoints in a background thread: the log is copied back into the database file
after commits without the committing request doing it, nothing committed is lost, and the
request connections keep a (larger) automatic checkpoint as a safety net."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text

from rcsc.storage import Database
from rcsc.storage.checkpoint import DEFAULT_PAGES, SAFETY_NET_PAGES, WalCheckpointer


def _database(tmp_path: Path, sqlite_template: Path) -> Database:
    target = tmp_path / "rcsc.sqlite3"
    shutil.copy(sqlite_template, target)
    return Database(f"sqlite:///{target}")


def _autocheckpoint(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def _write(db: Database, rows: int) -> None:
    with db.transaction() as uow:
        uow.session.execute(text("CREATE TABLE IF NOT EXISTS filler (n INTEGER, blob BLOB)"))
        uow.session.execute(text("INSERT INTO filler VALUES (:n, randomblob(4000))"),
                            [{"n": n} for n in range(rows)])


def _checkpointed(checkpointer: WalCheckpointer) -> bool:
    last = checkpointer.last
    return last is not None and not last.busy and last.log_frames == last.checkpointed_frames


def test_commits_are_checkpointed_by_the_thread_not_the_writer(
        tmp_path: Path, sqlite_template: Path) -> None:
    db = _database(tmp_path, sqlite_template)
    assert _autocheckpoint(db) == DEFAULT_PAGES
    db.start_checkpointer()
    checkpointer = db._checkpointer
    assert checkpointer is not None
    assert _autocheckpoint(db) == SAFETY_NET_PAGES  # the writers' own, much larger
    done = threading.Event()
    _write(db, 500)  # ~2 MB: past SQLite's default automatic checkpoint
    for _ in range(200):
        if _checkpointed(checkpointer) and checkpointer.last and checkpointer.last.log_frames:
            done.set()
            break
        done.wait(0.05)
    assert done.is_set(), f"no complete checkpoint after the commit: {checkpointer.last}"
    db.dispose()
    assert checkpointer._thread.is_alive() is False


def test_nothing_committed_is_lost_and_the_log_restarts(
        tmp_path: Path, sqlite_template: Path) -> None:
    db = _database(tmp_path, sqlite_template)
    db.start_checkpointer()
    for _ in range(5):
        _write(db, 300)
    db.dispose()  # stopping checkpoints what is committed, a last time
    with sqlite3.connect(tmp_path / "rcsc.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM filler").fetchone() == (1500,)
        busy, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and frames == done  # nothing left in the log to copy


def test_postgresql_and_memory_have_no_checkpointer(tmp_path: Path) -> None:
    db = Database("sqlite://")
    db.start_checkpointer()
    assert db._checkpointer is None
    db.dispose()
