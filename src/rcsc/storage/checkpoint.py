"""SQLite WAL checkpoints off the request path.

In WAL mode every commit appends to the log, and by default the commit that takes the log
past 1,000 pages also copies the log back into the database file and syncs it (an automatic
checkpoint) before the request that made it can answer. For bulk writes that was about two
fifths of a 1,000-object TAXII envelope's commit. `rcsc serve` instead lets a thread of its
own do PASSIVE checkpoints shortly after commits; sqlite3 releases the GIL while it copies
and syncs, so the work runs on another core while requests go on. A PASSIVE checkpoint
never blocks readers or writers; the first writer after a complete one restarts the log, so
the file stays small. The request connections keep an automatic checkpoint as a safety net,
at a much larger size, should this thread fall behind or stop.

https://www.sqlite.org/wal.html#checkpointing
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass

log = logging.getLogger("rcsc.storage")

SAFETY_NET_PAGES = 16_384  # 64 MiB of 4 KiB pages: only if the thread falls behind
DEFAULT_PAGES = 1_000  # SQLite's own default


@dataclass(frozen=True)
class Checkpoint:
    """What one `PRAGMA wal_checkpoint` reported."""

    busy: bool
    log_frames: int
    checkpointed_frames: int


class WalCheckpointer:
    """A daemon thread with its own connection to the database file: woken by `nudge()`
    (after a commit), it checkpoints at most every `pause` seconds."""

    def __init__(self, path: str, *, pause: float = 0.05) -> None:
        self.path = path
        self.pause = pause
        self.last: Checkpoint | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wal-checkpointer",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread after a last checkpoint of what is committed."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=1000")
            while not self._stop.is_set():
                self._wake.wait()
                self._wake.clear()
                self._round(conn)
                self._stop.wait(self.pause)
            self._round(conn)
        finally:
            conn.close()

    def _round(self, conn: sqlite3.Connection) -> None:
        try:
            busy, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.last = Checkpoint(bool(busy), int(frames), int(done))
        except sqlite3.Error:  # locked for longer than the busy timeout: next time
            log.warning("WAL checkpoint of %s postponed", self.path, exc_info=True)
