"""Creating, reading and changing exercises, and who may do what inside one.

Which exercises a person sees is the sharing rule's: an exercise is marked like everything
else (its TLP, the lead organisation as owner, the participating organisations and the
participants as recipients), and `rcsc.sharing.visible` decides. What a person may do inside
one is decided by their exercise roles; someone who may not see an exercise gets the same
404 as for one that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from rcsc.accounts.audit import record
from rcsc.core.exercises import (
    Exercise,
    ExerciseClock,
    ExerciseRole,
    ExerciseStatus,
    ExerciseType,
    Participant,
    may_transition,
)
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.permissions import Action, require
from rcsc.core.tlp import Tlp
from rcsc.errors import FieldError, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed
from rcsc.exercises import fields
from rcsc.incidents import fields as f
from rcsc.incidents.service import AUDITED_READS, viewer_for
from rcsc.sharing import Marking, visible
from rcsc.storage import UnitOfWork

R = ExerciseRole
REQUIRED = ("name", "type", "starts_on", "ends_on")


def marking(exercise: Exercise) -> Marking:
    return Marking(tlp=exercise.tlp, owner_org_id=exercise.lead_org_id,
                   author_id=exercise.created_by, recipient_org_ids=exercise.org_ids,
                   recipient_user_ids=frozenset(p.user_id for p in exercise.participants))


def may_see(uow: UnitOfWork, actor: Principal, exercise: Exercise) -> bool:
    viewer = viewer_for(uow, actor)
    return viewer is not None and visible(viewer, marking(exercise))


def list_visible(uow: UnitOfWork, actor: Principal) -> list[Exercise]:
    require(actor, Action.EXERCISE_READ)
    viewer = viewer_for(uow, actor)
    if viewer is None:
        return []
    return [e for e in uow.exercises.every() if visible(viewer, marking(e))]


def get(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> Exercise:
    require(actor, Action.EXERCISE_READ)
    exercise = uow.exercises.get(exercise_id)
    if exercise is None or not may_see(uow, actor, exercise):
        raise NotFound("exercise", exercise_id)
    if exercise.tlp in AUDITED_READS:
        record(uow, actor, _event("exercise.read", exercise))
    return exercise


def require_role(exercise: Exercise, actor: Principal, *roles: ExerciseRole,
                 action: str) -> None:
    """PermissionDenied unless the actor holds one of `roles` in this exercise."""
    require(actor, Action.EXERCISE_ACT)
    held = exercise.roles_of(actor.user_id) if actor.user_id else frozenset()
    if not held & set(roles):
        needed = " or ".join(r.value for r in roles)
        raise PermissionDenied(f"{action} needs the exercise role {needed}",
                               action=action, required=f"exercise:{needed}")


def require_scenario(exercise: Exercise, actor: Principal, action: str) -> None:
    """The scenario and unreleased injects: controllers, evaluators, trusted agents."""
    require(actor, Action.EXERCISE_ACT)
    if actor.user_id is None or not exercise.sees_scenario(actor.user_id):
        raise PermissionDenied(f"{action} needs a controller, evaluator or trusted-agent "
                               "planner of the exercise", action=action,
                               required="exercise:trusted-agent")


def create(uow: UnitOfWork, actor: Principal, data: Mapping[str, Any]) -> Exercise:
    require(actor, Action.EXERCISE_CREATE)
    if actor.org_id is None or actor.user_id is None:
        raise PermissionDenied("creating an exercise needs a member organisation")
    missing = [FieldError(n, "is required") for n in REQUIRED if data.get(n) in (None, "")]
    if missing:
        raise ValidationFailed(missing)
    now = uow.clock.now()
    blank = Exercise(
        id=uuid.uuid4(), name="", type=ExerciseType.TABLETOP, status=ExerciseStatus.DRAFT,
        tlp=Tlp.AMBER, lead_org_id=actor.org_id, created_by=actor.user_id,
        starts_on=now.date(), ends_on=now.date(), timezone="UTC", description="",
        scenario="", countries=(), org_ids=frozenset({actor.org_id}),
        participants=(Participant(actor.user_id, R.PLANNER, trusted_agent=True),),
        clock=ExerciseClock(), version=1, created_at=now, updated_at=now)
    exercise = fields.apply_exercise(blank, data)
    _check_orgs(uow, exercise.org_ids)
    uow.exercises.add(exercise)
    record(uow, actor, _event("exercise.create", exercise))
    return exercise


def _check_orgs(uow: UnitOfWork, org_ids: Iterable[uuid.UUID]) -> None:
    bad = [FieldError("org_ids", f"no such organisation: {o}") for o in sorted(org_ids, key=str)
           if uow.orgs.get(o) is None]
    if bad:
        raise ValidationFailed(bad)


def store(uow: UnitOfWork, before: Exercise, after: Exercise) -> Exercise:
    """Write `after` over `before` with the next version; a concurrent change loses."""
    stored = replace(after, version=before.version + 1, updated_at=uow.clock.now())
    if not uow.exercises.update(stored, before.version):
        raise PreconditionFailed("the exercise was changed by someone else at the same "
                                 "time; reload and try again")
    return stored


def update(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
           changes: Mapping[str, Any], expected_version: int | None = None) -> Exercise:
    exercise = get(uow, actor, exercise_id)
    require_role(exercise, actor, R.PLANNER, action="exercise.update")
    if expected_version is not None and expected_version != exercise.version:
        raise PreconditionFailed(f"the exercise is now at version {exercise.version}",
                                 exercise.version)
    if "scenario" in changes:
        require_scenario(exercise, actor, "exercise.scenario")
    changed = fields.apply_exercise(exercise, changes)
    _check_orgs(uow, changed.org_ids)
    stored = store(uow, exercise, changed)
    record(uow, actor, _event("exercise.update", stored, fields=sorted(changes)))
    return stored


def set_participants(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                     people: Sequence[Mapping[str, Any]]) -> Exercise:
    """Replace the exercise's participants (planners only). Trusted agents may only be
    named by a trusted agent, so the scenario cannot be opened from outside its circle."""
    exercise = get(uow, actor, exercise_id)
    require_role(exercise, actor, R.PLANNER, action="exercise.participants")
    parsed = _participants(uow, people)
    if any(p.trusted_agent for p in parsed):
        require_scenario(exercise, actor, "exercise.participants")
    stored = store(uow, exercise, replace(exercise, participants=tuple(parsed)))
    record(uow, actor, _event("exercise.participants", stored, count=len(parsed)))
    return stored


def _participants(uow: UnitOfWork, people: Sequence[Mapping[str, Any]]) -> list[Participant]:
    c = f.Collector()
    result: list[Participant] = []
    for index, item in enumerate(people):
        user_id = c.check(f"participants.{index}.user_id",
                          lambda v: next(iter(f.ids("user_id")([v]))),
                          item.get("user_id"))
        role = c.check(f"participants.{index}.role",
                       fields.choice(f"participants.{index}.role", ExerciseRole),
                       item.get("role"))
        team = c.check(f"participants.{index}.team", f.text(
            f"participants.{index}.team", 64, required=False), item.get("team") or "")
        if user_id is not None and uow.users.get(user_id) is None:
            c.fail(f"participants.{index}.user_id", f"no such user: {user_id}")
        if user_id and role:
            result.append(Participant(user_id, role, team or "",
                                      bool(item.get("trusted_agent", False))))
    c.raise_if_any()
    return result


def transition(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
               target: str) -> Exercise:
    """Planning states are moved by planners; `evaluated` by an evaluator or planner. The
    clock states (running, paused) only through the clock, which keeps its times."""
    exercise = get(uow, actor, exercise_id)
    status = fields.choice("status", ExerciseStatus)(target)
    if status in (ExerciseStatus.RUNNING, ExerciseStatus.PAUSED, ExerciseStatus.COMPLETED):
        raise ValidationFailed.field("status", "start, pause, resume and stop the exercise "
                                     "with its clock")
    roles = (R.EVALUATOR, R.PLANNER) if status == ExerciseStatus.EVALUATED else (R.PLANNER,)
    require_role(exercise, actor, *roles, action="exercise.status")
    if not may_transition(exercise.status, status):
        raise ValidationFailed.field("status", f"an exercise cannot go from "
                                     f"{exercise.status.value} to {status.value}")
    stored = store(uow, exercise, replace(exercise, status=status))
    record(uow, actor, _event("exercise.status", stored, to=status.value))
    return stored


def _event(action: str, exercise: Exercise, **detail: object) -> AuditEvent:
    return AuditEvent(action=action, object_type="exercise", object_id=str(exercise.id),
                      detail={"tlp": exercise.tlp.value, **detail})
