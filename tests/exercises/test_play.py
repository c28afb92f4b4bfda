"""Players acknowledge and answer released injects; response times are recorded; the
console shows who acknowledged what; exercise incidents stay out of real lists."""

from __future__ import annotations

import pytest

from rcsc.core.clock import FrozenClock
from rcsc.exercises import clock as exclock
from rcsc.exercises import play
from rcsc.incidents import service as incidents
from rcsc.storage import Database
from rcsc.storage.repos.incidents import IncidentQuery, Page
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data

INCIDENT = {"title": "Exercise: wiper on SCADA", "rsit_class": "malicious-code",
            "rsit_type": "infected-system", "severity": "high", "tlp": "amber"}


@pytest.fixture
def world(db: Database, clock: FrozenClock) -> ExerciseWorld:
    made = build(db, injects=[inject_data(1, "M+0"), inject_data(2, "M+0", to=["PL"])])
    with db.transaction() as uow:
        exclock.start(uow, made.people["controller"], made.exercise_id)
    return made


def _first(world: ExerciseWorld):  # type: ignore[no-untyped-def]
    with world.db.transaction() as uow:
        return uow.exercises.injects(world.exercise_id)[0]


def test_response_times_are_recorded_per_team(world: ExerciseWorld,
                                              clock: FrozenClock) -> None:
    inject = _first(world)
    clock.advance(seconds=45)
    with world.db.transaction() as uow:
        ack = play.acknowledge(uow, world.people["ua_player"], world.exercise_id, inject.id)
    clock.advance(seconds=75)
    with world.db.transaction() as uow:
        play.respond(uow, world.people["ua_player"], world.exercise_id, inject.id,
                     "CERT-UA isolates the affected substation network.")
        answers = uow.exercises.responses(world.exercise_id)
        exercise = uow.exercises.get(world.exercise_id)
    assert ack.seconds_after_release == 45 and ack.team == "UA"
    assert [a.seconds_after_release for a in answers] == [45, 120]
    assert exercise is not None
    times = {t.team: t for t in play.team_times(exercise, answers)}
    assert times["UA"].median_ack_seconds == 45
    assert times["UA"].median_response_seconds == 120
    assert times["PL"].acknowledged == 0 and times["PL"].median_ack_seconds is None


def test_the_console_shows_who_acknowledged_what(world: ExerciseWorld) -> None:
    inject = _first(world)
    with world.db.transaction() as uow:
        play.acknowledge(uow, world.people["pl_player"], world.exercise_id, inject.id)
        rows = play.console(uow, world.people["controller"], world.exercise_id)
    by_number = {r.inject.number: r for r in rows}
    assert set(by_number[1].teams) == {"PL", "UA"}
    ack, answer = by_number[1].teams["PL"]
    assert ack is not None and ack.user_name == "pl_player" and answer is None
    assert by_number[1].teams["UA"] == (None, None)
    assert set(by_number[2].teams) == {"PL"}  # addressed to PL only


def test_players_cannot_open_the_console(world: ExerciseWorld) -> None:
    from rcsc.errors import PermissionDenied

    with world.db.transaction() as uow, pytest.raises(PermissionDenied):
        play.console(uow, world.people["ua_player"], world.exercise_id)


def test_an_exercise_incident_is_filed_and_kept_out_of_real_lists(
        world: ExerciseWorld) -> None:
    inject = _first(world)
    player = world.people["ua_player"]
    with world.db.transaction() as uow:
        answer = play.respond(uow, player, world.exercise_id, inject.id, "", INCIDENT)
    assert answer.incident_id is not None
    with world.db.transaction() as uow:
        viewer = incidents.viewer_for(uow, player)
        real = uow.incidents.search(viewer, IncidentQuery(), Page())
        drill = uow.incidents.search(viewer, IncidentQuery(exercise=True), Page())
        filed = uow.incidents.get(answer.incident_id, viewer)
    assert answer.incident_id not in [i.id for i in real]
    assert [i.id for i in drill] == [answer.incident_id]
    assert filed is not None and filed.exercise_id == world.exercise_id


def test_an_empty_answer_is_refused(world: ExerciseWorld) -> None:
    from rcsc.errors import ValidationFailed

    with world.db.transaction() as uow, pytest.raises(ValidationFailed, match="text"):
        play.respond(uow, world.people["ua_player"], world.exercise_id, _first(world).id, " ")
