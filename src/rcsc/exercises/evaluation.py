"""Evaluating an exercise: P/S/M/U ratings per objective and critical task with
observations, a score breakdown that shows how every number is made (the complaint of
Locked Shields players: scores they could not trace), lessons-learned questions (answers
optionally anonymous), the improvement plan's corrective actions, and the ATT&CK
coverage of the MSEL."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from rcsc.accounts.audit import record
from rcsc.core.exercise_plans import (
    ActionStatus,
    Answer,
    CorrectiveAction,
    Evaluation,
    Objective,
    Question,
    Rating,
)
from rcsc.core.exercises import Exercise, ExerciseRole, Inject
from rcsc.core.identity import AuditEvent, Principal
from rcsc.errors import NotFound, PermissionDenied, ValidationFailed
from rcsc.exercises import fields, msel, service
from rcsc.incidents import fields as f
from rcsc.storage import UnitOfWork

R = ExerciseRole
RATERS = (R.EVALUATOR,)
REVIEWERS = (R.EVALUATOR, R.PLANNER, R.CONTROLLER)


def _audit(uow: UnitOfWork, actor: Principal, action: str, exercise: Exercise,
           **detail: object) -> None:
    record(uow, actor, AuditEvent(action=action, object_type="exercise",
                                  object_id=str(exercise.id), detail=dict(detail)))


def rate(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID, objective_id: uuid.UUID,
         data: Mapping[str, Any]) -> Evaluation:
    """An evaluator's rating of an objective (task "") or one of its critical tasks."""
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, *RATERS, action="exercise.rate")
    objective = _objective(uow, exercise, objective_id)
    c = f.Collector()
    task = str(data.get("task") or "").strip()
    if task and task not in objective.critical_tasks:
        c.fail("task", f"{task!r} is not a critical task of {objective.code}")
    rating = c.check("rating", _rating, data.get("rating"))
    texts = {name: c.check(name, f.text(name, 20_000, required=False), data.get(name, ""))
             for name in ("observations", "strengths", "improvements")}
    c.raise_if_any()
    assert rating is not None
    evaluation = Evaluation(uuid.uuid4(), exercise.id, objective.id, task, rating,
                            texts["observations"] or "", texts["strengths"] or "",
                            texts["improvements"] or "", actor.email, uow.clock.now())
    uow.exercises.plans.put_evaluation(evaluation)
    _audit(uow, actor, "exercise.rate", exercise, objective=objective.code, task=task,
           rating=rating.value)
    return evaluation


def _rating(value: Any) -> Rating:
    try:
        return Rating(str(value).strip().upper())
    except ValueError:
        raise ValidationFailed.field("rating", f"{value!r} is not one of P, S, M, U") from None


def _objective(uow: UnitOfWork, exercise: Exercise, objective_id: uuid.UUID) -> Objective:
    for objective in uow.exercises.plans.objectives(exercise.id):
        if objective.id == objective_id:
            return objective
    raise NotFound("objective", objective_id)


@dataclass(frozen=True)
class ObjectiveScore:
    """An objective with its ratings and how its points are made."""

    objective: Objective
    overall: Evaluation | None  # the rating of the objective as a whole
    tasks: tuple[tuple[str, Evaluation | None], ...]  # each critical task and its rating
    points: int  # the sum of the ratings' points (P 3, S 2, M 1, U 0)
    possible: int  # 3 per rating given

    @property
    def explanation(self) -> str:
        rated = [e for e in (self.overall, *(t[1] for t in self.tasks)) if e is not None]
        terms = " + ".join(f"{e.rating.value}={e.rating.points}" for e in rated)
        return f"{terms} = {self.points} of {self.possible}" if rated else "not rated yet"


def scores(uow: UnitOfWork, exercise: Exercise) -> list[ObjectiveScore]:
    ratings = uow.exercises.plans.evaluations(exercise.id)
    result = []
    for o in uow.exercises.plans.objectives(exercise.id):
        mine = {e.task: e for e in ratings if e.objective_id == o.id}
        tasks = tuple((t, mine.get(t)) for t in o.critical_tasks)
        given = [e for e in (mine.get(""), *(e for _, e in tasks)) if e is not None]
        result.append(ObjectiveScore(o, mine.get(""), tasks,
                                     sum(e.rating.points for e in given), 3 * len(given)))
    return result


def evaluation(uow: UnitOfWork, actor: Principal,
               exercise_id: uuid.UUID) -> tuple[Exercise, list[ObjectiveScore]]:
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, *REVIEWERS, action="exercise.evaluation")
    return exercise, scores(uow, exercise)


# --- lessons learned -------------------------------------------------------------------------


def ask(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID, text: str,
        anonymous: bool) -> Question:
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, R.EVALUATOR, R.PLANNER, action="exercise.ask")
    cleaned = f.text("text", 2000, required=True)(text)
    question = Question(uuid.uuid4(), exercise.id, cleaned, anonymous)
    uow.exercises.plans.add_question(question)
    _audit(uow, actor, "exercise.question", exercise, anonymous=anonymous)
    return question


