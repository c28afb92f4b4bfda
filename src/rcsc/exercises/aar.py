"""The After-Action Report / Improvement Plan (HSEEP AAR/IP) of an exercise, assembled from
what is stored: the summary, the timeline of released injects and responses, ratings per
objective with their score breakdown, strengths and areas for improvement, per-team
response times, lessons learned, ATT&CK coverage and the improvement plan. The page and
the PDF render this one structure, so they always agree.

It is for the exercise's participants, and it holds only released injects: an inject never
released stays in the scenario, not in the report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from rcsc.core.exercise_plans import Answer, CorrectiveAction, Question, Rating
from rcsc.core.exercises import Exercise, Inject, Response
from rcsc.core.identity import AuditEvent, Principal
from rcsc.errors import PermissionDenied
from rcsc.exercises import evaluation, play, service
from rcsc.exercises.evaluation import ObjectiveScore
from rcsc.storage import UnitOfWork


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "inject", "acknowledged", "responded"
    inject_number: int
    title: str
    team: str
    text: str
    seconds_after_release: int | None


@dataclass(frozen=True)
class Report:
    exercise: Exercise
    organisations: list[str]
    generated_at: datetime
    released: int
    planned: int
    scores: list[ObjectiveScore]
    counts: dict[Rating, int]
    strengths: list[tuple[str, str]]  # (objective code, text)
    improvements: list[tuple[str, str]]
    timeline: list[TimelineEntry]
    team_times: list[play.TeamTimes]
    lessons: list[tuple[Question, list[Answer]]]
    coverage: list[tuple[str, list[int]]]
    actions: list[CorrectiveAction]
    org_names: dict[uuid.UUID, str]


def _timeline(injects: list[Inject], answers: list[Response]) -> list[TimelineEntry]:
    by_id = {i.id: i for i in injects}
    entries = [TimelineEntry(i.released_at, "inject", i.number, i.title, ", ".join(i.recipients),
                             i.text, None) for i in injects if i.released_at is not None]
    entries += [TimelineEntry(a.at, a.kind.value, by_id[a.inject_id].number,
                              by_id[a.inject_id].title, a.team, a.text, a.seconds_after_release)
                for a in answers if a.inject_id in by_id]
    return sorted(entries, key=lambda e: (e.at, e.inject_number, e.kind != "inject"))


def build(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> Report:
    exercise = service.get(uow, actor, exercise_id)
    if actor.user_id is None or not exercise.roles_of(actor.user_id):
        raise PermissionDenied("the after-action report is for the exercise's participants",
                               action="exercise.aar", required="exercise:participant")
    everything = uow.exercises.injects(exercise.id)
    released = [i for i in everything if i.released]
    answers = uow.exercises.responses(exercise.id)
    scores = evaluation.scores(uow, exercise)
    ratings = [e for s in scores for e in (s.overall, *(t[1] for t in s.tasks)) if e]
    code_of = {s.objective.id: s.objective.code for s in scores}
    asked = uow.exercises.plans.questions(exercise.id)
    given = uow.exercises.plans.answers(q.id for q in asked)
    org_names = {o.id: o.name for o in uow.orgs.list()}
    uow.audit.append(uow.clock.now(), actor, AuditEvent(
        action="exercise.aar", object_type="exercise", object_id=str(exercise.id),
        detail={"tlp": exercise.tlp.value}))
    return Report(
        exercise=exercise, generated_at=uow.clock.now(),
        organisations=sorted(org_names.get(o, str(o)) for o in exercise.org_ids),
        released=len(released), planned=len(everything), scores=scores,
        counts=evaluation.rating_counts(scores),
        strengths=[(code_of[e.objective_id], e.strengths) for e in ratings if e.strengths],
        improvements=[(code_of[e.objective_id], e.improvements) for e in ratings
                      if e.improvements],
        timeline=_timeline(released, answers), team_times=play.team_times(exercise, answers),
        lessons=[(q, [a for a in given if a.question_id == q.id]) for q in asked],
        coverage=evaluation.coverage(released),
        actions=uow.exercises.plans.actions(exercise_ids=[exercise.id]),
        org_names=org_names)
