"""Exercises: create, read, change, participants and roles, status, and the clock (start,
pause, resume, stop). A caller who may not see an exercise gets 404 for it; one who sees it
but lacks the exercise role gets 403. The services decide; this module parses and answers.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from rcsc.core.exercises import Exercise
from rcsc.core.identity import Principal
from rcsc.exercises import clock, service
from rcsc.storage import UnitOfWork
from rcsc.web.api.exercise_schemas import (
    ExerciseIn,
    ExerciseOut,
    ExercisePatch,
    ParticipantsIn,
    StatusIn,
)
from rcsc.web.deps import ApiUser, Uow


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {}}}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: _problem("no valid credentials"),
    403: _problem("a role or token scope is missing, or the exercise role"),
    404: _problem("no such exercise or inject, or one the caller may not see"),
    409: _problem("the exercise is not in a state that allows it"),
    422: _problem("invalid input: `errors` names every bad field"),
}
router = APIRouter(tags=["exercises"], responses=PROBLEMS)
EXERCISE = "/exercises/{exercise_id}"


def out(uow: UnitOfWork, actor: Principal, exercise: Exercise) -> ExerciseOut:
    return ExerciseOut.of(exercise, actor.user_id, uow.clock.now())


@router.get("/exercises", response_model=list[ExerciseOut])
def list_exercises(uow: Uow, actor: ApiUser) -> list[ExerciseOut]:
    """The exercises the caller may see (the sharing rule on each exercise's marking)."""
    return [out(uow, actor, e) for e in service.list_visible(uow, actor)]


@router.post("/exercises", response_model=ExerciseOut, status_code=status.HTTP_201_CREATED)
def create_exercise(body: ExerciseIn, uow: Uow, actor: ApiUser) -> ExerciseOut:
    data = body.model_dump(exclude_unset=True, mode="json")
    if data.get("lead_org_id") is None:
        data.pop("lead_org_id", None)
    return out(uow, actor, service.create(uow, actor, data))


@router.get(EXERCISE, response_model=ExerciseOut)
def get_exercise(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> ExerciseOut:
    return out(uow, actor, service.get(uow, actor, exercise_id))


@router.patch(EXERCISE, response_model=ExerciseOut)
def update_exercise(exercise_id: uuid.UUID, body: ExercisePatch, uow: Uow,
                    actor: ApiUser) -> ExerciseOut:
    changes = body.model_dump(exclude_unset=True, mode="json")
    return out(uow, actor, service.update(uow, actor, exercise_id, changes))


@router.put(EXERCISE + "/participants", response_model=ExerciseOut)
def set_participants(exercise_id: uuid.UUID, body: ParticipantsIn, uow: Uow,
                     actor: ApiUser) -> ExerciseOut:
    people = [p.model_dump(mode="json") for p in body.participants]
    return out(uow, actor, service.set_participants(uow, actor, exercise_id, people))


@router.post(EXERCISE + "/status", response_model=ExerciseOut)
def move(exercise_id: uuid.UUID, body: StatusIn, uow: Uow, actor: ApiUser) -> ExerciseOut:
    """Planning states; `running`, `paused` and `completed` are the clock's."""
    return out(uow, actor, service.transition(uow, actor, exercise_id, body.status))


@router.post(EXERCISE + "/start", response_model=ExerciseOut)
def start(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> ExerciseOut:
    """Start the clock (controllers; the exercise must be ready): injects at D+0 go out."""
    return out(uow, actor, clock.start(uow, actor, exercise_id))


@router.post(EXERCISE + "/pause", response_model=ExerciseOut)
def pause(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> ExerciseOut:
    """Stop exercise time; every later inject moves by the pause's length."""
    return out(uow, actor, clock.pause(uow, actor, exercise_id))


@router.post(EXERCISE + "/resume", response_model=ExerciseOut)
def resume(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> ExerciseOut:
    return out(uow, actor, clock.resume(uow, actor, exercise_id))


@router.post(EXERCISE + "/stop", response_model=ExerciseOut)
def stop(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> ExerciseOut:
    """End the exercise (ENDEX): nothing more is released; it is then `completed`."""
    return out(uow, actor, clock.stop(uow, actor, exercise_id))
