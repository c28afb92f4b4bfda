"""Planning and evaluation of an exercise as data: SMART objectives with capability and
critical tasks, the HSEEP planning meetings, the ENISA go/no-go checklist, P/S/M/U ratings,
lessons-learned questions and the improvement plan's corrective actions.

Sources: HSEEP (2020) — planning meetings, the Exercise Evaluation Guide (core capability →
critical tasks → rating and observations), the AAR/IP with its P/S/M/U scale; the ENISA
Cybersecurity Exercise Methodology — six phases with a go/no-go check at each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class MeetingKind(StrEnum):
    CONCEPT_OBJECTIVES = "concept-objectives"  # C&O: type, scope, objectives
    INITIAL = "initial"  # IPM
    MIDTERM = "midterm"  # MPM
    FINAL = "final"  # FPM
    OTHER = "other"


class Phase(StrEnum):
    INITIATION = "initiation"
    DESIGN = "design"
    PREPARATION = "preparation"
    EXECUTION = "execution"
    EVALUATION = "evaluation"
    MOVING_FORWARD = "moving-forward"


# The go/no-go checks of each ENISA phase, as (key, text): what must hold before moving on.
CHECKLIST: dict[Phase, tuple[tuple[str, str], ...]] = {
    Phase.INITIATION: (
        ("mandate", "Mandate and sponsor agreed by the participating organisations"),
        ("scope", "Scope, exercise type and participating countries decided"),
        ("team", "Planning team named, trusted agents identified"),
    ),
    Phase.DESIGN: (
        ("objectives", "SMART objectives agreed and linked to capabilities"),
        ("scenario", "Scenario written and approved by the trusted agents"),
        ("msel", "MSEL drafted with expected actions per inject"),
    ),
    Phase.PREPARATION: (
        ("logistics", "Venue, connections and communication channels tested"),
        ("roles", "Controllers, evaluators and player teams briefed"),
        ("final-msel", "Final MSEL frozen at the Final Planning Meeting"),
    ),
    Phase.EXECUTION: (
        ("startex", "STARTEX: all teams checked in"),
        ("control", "White cell in control of the clock and contingency injects"),
        ("endex", "ENDEX called and a hot wash held"),
    ),
    Phase.EVALUATION: (
        ("ratings", "Every objective rated P/S/M/U with observations"),
        ("lessons", "Lessons-learned answers collected"),
        ("aar", "After-action report drafted and shared"),
    ),
    Phase.MOVING_FORWARD: (
        ("plan", "Improvement plan agreed: corrective actions with owners and dates"),
        ("tracking", "Corrective actions tracked into the next exercise"),
    ),
}


class Rating(StrEnum):
    """HSEEP's performance ratings, best first."""

    P = "P"  # performed without challenges
    S = "S"  # performed with some challenges
    M = "M"  # performed with major challenges
    U = "U"  # unable to be performed

    @property
    def label(self) -> str:
        return _RATING_LABELS[self]

    @property
    def points(self) -> int:
        """For the score breakdown: P 3, S 2, M 1, U 0 (shown, never hidden in a total)."""
        return 3 - list(Rating).index(self)


_RATING_LABELS = {
    Rating.P: "Performed without challenges",
    Rating.S: "Performed with some challenges",
    Rating.M: "Performed with major challenges",
    Rating.U: "Unable to be performed",
}


@dataclass(frozen=True)
class Objective:
    id: uuid.UUID
    exercise_id: uuid.UUID
    code: str  # "O1": injects name objectives by it
    text: str  # the SMART objective
    capability: str  # the core capability it exercises
    critical_tasks: tuple[str, ...]


@dataclass(frozen=True)
class ActionItem:
    id: uuid.UUID
    meeting_id: uuid.UUID
    text: str
    owner: str
    due_on: date | None
    done: bool = False


@dataclass(frozen=True)
class Meeting:
    id: uuid.UUID
    exercise_id: uuid.UUID
    kind: MeetingKind
    title: str
    starts_at: datetime
    minutes_long: int
    attendees: tuple[str, ...]
    minutes: str  # what was decided (the meeting's record)
    actions: tuple[ActionItem, ...] = ()


@dataclass(frozen=True)
class CheckMark:
    phase: Phase
    key: str
    done_by: str
    done_at: datetime


@dataclass(frozen=True)
class Evaluation:
    """One rating of an objective as a whole (task "") or of one of its critical tasks."""

    id: uuid.UUID
    exercise_id: uuid.UUID
    objective_id: uuid.UUID
    task: str
    rating: Rating
    observations: str
    strengths: str
    improvements: str  # areas for improvement
    evaluator: str
    at: datetime


@dataclass(frozen=True)
class Question:
    id: uuid.UUID
    exercise_id: uuid.UUID
    text: str
    anonymous: bool  # answers are stored without who gave them


@dataclass(frozen=True)
class Answer:
    id: uuid.UUID
    question_id: uuid.UUID
    user_id: uuid.UUID | None  # None when the question is anonymous
    author: str
    text: str
    at: datetime


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True)
class CorrectiveAction:
    """A line of the improvement plan; open ones follow into the next exercises."""

    id: uuid.UUID
    exercise_id: uuid.UUID
    objective_code: str
    text: str
    owner_org_id: uuid.UUID
    due_on: date
    status: ActionStatus
    closed_at: datetime | None = None
