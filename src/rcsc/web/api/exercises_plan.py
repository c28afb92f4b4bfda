"""Planning and evaluation of exercises: objectives, planning meetings, the go/no-go
checklist, conflicts, carried-over corrective actions, the iCalendar file, P/S/M/U ratings
with the score breakdown, lessons learned, the improvement plan and ATT&CK coverage.
The answers are the domain's own records (`core.exercise_plans`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from rcsc.core.exercise_plans import (
    Answer,
    CheckMark,
    CorrectiveAction,
    Evaluation,
    Meeting,
    MeetingKind,
    Objective,
    Phase,
    Question,
)
from rcsc.exercises import evaluation, planning, play, service
from rcsc.web.api.exercises import EXERCISE, PROBLEMS
from rcsc.web.deps import ApiUser, Uow

router = APIRouter(tags=["exercises"], responses=PROBLEMS)
RatingText = Literal["P", "S", "M", "U"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ObjectiveIn(Strict):
    code: str = Field(min_length=1, max_length=16, description="e.g. O1")
    text: str = Field(min_length=1, max_length=2000, description="the SMART objective")
    capability: str = ""
    critical_tasks: list[str] = []


class ActionItemIn(Strict):
    text: str
    owner: str
    due_on: date | None = None
    done: bool = False


class MeetingIn(Strict):
    kind: MeetingKind
    starts_at: datetime
    minutes_long: int = Field(default=120, ge=1, le=24 * 60)
    title: str = ""
    attendees: list[str] = []
    minutes: str = ""
    actions: list[ActionItemIn] = []


class CheckIn(Strict):
    phase: Phase
    key: str
    done: bool = True


class RatingIn(Strict):
    rating: RatingText
    task: str = Field(default="", description="a critical task; empty: the objective")
    observations: str = ""
    strengths: str = ""
    improvements: str = Field(default="", description="areas for improvement")


class QuestionIn(Strict):
    text: str = Field(min_length=1, max_length=2000)
    anonymous: bool = False


class AnswerIn(Strict):
    text: str = Field(min_length=1, max_length=20_000)


class CorrectiveActionIn(Strict):
    text: str = Field(min_length=1, max_length=2000)
    owner_org_id: uuid.UUID
    due_on: date
    objective_code: str = ""


class CheckOut(BaseModel):
    phase: str
    key: str
    text: str
    done: CheckMark | None


class ConflictOut(BaseModel):
    org_id: uuid.UUID
    exercise_id: uuid.UUID
    exercise_name: str
    starts_on: date
    ends_on: date


class ScoreOut(BaseModel):
    objective: Objective
    overall: Evaluation | None
    tasks: list[tuple[str, Evaluation | None]]
    points: int
    possible: int
    explanation: str


class TeamTimesOut(BaseModel):
    team: str
    acknowledged: int
    responded: int
    median_ack_seconds: float | None
    median_response_seconds: float | None


class EvaluationOut(BaseModel):
    scores: list[ScoreOut]
    counts: dict[str, int]
    team_times: list[TeamTimesOut]


class LessonOut(BaseModel):
    question: Question
    answers: list[Answer]


class CoverageOut(BaseModel):
    technique: str
    injects: list[int]


def _json(model: BaseModel) -> dict[str, object]:
    return model.model_dump(mode="json", exclude_unset=True)


@router.get(EXERCISE + "/objectives", response_model=list[Objective])
def list_objectives(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[Objective]:
    return planning.objectives(uow, actor, exercise_id)


@router.post(EXERCISE + "/objectives", response_model=Objective,
             status_code=status.HTTP_201_CREATED)
def add_objective(exercise_id: uuid.UUID, body: ObjectiveIn, uow: Uow,
                  actor: ApiUser) -> Objective:
    return planning.put_objective(uow, actor, exercise_id, _json(body))


@router.put(EXERCISE + "/objectives/{objective_id}", response_model=Objective)
def replace_objective(exercise_id: uuid.UUID, objective_id: uuid.UUID, body: ObjectiveIn,
                      uow: Uow, actor: ApiUser) -> Objective:
    return planning.put_objective(uow, actor, exercise_id, _json(body), objective_id)


@router.get(EXERCISE + "/meetings", response_model=list[Meeting])
def list_meetings(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[Meeting]:
    return planning.meetings(uow, actor, exercise_id)


@router.post(EXERCISE + "/meetings", response_model=Meeting,
             status_code=status.HTTP_201_CREATED)
def add_meeting(exercise_id: uuid.UUID, body: MeetingIn, uow: Uow,
                actor: ApiUser) -> Meeting:
    return planning.put_meeting(uow, actor, exercise_id, _json(body))


@router.put(EXERCISE + "/meetings/{meeting_id}", response_model=Meeting)
def record_meeting(exercise_id: uuid.UUID, meeting_id: uuid.UUID, body: MeetingIn,
                   uow: Uow, actor: ApiUser) -> Meeting:
    return planning.put_meeting(uow, actor, exercise_id, _json(body), meeting_id)


@router.get(EXERCISE + "/checklist", response_model=list[CheckOut])
def checklist(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[CheckOut]:
    """ENISA's go/no-go checks per phase; `done` says who ticked one and when."""
    return [CheckOut(phase=i.phase.value, key=i.key, text=i.text, done=i.mark)
            for i in planning.checklist(uow, actor, exercise_id)]


