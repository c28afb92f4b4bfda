"""The demo's exercises: a planned LT-UA-PL grid tabletop (objectives, meetings, a
20-inject MSEL) and a finished, evaluated one whose AAR renders and whose open corrective
actions show in the planned one's planning."""

from __future__ import annotations

import shutil
from pathlib import Path

from rcsc import demo
from rcsc.accounts import bootstrap, users
from rcsc.accounts.auth import principal_for
from rcsc.core.clock import FrozenClock
from rcsc.core.exercises import ExerciseStatus
from rcsc.core.identity import ActorType
from rcsc.exercises import aar, planning, service
from rcsc.storage import Database


def test_the_demo_has_a_planned_and_a_finished_exercise(tmp_path: Path,
                                                        sqlite_template: Path) -> None:
    target = tmp_path / "rcsc.sqlite3"
    shutil.copy(sqlite_template, target)
    db = Database(f"sqlite:///{target}", clock=FrozenClock())
    try:
        with db.transaction() as uow:
            bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                                 admin_email="admin@rcsc.example")
            demo.load(uow)
        with db.transaction() as uow:
            planner = principal_for(users.by_email(uow, "planner@rcsc.example"),
                                    via=ActorType.USER)
            player = principal_for(users.by_email(uow, "player@ua-mod.example"),
                                   via=ActorType.USER)
            found = {e.status: e for e in service.list_visible(uow, planner)}
            planned = found[ExerciseStatus.PLANNING]
            done = found[ExerciseStatus.EVALUATED]
            assert len(uow.exercises.injects(planned.id)) == 20
            assert [o.code for o in planning.objectives(uow, planner, planned.id)] == [
                "O1", "O2", "O3"]
            kinds = [m.kind.value for m in planning.meetings(uow, planner, planned.id)]
            assert kinds == ["concept-objectives", "initial", "midterm", "final"]
            carried = planning.open_actions_before(uow, planner, planned)
            assert len(carried) == 2
            report = aar.build(uow, player, done.id)
            assert report.released == 19 and report.timeline
            assert [s.overall.rating.value for s in report.scores if s.overall] == [
                "S", "M", "P"]
    finally:
        db.dispose()