def questions(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> list[Question]:
    exercise = service.get(uow, actor, exercise_id)
    if actor.user_id is None or not exercise.roles_of(actor.user_id):
        return []
    return uow.exercises.plans.questions(exercise.id)


def answer(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
           question_id: uuid.UUID, text: str) -> Answer:
    """Any participant answers; for an anonymous question no trace of who is kept (not
    even in the audit log)."""
    exercise = service.get(uow, actor, exercise_id)
    if actor.user_id is None or not exercise.roles_of(actor.user_id):
        raise PermissionDenied("lessons-learned questions are for participants",
                               action="exercise.answer", required="exercise:participant")
    found = [q for q in uow.exercises.plans.questions(exercise.id) if q.id == question_id]
    if not found:
        raise NotFound("question", question_id)
    cleaned = f.text("text", 20_000, required=True)(text)
    anonymous = found[0].anonymous
    given = Answer(uuid.uuid4(), question_id, None if anonymous else actor.user_id,
                   "" if anonymous else actor.name, cleaned, uow.clock.now())
    uow.exercises.plans.add_answer(given)
    if not anonymous:
        _audit(uow, actor, "exercise.answer", exercise)
    return given


def answers(uow: UnitOfWork, actor: Principal,
            exercise_id: uuid.UUID) -> list[tuple[Question, list[Answer]]]:
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, *REVIEWERS, action="exercise.answers")
    asked = uow.exercises.plans.questions(exercise.id)
    given = uow.exercises.plans.answers(q.id for q in asked)
    return [(q, [a for a in given if a.question_id == q.id]) for q in asked]


# --- improvement plan ------------------------------------------------------------------------


def add_action(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
               data: Mapping[str, Any]) -> CorrectiveAction:
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, R.EVALUATOR, R.PLANNER,
                         action="exercise.corrective-action")
    c = f.Collector()
    text = c.check("text", f.text("text", 2000, required=True), data.get("text", ""))
    owner = c.check("owner_org_id", lambda v: next(iter(f.ids("owner_org_id")([v]))),
                    data.get("owner_org_id"))
    due = c.check("due_on", fields.day("due_on"), data.get("due_on"))
    code = str(data.get("objective_code") or "").strip()
    if code and code not in {o.code for o in uow.exercises.plans.objectives(exercise.id)}:
        c.fail("objective_code", f"{code!r} is not an objective of the exercise")
    if owner is not None and uow.orgs.get(owner) is None:
        c.fail("owner_org_id", f"no such organisation: {owner}")
    c.raise_if_any()
    assert owner is not None and isinstance(due, date)
    action = CorrectiveAction(uuid.uuid4(), exercise.id, code, text or "", owner, due,
                              ActionStatus.OPEN)
    uow.exercises.plans.add_action(action)
    _audit(uow, actor, "exercise.corrective-action", exercise, objective=code)
    return action


def close_action(uow: UnitOfWork, actor: Principal, action_id: uuid.UUID) -> CorrectiveAction:
    """Done: by a planner or evaluator of its exercise, or by its owner organisation."""
    action = uow.exercises.plans.action(action_id)
    if action is None:
        raise NotFound("corrective action", action_id)
    exercise = service.get(uow, actor, action.exercise_id)
    roles = exercise.roles_of(actor.user_id) if actor.user_id else frozenset()
    if actor.org_id != action.owner_org_id and not roles & {R.PLANNER, R.EVALUATOR}:
        raise PermissionDenied("only the owner organisation or the exercise's planners "
                               "close a corrective action", action="exercise.corrective-action",
                               required="owner organisation")
    now = uow.clock.now()
    uow.exercises.plans.set_action_status(action.id, {"status": ActionStatus.DONE.value,
                                                      "closed_at": now})
    _audit(uow, actor, "exercise.corrective-action.close", exercise)
    closed = uow.exercises.plans.action(action.id)
    assert closed is not None
    return closed


# --- ATT&CK coverage -------------------------------------------------------------------------


def coverage(injects: list[Inject]) -> list[tuple[str, list[int]]]:
    """Each ATT&CK technique the injects exercise, with the injects' numbers (a
    sub-technique also counts for its parent, as the ATT&CK Navigator shows it)."""
    found: dict[str, set[int]] = {}
    for inject in injects:
        for technique in inject.techniques:
            found.setdefault(technique, set()).add(inject.number)
            if "." in technique:
                found.setdefault(technique.split(".")[0], set()).add(inject.number)
    return sorted((t, sorted(n)) for t, n in found.items())


def coverage_for(uow: UnitOfWork, actor: Principal,
                 exercise_id: uuid.UUID) -> list[tuple[str, list[int]]]:
    """Over the injects the actor may read (players: the released ones)."""
    exercise = service.get(uow, actor, exercise_id)
    return coverage(msel.visible_injects(uow, actor, exercise))


def rating_counts(items: list[ObjectiveScore]) -> dict[Rating, int]:
    counted = Counter(e.rating for s in items
                      for e in (s.overall, *(t[1] for t in s.tasks)) if e is not None)
    return {r: counted.get(r, 0) for r in Rating}
