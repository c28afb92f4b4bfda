"""Planning and evaluation records of exercises: objectives, meetings with their action
items, the go/no-go checklist, ratings, lessons-learned questions and answers, and the
improvement plan's corrective actions (which outlive their exercise: open ones are shown
to the planners of the next)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from rcsc.core.exercise_plans import (
    ActionItem,
    ActionStatus,
    Answer,
    CheckMark,
    CorrectiveAction,
    Evaluation,
    Meeting,
    MeetingKind,
    Objective,
    Phase,
    Question,
    Rating,
)
from rcsc.storage.exercise_tables import (
    ActionItemRow,
    AnswerRow,
    CheckMarkRow,
    CorrectiveActionRow,
    EvaluationRow,
    MeetingRow,
    ObjectiveRow,
    QuestionRow,
)


def _objective(r: ObjectiveRow) -> Objective:
    return Objective(r.id, r.exercise_id, r.code, r.text, r.capability,
                     tuple(r.critical_tasks))


def _evaluation(r: EvaluationRow) -> Evaluation:
    return Evaluation(r.id, r.exercise_id, r.objective_id, r.task, Rating(r.rating),
                      r.observations, r.strengths, r.improvements, r.evaluator, r.at)


def _action(r: CorrectiveActionRow) -> CorrectiveAction:
    return CorrectiveAction(r.id, r.exercise_id, r.objective_code, r.text, r.owner_org_id,
                            r.due_on, ActionStatus(r.status), r.closed_at)


class ExercisePlanRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    # --- objectives ------------------------------------------------------------------------

    def put_objective(self, o: Objective) -> None:
        self.s.merge(ObjectiveRow(id=o.id, exercise_id=o.exercise_id, code=o.code,
                                  text=o.text, capability=o.capability,
                                  critical_tasks=list(o.critical_tasks)))
        self.s.flush()

    def delete_objective(self, objective_id: uuid.UUID) -> None:
        self.s.execute(delete(EvaluationRow).where(EvaluationRow.objective_id == objective_id))
        self.s.execute(delete(ObjectiveRow).where(ObjectiveRow.id == objective_id))

    def objectives(self, exercise_id: uuid.UUID) -> list[Objective]:
        rows = self.s.scalars(select(ObjectiveRow).where(ObjectiveRow.exercise_id == exercise_id)
                              .order_by(ObjectiveRow.code))
        return [_objective(r) for r in rows]

    # --- meetings --------------------------------------------------------------------------

    def put_meeting(self, m: Meeting) -> None:
        """The meeting with exactly these action items."""
        self.s.merge(MeetingRow(id=m.id, exercise_id=m.exercise_id, kind=m.kind.value,
                                title=m.title, starts_at=m.starts_at,
                                minutes_long=m.minutes_long, attendees=list(m.attendees),
                                minutes=m.minutes))
        self.s.flush()
        self.s.execute(delete(ActionItemRow).where(ActionItemRow.meeting_id == m.id))
        self.s.add_all([ActionItemRow(id=a.id, meeting_id=m.id, text=a.text, owner=a.owner,
                                      due_on=a.due_on, done=a.done) for a in m.actions])
        self.s.flush()

    def delete_meeting(self, meeting_id: uuid.UUID) -> None:
        self.s.execute(delete(ActionItemRow).where(ActionItemRow.meeting_id == meeting_id))
        self.s.execute(delete(MeetingRow).where(MeetingRow.id == meeting_id))

    def meetings(self, exercise_id: uuid.UUID) -> list[Meeting]:
        rows = list(self.s.scalars(select(MeetingRow)
                                   .where(MeetingRow.exercise_id == exercise_id)
                                   .order_by(MeetingRow.starts_at)))
        items: dict[uuid.UUID, list[ActionItem]] = {r.id: [] for r in rows}
        if rows:
            for a in self.s.scalars(select(ActionItemRow)
                                    .where(ActionItemRow.meeting_id.in_(list(items)))
                                    .order_by(ActionItemRow.due_on, ActionItemRow.text)):
                items[a.meeting_id].append(ActionItem(a.id, a.meeting_id, a.text, a.owner,
                                                      a.due_on, a.done))
        return [Meeting(r.id, r.exercise_id, MeetingKind(r.kind), r.title, r.starts_at,
                        r.minutes_long, tuple(r.attendees), r.minutes, tuple(items[r.id]))
                for r in rows]

    # --- checklist -------------------------------------------------------------------------

    def set_check(self, exercise_id: uuid.UUID, mark: CheckMark | None, phase: Phase,
                  key: str) -> None:
        self.s.execute(delete(CheckMarkRow).where(
            CheckMarkRow.exercise_id == exercise_id, CheckMarkRow.phase == phase.value,
            CheckMarkRow.key == key))
        if mark is not None:
            self.s.add(CheckMarkRow(exercise_id=exercise_id, phase=phase.value, key=key,
                                    done_by=mark.done_by, done_at=mark.done_at))
        self.s.flush()

    def checks(self, exercise_id: uuid.UUID) -> list[CheckMark]:
        rows = self.s.scalars(select(CheckMarkRow).where(CheckMarkRow.exercise_id == exercise_id))
        return [CheckMark(Phase(r.phase), r.key, r.done_by, r.done_at) for r in rows]

    # --- evaluation ------------------------------------------------------------------------

    def put_evaluation(self, e: Evaluation) -> None:
        """One rating per objective and task: a new one replaces the last."""
        self.s.execute(delete(EvaluationRow).where(
            EvaluationRow.exercise_id == e.exercise_id,
            EvaluationRow.objective_id == e.objective_id, EvaluationRow.task == e.task))
        self.s.add(EvaluationRow(
            id=e.id, exercise_id=e.exercise_id, objective_id=e.objective_id, task=e.task,
            rating=e.rating.value, observations=e.observations, strengths=e.strengths,
            improvements=e.improvements, evaluator=e.evaluator, at=e.at))
        self.s.flush()

    def evaluations(self, exercise_id: uuid.UUID) -> list[Evaluation]:
        rows = self.s.scalars(select(EvaluationRow)
                              .where(EvaluationRow.exercise_id == exercise_id)
                              .order_by(EvaluationRow.objective_id, EvaluationRow.task))
        return [_evaluation(r) for r in rows]

    def add_question(self, q: Question) -> None:
        self.s.add(QuestionRow(id=q.id, exercise_id=q.exercise_id, text=q.text,
                               anonymous=q.anonymous))
        self.s.flush()

    def questions(self, exercise_id: uuid.UUID) -> list[Question]:
        rows = self.s.scalars(select(QuestionRow).where(QuestionRow.exercise_id == exercise_id)
                              .order_by(QuestionRow.text))
        return [Question(r.id, r.exercise_id, r.text, r.anonymous) for r in rows]

    def add_answer(self, a: Answer) -> None:
        self.s.add(AnswerRow(id=a.id, question_id=a.question_id, user_id=a.user_id,
                             author=a.author, text=a.text, at=a.at))
        self.s.flush()

    def answers(self, question_ids: Iterable[uuid.UUID]) -> list[Answer]:
        ids = list(question_ids)
        if not ids:
            return []
        rows = self.s.scalars(select(AnswerRow).where(AnswerRow.question_id.in_(ids))
                              .order_by(AnswerRow.at, AnswerRow.id))
        return [Answer(r.id, r.question_id, r.user_id, r.author, r.text, r.at) for r in rows]

    # --- improvement plan ------------------------------------------------------------------

    def add_action(self, a: CorrectiveAction) -> None:
        self.s.add(CorrectiveActionRow(
            id=a.id, exercise_id=a.exercise_id, objective_code=a.objective_code, text=a.text,
            owner_org_id=a.owner_org_id, due_on=a.due_on, status=a.status.value,
            closed_at=a.closed_at))
        self.s.flush()

    def set_action_status(self, action_id: uuid.UUID, values: dict[str, Any]) -> None:
        self.s.execute(update(CorrectiveActionRow).where(CorrectiveActionRow.id == action_id)
                       .values(**values))

    def action(self, action_id: uuid.UUID) -> CorrectiveAction | None:
        row = self.s.get(CorrectiveActionRow, action_id)
        return _action(row) if row else None

    def actions(self, *, exercise_ids: Iterable[uuid.UUID] | None = None,
                status: ActionStatus | None = None) -> list[CorrectiveAction]:
        query = select(CorrectiveActionRow)
        if exercise_ids is not None:
            query = query.where(CorrectiveActionRow.exercise_id.in_(list(exercise_ids)))
        if status is not None:
            query = query.where(CorrectiveActionRow.status == status.value)
        rows = self.s.scalars(query.order_by(CorrectiveActionRow.due_on,
                                             CorrectiveActionRow.text))
        return [_action(r) for r in rows]
