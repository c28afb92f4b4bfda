"""Joint exercises as data: HSEEP types, the status workflow, per-exercise roles, injects of
the MSEL and the `D+1 H+03:45` real-time offsets planners write them with.

Sources: HSEEP (2020) exercise types and roles; the ENISA exercise methodology; colour teams
as in PRODUCT.md ("Exercises").
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from rcsc.core.attachments import FileDigest
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed


class ExerciseType(StrEnum):
    """The seven HSEEP types (four discussion-based, three operations-based) plus the
    technical (live-fire, cyber range) exercise of Locked Shields style events."""

    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    TABLETOP = "tabletop"
    GAME = "game"
    DRILL = "drill"
    FUNCTIONAL = "functional"
    FULL_SCALE = "full-scale"
    TECHNICAL = "technical"


class ExerciseStatus(StrEnum):
    DRAFT = "draft"
    PLANNING = "planning"
    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    CANCELLED = "cancelled"


S = ExerciseStatus
# The workflow of the issue: draft → planning → ready → running ⇄ paused → completed →
# evaluated; any state before completion may be cancelled. Running/paused are entered only
# through the clock (start, pause, resume, stop), which keeps the clock state consistent.
TRANSITIONS: dict[ExerciseStatus, frozenset[ExerciseStatus]] = {
    S.DRAFT: frozenset({S.PLANNING, S.CANCELLED}),
    S.PLANNING: frozenset({S.READY, S.DRAFT, S.CANCELLED}),
    S.READY: frozenset({S.RUNNING, S.PLANNING, S.CANCELLED}),
    S.RUNNING: frozenset({S.PAUSED, S.COMPLETED, S.CANCELLED}),
    S.PAUSED: frozenset({S.RUNNING, S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset({S.EVALUATED}),
    S.EVALUATED: frozenset(),
    S.CANCELLED: frozenset(),
}
CLOCK_STATES = frozenset({S.RUNNING, S.PAUSED})


def may_transition(current: ExerciseStatus, target: ExerciseStatus) -> bool:
    return target in TRANSITIONS[current]


class ExerciseRole(StrEnum):
    """Per-exercise roles (colour teams): planners design it, controllers (white cell) run
    it, evaluators rate it, players (blue, one team per nation) and red play it."""

    PLANNER = "planner"
    CONTROLLER = "controller"
    EVALUATOR = "evaluator"
    PLAYER = "player"
    RED = "red"
    OBSERVER = "observer"


class Delivery(StrEnum):
    IN_APP = "in-app"
    EMAIL = "email"
    PHONE = "phone"
    TECHNICAL = "technical"


class DependsOn(StrEnum):
    """What must have happened to the inject an inject depends on before it is released."""

    ACKNOWLEDGED = "acknowledged"
    RESPONDED = "responded"


class ResponseKind(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    RESPONDED = "responded"


ALL_TEAMS = "all"


@dataclass(frozen=True)
class Participant:
    user_id: uuid.UUID
    role: ExerciseRole
    team: str = ""  # a player's or red team's label, e.g. the nation "UA"
    trusted_agent: bool = False  # a planner who may see the scenario


@dataclass(frozen=True)
class ExerciseClock:
    """The exercise clock as stored: everything needed to know where it stands at any
    moment, so a restarted server (or another process) computes the same schedule."""

    started_at: datetime | None = None
    paused_at: datetime | None = None
    paused_seconds: int = 0  # pauses that have ended, in total
    stopped_at: datetime | None = None

    def elapsed(self, now: datetime) -> timedelta:
        """Exercise time that has run: wall time since start, less every pause (the one in
        progress too). Releases compare offsets with this, so a pause shifts the schedule
        and nothing bursts out when it ends."""
        if self.started_at is None:
            return timedelta(0)
        end = self.stopped_at or self.paused_at or now
        return end - self.started_at - timedelta(seconds=self.paused_seconds)

    def due_at(self, offset: int) -> datetime | None:
        """The wall time an offset is due at if the clock is not paused again."""
        if self.started_at is None:
            return None
        return self.started_at + timedelta(seconds=self.paused_seconds + offset)


@dataclass(frozen=True)
class Exercise:
    id: uuid.UUID
    name: str
    type: ExerciseType
    status: ExerciseStatus
    tlp: Tlp
    lead_org_id: uuid.UUID
    created_by: uuid.UUID | None
    starts_on: date
    ends_on: date
    timezone: str
    description: str
    scenario: str  # the scenario narrative: seen only by those who see the MSEL
    countries: tuple[str, ...]
    org_ids: frozenset[uuid.UUID]  # participating organisations (the lead included)
    participants: tuple[Participant, ...]
    clock: ExerciseClock
    version: int
    created_at: datetime
    updated_at: datetime

    def roles_of(self, user_id: uuid.UUID) -> frozenset[ExerciseRole]:
        return frozenset(p.role for p in self.participants if p.user_id == user_id)

    def teams_of(self, user_id: uuid.UUID) -> frozenset[str]:
        return frozenset(p.team for p in self.participants if p.user_id == user_id and p.team)

    def sees_scenario(self, user_id: uuid.UUID) -> bool:
        """Controllers, evaluators and trusted-agent planners see injects before release."""
        return any(
            p.user_id == user_id and (
                p.role in (ExerciseRole.CONTROLLER, ExerciseRole.EVALUATOR)
                or (p.role == ExerciseRole.PLANNER and p.trusted_agent))
            for p in self.participants)


@dataclass(frozen=True)
class Inject:
    """One MSEL line. `offset_seconds` is real time after the start of the exercise clock;
    `scenario_time` is the time in the story (free text, e.g. `2027-03-02 06:10`)."""

    id: uuid.UUID
    exercise_id: uuid.UUID
    number: int
    title: str
    offset_seconds: int
    scenario_time: str = ""
    sender: str = ""
    recipients: tuple[str, ...] = ()  # team labels or organisation names; "all" = every team
    delivery: Delivery = Delivery.IN_APP
    text: str = ""
    attachments: tuple[str, ...] = ()  # file names or links handed to the players
    expected_actions: str = ""
    objectives: tuple[str, ...] = ()  # objective codes, e.g. "O1"
    controller: str = ""  # the responsible controller (name or e-mail)
    techniques: tuple[str, ...] = ()  # MITRE ATT&CK technique ids
    contingency: bool = False  # released only by hand ("release now")
    depends_on: int | None = None  # the number of the inject this one waits for
    depends_condition: DependsOn = DependsOn.ACKNOWLEDGED
    released_at: datetime | None = None
    released_by: str = ""  # "clock" or the e-mail of whoever pressed "release now"

    @property
    def released(self) -> bool:
        return self.released_at is not None

    def addressed_to(self, teams: frozenset[str]) -> bool:
        wanted = {r.lower() for r in self.recipients}
        return not wanted or ALL_TEAMS in wanted or bool(wanted & {t.lower() for t in teams})


@dataclass(frozen=True)
class Response:
    id: uuid.UUID
    inject_id: uuid.UUID
    exercise_id: uuid.UUID
    kind: ResponseKind
    user_id: uuid.UUID
    user_name: str
    team: str
    text: str
    incident_id: uuid.UUID | None
    at: datetime
    seconds_after_release: int | None = None


@dataclass(frozen=True)
class ResponseAttachment:
    """A file a player attached to an answer; the bytes are in the evidence blob store."""

    id: uuid.UUID
    response_id: uuid.UUID
    exercise_id: uuid.UUID
    team: str  # the responding team: it and the white cell may read the file
    filename: str
    content_type: str
    digest: FileDigest
    uploaded_by: uuid.UUID
    created_at: datetime


@dataclass(frozen=True)
class InjectAttachment:
    """A file a planner or controller attached to an inject (a scanned letter, a log the
    story hands the players); the bytes are in the evidence blob store. Whoever may read
    the inject's text may read it; once the inject is released it is part of the record."""

    id: uuid.UUID
    inject_id: uuid.UUID
    exercise_id: uuid.UUID
    filename: str
    content_type: str
    digest: FileDigest
    uploaded_by: uuid.UUID
    created_at: datetime


