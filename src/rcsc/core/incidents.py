"""Incident reports: the status workflow, NIS2 reporting deadlines and the value types."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Status(StrEnum):
    NEW = "new"
    TRIAGE = "triage"
    IN_PROGRESS = "in-progress"
    CONTAINED = "contained"
    RESOLVED = "resolved"
    CLOSED = "closed"


# The workflow: forward along new → triage → in-progress → contained → resolved → closed,
# with the short cuts incident handlers take (a false positive resolved from triage) and
# reopening (resolved or closed → in-progress; a relapse contained → in-progress).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.TRIAGE, Status.IN_PROGRESS}),
    Status.TRIAGE: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.CONTAINED, Status.RESOLVED}),
    Status.CONTAINED: frozenset({Status.RESOLVED, Status.IN_PROGRESS}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
}


def may_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


class TimelineKind(StrEnum):
    NOTE = "note"
    ACTION = "action"
    STATUS = "status"


class ObservableRole(StrEnum):
    IOC = "ioc"  # indicator of compromise
    CONTEXT = "context"


class Milestone(StrEnum):
    """NIS2 Art. 23(4) reports to the CSIRT or competent authority."""

    EARLY_WARNING = "early-warning"
    NOTIFICATION = "notification"
    FINAL_REPORT = "final-report"


EARLY_WARNING_AFTER = timedelta(hours=24)  # Art. 23(4)(a): within 24 hours of awareness
NOTIFICATION_AFTER = timedelta(hours=72)  # Art. 23(4)(b): within 72 hours of awareness


def add_month(moment: datetime) -> datetime:
    """One calendar month later, clamped to the month's last day (31 Jan → 28/29 Feb)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    if moment.day <= 28:  # every month has the day: no calendar lookup (dashboards call this
        return moment.replace(year=year, month=month)  # for every incident of a period)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Submission:
    at: datetime
    by: uuid.UUID | None


@dataclass(frozen=True)
class Deadline:
    milestone: Milestone
    due: datetime
    submitted: Submission | None

    def overdue(self, now: datetime) -> bool:
        return self.submitted is None and now > self.due

    def due_soon(self, now: datetime, within: timedelta) -> bool:
        return self.submitted is None and now <= self.due <= now + within


def due_times(aware_at: datetime, notified_at: datetime | None
              ) -> tuple[datetime, datetime, datetime]:
    """Art. 23(4), the due times in `Milestone` order: early warning +24 h and notification
    +72 h after becoming aware; the final report one month after the notification (as
    submitted, else as due)."""
    notification_due = aware_at + NOTIFICATION_AFTER
    return (aware_at + EARLY_WARNING_AFTER, notification_due,
            add_month(notified_at or notification_due))


def deadlines(aware_at: datetime | None,
              submitted: dict[Milestone, Submission]) -> list[Deadline]:
    """Each report's deadline (`due_times`) with its submission, if any."""
    if aware_at is None:
        return []
    notified = submitted.get(Milestone.NOTIFICATION)
    dues = zip(Milestone, due_times(aware_at, notified.at if notified else None), strict=True)
    return [Deadline(m, due, submitted.get(m)) for m, due in dues]


@dataclass(frozen=True)
class Impact:
    affected_systems: int | None = None
    affected_users: int | None = None
    cross_border: bool = False
    critical_infrastructure: bool = False


@dataclass(frozen=True)
class Times:
    started_at: datetime | None = None
    detected_at: datetime | None = None
    aware_at: datetime | None = None
    contained_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Recipients:
    org_ids: frozenset[uuid.UUID] = frozenset()
    community_ids: frozenset[uuid.UUID] = frozenset()
    user_ids: frozenset[uuid.UUID] = frozenset()


@dataclass(frozen=True)
class Incident:
    id: uuid.UUID
    title: str
    summary: str
    rsit_class: str
    rsit_type: str
    severity: Severity
    status: Status
    tlp: Tlp
    owner_org_id: uuid.UUID
    author_id: uuid.UUID | None
    recipients: Recipients
    countries: frozenset[str]
    sector: str | None
    subsector: str | None
    impact: Impact
    times: Times
    attack_techniques: tuple[str, ...]
    cves: tuple[str, ...]
    threat_actors: tuple[str, ...]
    malware: tuple[str, ...]
    exercise_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
    submissions: dict[Milestone, Submission] = field(default_factory=dict)

    @property
    def is_exercise(self) -> bool:
        return self.exercise_id is not None

    def deadlines(self) -> list[Deadline]:
        return deadlines(self.times.aware_at, self.submissions)


@dataclass(frozen=True)
class TimelineEntry:
    id: uuid.UUID
    incident_id: uuid.UUID
    at: datetime
    kind: TimelineKind
    text: str
    author_id: uuid.UUID | None
    author_name: str
    from_status: Status | None = None
    to_status: Status | None = None


@dataclass(frozen=True)
class Observable:
    id: uuid.UUID
    incident_id: uuid.UUID
    type: ObservableType
    value: str
    role: ObservableRole
    tlp: Tlp | None  # its own, stricter level; None = the incident's
    first_seen: datetime | None
    last_seen: datetime | None
    comment: str
    created_at: datetime
