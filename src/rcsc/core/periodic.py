"""A daemon thread that does one piece of work now and then every few seconds, for the
background duties of `rcsc serve` (federation sync, correlation indexing). A failing round
is logged and the next one tries again: the thread never dies of it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


class Periodic:
    def __init__(self, name: str, every_seconds: float, work: Callable[[], object],
                 log: logging.Logger) -> None:
        self.every = every_seconds
        self._work = work
        self._log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to end; a round in flight finishes first, or is abandoned at exit
        (the thread is a daemon)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def round(self) -> None:
        try:
            self._work()
        except Exception:  # the database may be away for a while; try again next round
            self._log.exception("%s: a round failed; trying again in %s s",
                                self._thread.name, self.every)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.round()
            self._stop.wait(self.every)
