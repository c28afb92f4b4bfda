"""The delivery worker of a serving process: a daemon thread (`core.periodic`) that drains
the queue every few seconds, so no request and no indexer round waits for a receiver."""

from __future__ import annotations

import logging

from rcsc.config import Settings
from rcsc.core.periodic import Periodic
from rcsc.notify import mail
from rcsc.notify.queue import deliver_due
from rcsc.storage import Database

log = logging.getLogger("rcsc.notify")


class Deliverer:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._thread = Periodic("rcsc-delivery", settings.alert_delivery_seconds, self.round,
                                log)

    def start(self) -> None:
        mail.config_of(self.settings)  # says once in the log when mail is disabled
        if self._thread.every > 0:
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._thread.stop(timeout)

    def round(self) -> int:
        """Drain what is due now, batch by batch."""
        total = 0
        while done := deliver_due(self.db, self.settings):
            total += done
        return total