@router.put(EXERCISE + "/checklist", response_model=list[CheckOut])
def tick(exercise_id: uuid.UUID, body: CheckIn, uow: Uow, actor: ApiUser) -> list[CheckOut]:
    planning.tick(uow, actor, exercise_id, body.phase.value, body.key, body.done)
    return checklist(exercise_id, uow, actor)


@router.get(EXERCISE + "/conflicts", response_model=list[ConflictOut])
def conflicts(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[ConflictOut]:
    """Organisations of this exercise booked in another one on overlapping days."""
    exercise = service.get(uow, actor, exercise_id)
    return [ConflictOut(org_id=c.org_id, exercise_id=c.other.id, exercise_name=c.other.name,
                        starts_on=c.other.starts_on, ends_on=c.other.ends_on)
            for c in planning.conflicts(uow, actor, exercise)]


@router.get(EXERCISE + "/carried-actions", response_model=list[CorrectiveAction])
def carried_actions(exercise_id: uuid.UUID, uow: Uow,
                    actor: ApiUser) -> list[CorrectiveAction]:
    """Open corrective actions of earlier exercises owned by organisations taking part."""
    exercise = service.get(uow, actor, exercise_id)
    return planning.open_actions_before(uow, actor, exercise)


@router.get(EXERCISE + "/calendar.ics", responses={200: {"content": {"text/calendar": {}}}})
def calendar(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> Response:
    return Response(planning.icalendar(uow, actor, exercise_id), media_type="text/calendar",
                    headers={"Content-Disposition":
                             f'attachment; filename="exercise-{exercise_id}.ics"'})


@router.post(EXERCISE + "/objectives/{objective_id}/ratings", response_model=Evaluation,
             status_code=status.HTTP_201_CREATED)
def rate(exercise_id: uuid.UUID, objective_id: uuid.UUID, body: RatingIn, uow: Uow,
         actor: ApiUser) -> Evaluation:
    """An evaluator's P/S/M/U for the objective or one critical task (replaces the last)."""
    return evaluation.rate(uow, actor, exercise_id, objective_id, _json(body))


@router.get(EXERCISE + "/evaluation", response_model=EvaluationOut)
def evaluation_of(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> EvaluationOut:
    """Ratings with how each score is made, rating counts, per-team response times."""
    exercise, scores = evaluation.evaluation(uow, actor, exercise_id)
    times = play.team_times(exercise, uow.exercises.responses(exercise.id))
    return EvaluationOut(
        scores=[ScoreOut(objective=s.objective, overall=s.overall, tasks=list(s.tasks),
                         points=s.points, possible=s.possible, explanation=s.explanation)
                for s in scores],
        counts={r.value: n for r, n in evaluation.rating_counts(scores).items()},
        team_times=[TeamTimesOut(**t.__dict__) for t in times])


@router.post(EXERCISE + "/questions", response_model=Question,
             status_code=status.HTTP_201_CREATED)
def ask(exercise_id: uuid.UUID, body: QuestionIn, uow: Uow, actor: ApiUser) -> Question:
    return evaluation.ask(uow, actor, exercise_id, body.text, body.anonymous)


@router.get(EXERCISE + "/questions", response_model=list[Question])
def questions(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[Question]:
    return evaluation.questions(uow, actor, exercise_id)


@router.post(EXERCISE + "/questions/{question_id}/answers", response_model=Answer,
             status_code=status.HTTP_201_CREATED)
def answer(exercise_id: uuid.UUID, question_id: uuid.UUID, body: AnswerIn, uow: Uow,
           actor: ApiUser) -> Answer:
    return evaluation.answer(uow, actor, exercise_id, question_id, body.text)


@router.get(EXERCISE + "/lessons", response_model=list[LessonOut])
def lessons(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[LessonOut]:
    """Questions with their answers (anonymous ones without author), for the white cell."""
    return [LessonOut(question=q, answers=a)
            for q, a in evaluation.answers(uow, actor, exercise_id)]


@router.post(EXERCISE + "/corrective-actions", response_model=CorrectiveAction,
             status_code=status.HTTP_201_CREATED)
def add_action(exercise_id: uuid.UUID, body: CorrectiveActionIn, uow: Uow,
               actor: ApiUser) -> CorrectiveAction:
    return evaluation.add_action(uow, actor, exercise_id, _json(body))


@router.post("/corrective-actions/{action_id}/close", response_model=CorrectiveAction)
def close_action(action_id: uuid.UUID, uow: Uow, actor: ApiUser) -> CorrectiveAction:
    return evaluation.close_action(uow, actor, action_id)


@router.get(EXERCISE + "/coverage", response_model=list[CoverageOut])
def coverage(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[CoverageOut]:
    """ATT&CK techniques of the injects the caller may read, with the inject numbers."""
    return [CoverageOut(technique=t, injects=n)
            for t, n in evaluation.coverage_for(uow, actor, exercise_id)]
