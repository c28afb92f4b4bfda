"""The exercise clock: start, pause, resume, stop, "release now", and the release step the
worker runs every second.

Everything the schedule needs is stored on the exercise (start time, the pause in progress,
the total of ended pauses), so any process computes the same due times, and a restart
loses nothing: an inject is due when its offset is within the exercise time that has run
(`ExerciseClock.elapsed`), which stands still during a pause. So a pause shifts every later
inject by its length and nothing bursts out when it ends (OpenBAS #1637, #2282), and
"release now" does not wait for the clock at all (OpenBAS #1395).

Each release is claimed in the database (`ExerciseRepo.claim_release`), so with any number
of processes each inject is released exactly once.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from rcsc.accounts.audit import record
from rcsc.core.exercises import Exercise, ExerciseClock, ExerciseStatus, Inject
from rcsc.core.identity import AuditEvent, Principal
from rcsc.errors import Conflict, NotFound
from rcsc.exercises import service
from rcsc.storage import UnitOfWork

S = ExerciseStatus
CONTROL = (service.R.CONTROLLER,)
BY_CLOCK = "clock"


def _controlled(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                allowed_from: tuple[ExerciseStatus, ...], action: str) -> Exercise:
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, *CONTROL, action=action)
    if exercise.status not in allowed_from:
        raise Conflict(f"{action.split('.')[-1]}: the exercise is {exercise.status.value}, "
                       f"not {' or '.join(s.value for s in allowed_from)}", field="status")
    return exercise


def _move(uow: UnitOfWork, actor: Principal, before: Exercise, status: ExerciseStatus,
          clock: ExerciseClock, action: str) -> Exercise:
    stored = service.store(uow, before, replace(before, status=status, clock=clock))
    record(uow, actor, AuditEvent(action=action, object_type="exercise",
                                  object_id=str(before.id),
                                  detail={"elapsed_seconds": _seconds(stored, uow)}))
    return stored


def _seconds(exercise: Exercise, uow: UnitOfWork) -> int:
    return int(exercise.clock.elapsed(uow.clock.now()).total_seconds())


def start(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> Exercise:
    exercise = _controlled(uow, actor, exercise_id, (S.READY,), "exercise.clock.start")
    stored = _move(uow, actor, exercise, S.RUNNING, ExerciseClock(started_at=uow.clock.now()),
                   "exercise.clock.start")
    release_due_for(uow, stored)  # what is due at D+0 H+00:00 goes out at once
    return stored


def pause(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> Exercise:
    exercise = _controlled(uow, actor, exercise_id, (S.RUNNING,), "exercise.clock.pause")
    release_due_for(uow, exercise)  # what fell due before the pause is not held back by it
    return _move(uow, actor, exercise, S.PAUSED,
                 replace(exercise.clock, paused_at=uow.clock.now()), "exercise.clock.pause")


def end_pause(clock: ExerciseClock, now: datetime) -> ExerciseClock:
    """The clock with the pause in progress (if any) added to the ended pauses."""
    if clock.paused_at is None:
        return clock
    length = int((now - clock.paused_at).total_seconds())
    return replace(clock, paused_at=None, paused_seconds=clock.paused_seconds + length)


def resume(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> Exercise:
    exercise = _controlled(uow, actor, exercise_id, (S.PAUSED,), "exercise.clock.resume")
    stored = _move(uow, actor, exercise, S.RUNNING,
                   end_pause(exercise.clock, uow.clock.now()), "exercise.clock.resume")
    release_due_for(uow, stored)
    return stored


def stop(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> Exercise:
    """End the exercise: nothing more is released (ENDEX)."""
    exercise = _controlled(uow, actor, exercise_id, (S.RUNNING, S.PAUSED),
                           "exercise.clock.stop")
    if exercise.status == S.RUNNING:
        release_due_for(uow, exercise)
    now = uow.clock.now()
    clock = replace(end_pause(exercise.clock, now), stopped_at=now)
    return _move(uow, actor, exercise, S.COMPLETED, clock, "exercise.clock.stop")


def release_now(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                inject_id: uuid.UUID) -> Inject:
    """Release one inject at once, whatever its time, its dependency or a pause: the
    controller's call (contingency injects are released only this way)."""
    exercise = _controlled(uow, actor, exercise_id, (S.RUNNING, S.PAUSED),
                           "exercise.inject.release")
    inject = uow.exercises.inject(inject_id)
    if inject is None or inject.exercise_id != exercise.id:
        raise NotFound("inject", inject_id)
    if not uow.exercises.claim_release(inject.id, uow.clock.now(), actor.email):
        raise Conflict(f"inject {inject.number} has already been released")
    record(uow, actor, AuditEvent(action="exercise.inject.release", object_type="exercise",
                                  object_id=str(exercise.id), detail={"inject": inject.number}))
    released = uow.exercises.inject(inject.id)
    assert released is not None
    return released


def release_due_for(uow: UnitOfWork, exercise: Exercise) -> list[Inject]:
    """Release the exercise's injects that are due now and whose dependency holds."""
    if exercise.status != S.RUNNING:
        return []
    now = uow.clock.now()
    elapsed = int(exercise.clock.elapsed(now).total_seconds())
    released = []
    for inject in uow.exercises.due(exercise.id, elapsed):
        if inject.depends_on is not None and not uow.exercises.dependency_met(
                exercise.id, inject.depends_on, inject.depends_condition):
            continue  # released at the first step after the dependency is met
        if uow.exercises.claim_release(inject.id, now, BY_CLOCK):
            released.append(replace(inject, released_at=now, released_by=BY_CLOCK))
    return released


def release_due(uow: UnitOfWork) -> list[Inject]:
    """One step of the clock for every running exercise (the worker's round)."""
    released: list[Inject] = []
    for exercise_id in uow.exercises.ids_with_clock_running():
        exercise = uow.exercises.get(exercise_id)
        if exercise is not None:
            released += release_due_for(uow, exercise)
    return released
