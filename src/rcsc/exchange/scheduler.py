"""The federation scheduler: a thread of `rcsc serve` that syncs due peers every tick.

Each tick claims the due peers in one short transaction (`PeerRepo.claim_due`: on
PostgreSQL `FOR UPDATE SKIP LOCKED`), so with several serve processes on one database each
due sync runs once. A tick that fails (the database is down) is logged and the next one
tries again; a sync never takes the thread down.
"""

from __future__ import annotations

import logging

from rcsc.accounts.auth import system
from rcsc.config import Settings
from rcsc.core.federation import SyncRun
from rcsc.core.periodic import Periodic
from rcsc.exchange import sync
from rcsc.storage import Database

log = logging.getLogger("rcsc.federation")
ACTOR = "federation-scheduler"


class Scheduler:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._thread = Periodic("rcsc-federation", settings.federation_tick_seconds,
                                self.tick, log)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """A sync in flight finishes its current request first (bounded by the federation
        timeouts) or is abandoned at exit."""
        self._thread.stop(timeout)

    def tick(self) -> list[SyncRun]:
        try:
            return sync.run_due(self.db, self.settings, system(ACTOR))
        except Exception:  # the database may be away for a while; try again next tick
            log.exception("federation tick failed")
            return []
