"""The indexer of a serving process: a daemon thread that indexes new objects every few
seconds, after their writes have committed, so no request waits for it and a failure here
never touches the write it would index (it is retried at the next tick)."""

from __future__ import annotations

import logging
import threading

from rcsc.intel.index import catch_up
from rcsc.storage import Database

log = logging.getLogger("rcsc.intel")


class Indexer:
    def __init__(self, db: Database, every_seconds: float) -> None:
        self.db = db
        self.every = every_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.every <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="rcsc-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                done = catch_up(self.db)
            except Exception:  # a bad tick is logged and retried; the thread lives on
                log.exception("indexing failed; retrying at the next tick")
                continue
            if done:
                log.info("indexed %d objects", done)
