"""The exercise clock of a serving process: a daemon thread (`core.periodic`) that releases
due injects every second (RCSC_EXERCISE_TICK_SECONDS), one transaction per round. Any number
of processes may run it: each release is claimed in the database (see `exercises.clock`)."""

from __future__ import annotations

import logging

from rcsc.config import Settings
from rcsc.core.exercises import Inject
from rcsc.core.periodic import Periodic
from rcsc.exercises.clock import release_due
from rcsc.exercises.mailing import mail_released
from rcsc.storage import Database

log = logging.getLogger("rcsc.exercises")


class ReleaseWorker:
    def __init__(self, db: Database, every_seconds: float,
                 settings: Settings | None = None) -> None:
        self.db = db
        self.settings = settings  # for mailing e-mail injects; None: no mail
        self._thread = Periodic("rcsc-exercise-clock", every_seconds, self.round, log)

    def start(self) -> None:
        if self._thread.every > 0:
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._thread.stop(timeout)

    def round(self) -> list[Inject]:
        """A read first: with no exercise running (nearly always) no write transaction is
        opened, so an idle node's SQLite write lock is not taken every second."""
        with self.db.transaction(readonly=True) as uow:
            running = bool(uow.exercises.ids_with_clock_running())
        released: list[Inject] = []
        if running:
            with self.db.transaction() as uow:
                released = release_due(uow)
        for inject in released:
            log.info("exercise %s: released inject %d", inject.exercise_id, inject.number)
        if self.settings is not None:  # also what "release now" released meanwhile
            mail_released(self.db, self.settings)
        return released
