"""The indexer of a serving process: a daemon thread that indexes new objects every few
seconds (`core.periodic`), after their writes have committed, so no request waits for it
and a failure here never touches the write it would index (it is retried at the next round)."""

from __future__ import annotations

import logging

from rcsc.core.periodic import Periodic
from rcsc.intel.alerts import AlertRules, after_index
from rcsc.intel.index import catch_up
from rcsc.storage import Database

log = logging.getLogger("rcsc.intel")


class Indexer:
    def __init__(self, db: Database, every_seconds: float,
                 alerts: AlertRules | None = None) -> None:
        self.db = db
        self.alerts = alerts
        self._thread = Periodic("rcsc-indexer", every_seconds, self.round, log)

    def start(self) -> None:
        if self._thread.every > 0:
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._thread.stop(timeout)

    def round(self) -> int:
        done = catch_up(self.db, on_batch=self._alert if self.alerts else None)
        if done:
            log.info("indexed %d objects", done)
        return done

    def _alert(self, object_pks: list[int]) -> None:
        """Alerts for a committed batch (`intel.alerts`); a failure is logged and leaves the
        indexed batch as it is."""
        assert self.alerts is not None
        try:
            made = after_index(self.db, object_pks, self.alerts)
        except Exception:
            log.exception("raising alerts for %d objects failed", len(object_pks))
            return
        if made:
            log.info("raised %d alerts", made)