@dataclass(frozen=True)
class Msel:
    """An exercise's injects in order, as imported or exported."""

    injects: tuple[Inject, ...] = field(default_factory=tuple)


# --- real-time offsets ----------------------------------------------------------------------

_OFFSET = re.compile(
    r"^\s*(?:D\+(?P<d>\d{1,3}))?\s*"
    r"(?:H\+(?P<h>\d{1,4})(?::(?P<hm>\d{2}))?(?::(?P<hs>\d{2}))?)?\s*"
    r"(?:M\+(?P<m>\d{1,5}))?\s*(?:S\+(?P<s>\d{1,6}))?\s*$", re.IGNORECASE)


def parse_offset(text: str, field_name: str = "offset") -> int:
    """Seconds from `D+1 H+03:45` (day 1, 3 h 45 min after the start of day 0), also
    `H+2`, `M+90`, `D+2 H+3 M+45` (OpenBAS style) and `H+00:00:30`."""
    match = _OFFSET.match(text or "")
    if match is None or not any(match.groupdict().values()):
        raise ValidationFailed.field(field_name, f"{text!r} is not an offset like D+1 H+03:45")
    g = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    if g["hm"] > 59 or g["hs"] > 59:
        raise ValidationFailed.field(field_name, f"{text!r}: minutes and seconds stop at 59")
    return (g["d"] * 86400 + g["h"] * 3600 + g["hm"] * 60 + g["hs"] + g["m"] * 60 + g["s"])


def format_offset(seconds: int) -> str:
    """The canonical form `D+1 H+03:45` (with `:ss` only when there are seconds):
    `parse_offset(format_offset(n)) == n` for every n >= 0."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    tail = f":{secs:02d}" if secs else ""
    return f"D+{days} H+{hours:02d}:{minutes:02d}{tail}"
