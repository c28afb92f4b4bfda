"""Engines and transactions for SQLite (WAL, busy timeout) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from rcsc.core.clock import Clock, SystemClock
from rcsc.errors import Conflict
from rcsc.storage.checkpoint import DEFAULT_PAGES, SAFETY_NET_PAGES, WalCheckpointer
from rcsc.storage.uow import UnitOfWork


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3; everything else is taken as given."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _json_text(value: Any) -> str:
    """JSON columns written by orjson: the standard library's encoder took a tenth of a
    1,000-object TAXII POST on its status row (one detail per object)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# every engine: JSON columns written and read by orjson
JSON_CODEC: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def create_db_engine(url: str, *, sqlite_busy_timeout_ms: int = 10_000,
                     wal_pages: Callable[[], int] = lambda: DEFAULT_PAGES) -> Engine:
    """`wal_pages`: the automatic checkpoint size a new SQLite connection gets."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_timeout_ms / 1000,
                                                  "check_same_thread": False}, **JSON_CODEC)
        _configure_sqlite(engine, sqlite_busy_timeout_ms, wal_pages)
        return engine
    # JIT off: it pays for long analytic queries, not ours. It compiled the sharing filter of
    # every free-text search anew, ~400 ms each (bench/incidents.py: a 25 ms search took 420).
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         connect_args={"options": "-c jit=off"}, **JSON_CODEC)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int,
                      wal_pages: Callable[[], int]) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions start (see "begin" below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(wal_pages())}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
        # instead of failing with "database is locked" when a reader upgrades; read-only
        # transactions start DEFERRED and never wait for writers (WAL).
        mode = "DEFERRED" if conn.get_execution_options().get("rcsc_readonly") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One per process: an engine, a session factory and the clock repositories stamp with."""

    def __init__(self, url: str, *, clock: Clock | None = None, busy_timeout_ms: int = 10_000):
        self.url = normalise_url(url)
        self._checkpointer: WalCheckpointer | None = None
        self.engine = create_db_engine(self.url, sqlite_busy_timeout_ms=busy_timeout_ms,
                                       wal_pages=self._wal_pages)
        self.clock: Clock = clock or SystemClock()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(
            self.engine.execution_options(rcsc_readonly=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[UnitOfWork]:
        """Everything done inside commits together or not at all.

        `readonly` only changes how SQLite locks (it does not stop writes), so use it where
        nothing is written.
        """
        session: Session = (self._readers if readonly else self._sessions)()
        try:
            with session.begin():
                yield UnitOfWork(session, self.clock)
        except IntegrityError as exc:
            raise Conflict(f"the change breaks a uniqueness or reference rule: {exc.orig}") from exc
        finally:
            session.close()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def check_schema(self) -> None:
        """Raise DatabaseBehind unless the schema is at this code's migration head."""
        from rcsc.storage.migrate import check_current

        check_current(self.engine)

    def _wal_pages(self) -> int:
        return SAFETY_NET_PAGES if self._checkpointer is not None else DEFAULT_PAGES

    def start_checkpointer(self) -> None:
        """SQLite on a file: checkpoint the WAL in a background thread from now on
        (`storage.checkpoint`). Nothing to do on PostgreSQL or in memory."""
        path = self.engine.url.database
        if self.dialect != "sqlite" or not path or path == ":memory:" or self._checkpointer:
            return
        self._checkpointer = WalCheckpointer(path)
        self.engine.dispose()  # pooled connections reopen with the larger safety net
        for maker in (self._sessions, self._readers):
            event.listen(maker, "after_commit", self._after_commit)
        self._checkpointer.start()

    def _after_commit(self, _session: Session) -> None:
        if self._checkpointer is not None:
            self._checkpointer.nudge()

    def dispose(self) -> None:
        if self._checkpointer is not None:
            for maker in (self._sessions, self._readers):
                event.remove(maker, "after_commit", self._after_commit)
            self._checkpointer.stop()
            self._checkpointer = None
        self.engine.dispose()
