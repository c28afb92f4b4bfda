"""Who sees what of an exercise: the sharing rule for the exercise, exercise roles for the
scenario; a player never reads an unreleased inject through any service path."""

from __future__ import annotations

import pytest

from rcsc.core.clock import FrozenClock
from rcsc.errors import NotFound, PermissionDenied
from rcsc.exercises import clock as exclock
from rcsc.exercises import msel, play, service
from rcsc.storage import Database
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data


@pytest.fixture
def world(db: Database, clock: FrozenClock) -> ExerciseWorld:
    made = build(db, injects=[inject_data(1, "M+0", to=["UA"]), inject_data(2, "M+10"),
                              inject_data(3, "M+0", to=["PL"])])
    with db.transaction() as uow:
        exclock.start(uow, made.people["controller"], made.exercise_id)
    return made


def _numbers(world: ExerciseWorld, who: str) -> list[int]:
    with world.db.transaction() as uow:
        exercise = service.get(uow, world.people[who], world.exercise_id)
        return [i.number for i in msel.visible_injects(uow, world.people[who], exercise)]


@pytest.mark.parametrize(("who", "expected"), [
    ("planner", [1, 2, 3]),  # trusted agent
    ("controller", [1, 2, 3]),
    ("evaluator", [1, 2, 3]),
    ("helper", [1, 3]),  # a planner, not a trusted agent: released only
    ("observer", [1, 3]),
    ("ua_player", [1]),  # released and addressed to UA
    ("pl_player", [3]),
])
def test_each_role_reads_what_it_may_of_the_msel(world: ExerciseWorld, who: str,
                                                 expected: list[int]) -> None:
    assert _numbers(world, who) == expected


def test_a_player_cannot_read_an_unreleased_inject_by_any_service_path(
        world: ExerciseWorld) -> None:
    player = world.people["ua_player"]
    with world.db.transaction() as uow:
        hidden = [i for i in uow.exercises.injects(world.exercise_id) if i.number == 2][0]
        exercise = service.get(uow, player, world.exercise_id)
        with pytest.raises(NotFound):
            msel.get_inject(uow, player, exercise, hidden.id)
        assert 2 not in [i.number for i in msel.export_injects(uow, player, exercise.id)]
        assert 2 not in [item.inject.number for item in play.inbox(uow, player, exercise.id)]
        with pytest.raises(NotFound):
            play.acknowledge(uow, player, exercise.id, hidden.id)
        assert exercise.scenario  # the service returns it; the API and pages hide it


def test_the_outsider_sees_no_amber_exercise_and_gets_404(world: ExerciseWorld) -> None:
    outsider = world.people["outsider"]
    with world.db.transaction() as uow:
        assert service.list_visible(uow, outsider) == []
        with pytest.raises(NotFound):
            service.get(uow, outsider, world.exercise_id)
        assert [e.id for e in service.list_visible(uow, world.people["ua_player"])] == [
            world.exercise_id]


def test_a_clear_exercise_is_seen_by_everyone_but_its_injects_are_not(
        world: ExerciseWorld) -> None:
    with world.db.transaction() as uow:
        service.update(uow, world.people["planner"], world.exercise_id, {"tlp": "clear"})
    assert _numbers(world, "outsider") == []
    with world.db.transaction() as uow, pytest.raises(PermissionDenied):
        play.acknowledge(uow, world.people["outsider"], world.exercise_id,
                         uow.exercises.injects(world.exercise_id)[0].id)


def test_only_a_trusted_agent_changes_the_scenario_or_names_trusted_agents(
        world: ExerciseWorld) -> None:
    helper = world.people["helper"]
    with world.db.transaction() as uow, pytest.raises(PermissionDenied, match="trusted"):
        service.update(uow, helper, world.exercise_id, {"scenario": "leaked"})
    with world.db.transaction() as uow, pytest.raises(PermissionDenied, match="trusted"):
        service.set_participants(uow, helper, world.exercise_id, [
            {"user_id": str(helper.user_id), "role": "planner", "trusted_agent": True}])
