"""The exercise clock with an injected clock: releases at the right second across pauses,
"release now" during a pause, dependencies, a restart, and two processes on PostgreSQL."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta

import pytest

from rcsc.core.clock import FrozenClock
from rcsc.core.exercises import Inject
from rcsc.errors import Conflict
from rcsc.exercises import clock as exclock
from rcsc.exercises import play
from rcsc.exercises.worker import ReleaseWorker
from rcsc.storage import Database
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data


def _injects(world: ExerciseWorld) -> dict[int, Inject]:
    with world.db.transaction() as uow:
        return {i.number: i for i in uow.exercises.injects(world.exercise_id)}


def _step(world: ExerciseWorld) -> list[int]:
    """One round of the worker, as `rcsc serve` runs it; the numbers it released."""
    return [i.number for i in ReleaseWorker(world.db, 1).round()]


def _do(world: ExerciseWorld, fn: object, who: str = "controller", *args: object) -> object:
    with world.db.transaction() as uow:
        return fn(uow, world.people[who], world.exercise_id, *args)  # type: ignore[operator]


@pytest.fixture
def world(db: Database) -> ExerciseWorld:
    return build(db, injects=[inject_data(1, "D+0 H+00:00"), inject_data(2, "M+1 S+30"),
                              inject_data(3, "H+1"), inject_data(4, "D+1 H+03:45")])


def test_injects_are_released_at_their_second(world: ExerciseWorld,
                                              clock: FrozenClock) -> None:
    started = clock.now()
    _do(world, exclock.start)
    assert _injects(world)[1].released_at == started  # D+0 goes out with the start
    clock.advance(seconds=89)
    assert _step(world) == []
    clock.advance(seconds=1)
    assert _step(world) == [2]
    assert _injects(world)[2].released_at == started + timedelta(seconds=90)
    clock.advance(seconds=3600 - 90 - 1)
    assert _step(world) == []
    clock.advance(seconds=1)
    assert _step(world) == [3]
    clock.advance(days=1, hours=3, minutes=45, seconds=-3600 - 1)
    assert _step(world) == []
    clock.advance(seconds=1)
    assert _step(world) == [4]
    assert _injects(world)[4].released_at == started + timedelta(days=1, hours=3, minutes=45)



def test_a_pause_shifts_the_schedule_without_a_burst(world: ExerciseWorld,
                                                     clock: FrozenClock) -> None:
    started = clock.now()
    _do(world, exclock.start)
    clock.advance(seconds=60)
    _do(world, exclock.pause)  # at exercise time 60 s
    clock.advance(hours=5)  # a long pause: injects 2 and 3 "should" have gone meanwhile
    assert _step(world) == []
    _do(world, exclock.resume)
    assert _step(world) == []  # no burst: exercise time is still 60 s
    clock.advance(seconds=29)
    assert _step(world) == []
    clock.advance(seconds=1)
    assert _step(world) == [2]
    assert _injects(world)[2].released_at == started + timedelta(hours=5, seconds=90)
    clock.advance(seconds=3600 - 90)
    assert _step(world) == [3]


def test_two_pauses_add_up(world: ExerciseWorld, clock: FrozenClock) -> None:
    started = clock.now()
    _do(world, exclock.start)
    for _ in range(2):
        clock.advance(seconds=30)
        _do(world, exclock.pause)
        clock.advance(minutes=10)
        _do(world, exclock.resume)
    clock.advance(seconds=29)
    assert _step(world) == []
    clock.advance(seconds=1)
    assert _step(world) == [2]
    assert _injects(world)[2].released_at == started + timedelta(minutes=20, seconds=90)


def test_release_now_during_a_pause_is_immediate_and_once(world: ExerciseWorld,
                                                          clock: FrozenClock) -> None:
    _do(world, exclock.start)
    clock.advance(seconds=10)
    _do(world, exclock.pause)
    clock.advance(minutes=3)
    at = clock.now()
    with world.db.transaction() as uow:
        exclock.release_now(uow, world.people["controller"], world.exercise_id,
                          _injects(world)[3].id)
    assert _injects(world)[3].released_at == at
    assert _injects(world)[3].released_by == "controller@lt.example"
    with pytest.raises(Conflict, match="already been released"), \
            world.db.transaction() as uow:
        exclock.release_now(uow, world.people["controller"], world.exercise_id,
                          _injects(world)[3].id)
    _do(world, exclock.resume)
    clock.advance(hours=2)
    assert _step(world) == [2]  # 3 is not released a second time


def test_after_stop_nothing_is_released(world: ExerciseWorld, clock: FrozenClock) -> None:
    _do(world, exclock.start)
    _do(world, exclock.stop)
    clock.advance(days=3)
    assert _step(world) == []
    assert [n for n, i in _injects(world).items() if i.released] == [1]


def test_only_controllers_run_the_clock(world: ExerciseWorld) -> None:
    from rcsc.errors import PermissionDenied

    for who in ("planner", "ua_player", "evaluator"):
        with pytest.raises(PermissionDenied, match="controller"):
            _do(world, exclock.start, who)


def test_dependencies_hold(db: Database, clock: FrozenClock) -> None:
    world = build(db, injects=[
        inject_data(1, "M+0"),
        inject_data(2, "M+5", depends_on=1),
        inject_data(3, "M+5", depends_on=1, depends_condition="responded"),
        inject_data(4, "M+0", contingency=True)])
    _do(world, exclock.start)
    clock.advance(minutes=10)
    assert _step(world) == []  # 2 and 3 wait for 1; 4 waits for a controller
    first = _injects(world)[1].id
    _do(world, play.acknowledge, "ua_player", first)
    assert _step(world) == [2]  # acknowledged: 2 goes; 3 needs an answer
    _do(world, play.respond, "pl_player", first, "We isolate the SCADA segment.")
    assert _step(world) == [3]
    clock.advance(days=2)
    assert _step(world) == []
    assert not _injects(world)[4].released


def test_a_restart_releases_each_pending_inject_once(world: ExerciseWorld,
                                                     clock: FrozenClock) -> None:
    _do(world, exclock.start)
    clock.advance(seconds=100)
    assert _step(world) == [2]
    world.db.dispose()  # the server stops while the exercise runs ...
    clock.advance(hours=2)
    restarted = Database(world.db.url, clock=clock)  # ... and a new process starts
    world.db = restarted
    try:
        assert _step(world) == [3]
        assert _step(world) == []
        released = {n: i.released_at for n, i in _injects(world).items() if i.released}
        assert sorted(released) == [1, 2, 3]
    finally:
        restarted.dispose()


def _process(url: str, now: datetime, barrier: object, out: object) -> None:
    """A second `rcsc serve` process's clock round, started at the same instant."""
    from rcsc.exercises.worker import ReleaseWorker as Worker

    database = Database(url, clock=FrozenClock(now))
    barrier.wait()  # type: ignore[attr-defined]
    numbers: list[int] = []
    for _ in range(5):
        numbers += [i.number for i in Worker(database, 1).round()]
    out.put(numbers)  # type: ignore[attr-defined]
    database.dispose()


def test_two_processes_on_postgresql_release_each_inject_once(
        db: Database, clock: FrozenClock) -> None:
    if db.dialect != "postgresql":
        pytest.skip("several serving processes share PostgreSQL, not SQLite")
    world = build(db, injects=[inject_data(n, f"S+{n}") for n in range(1, 61)])
    with world.db.transaction() as uow:
        clock_start = exclock.start(uow, world.people["controller"], world.exercise_id)
    assert clock_start.status.value == "running"
    clock.advance(minutes=5)
    spawn = multiprocessing.get_context("spawn")
    barrier, out = spawn.Barrier(3), spawn.Queue()
    processes = [spawn.Process(target=_process, args=(db.url, clock.now(), barrier, out))
                 for _ in range(3)]
    for p in processes:
        p.start()
    results = [out.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    every = [n for numbers in results for n in numbers]
    assert sorted(every) == list(range(1, 61))  # each exactly once across the processes
    assert all(i.released for i in _injects(world).values())
