"""Planning an exercise: SMART objectives (capability, critical tasks), the planning meetings
with minutes and action items, the ENISA go/no-go checklist, conflict warnings for
organisations booked in overlapping exercises, the open corrective actions of earlier
exercises, and the iCalendar file of the exercise and its meetings."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from rcsc.accounts.audit import record
from rcsc.core.exercise_plans import (
    CHECKLIST,
    ActionItem,
    ActionStatus,
    CheckMark,
    CorrectiveAction,
    Meeting,
    MeetingKind,
    Objective,
    Phase,
)
from rcsc.core.exercises import Exercise, ExerciseRole, ExerciseStatus
from rcsc.core.identity import AuditEvent, Principal
from rcsc.errors import NotFound, PermissionDenied, ValidationFailed
from rcsc.exercises import fields, service
from rcsc.incidents import fields as f
from rcsc.storage import UnitOfWork

R = ExerciseRole
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$")


def _planner(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
             action: str) -> Exercise:
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, R.PLANNER, action=action)
    return exercise


def _participant(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> Exercise:
    exercise = service.get(uow, actor, exercise_id)
    if actor.user_id is None or not exercise.roles_of(actor.user_id):
        raise PermissionDenied("the planning records are for the exercise's participants",
                               action="exercise.planning", required="exercise:participant")
    return exercise


def _audit(uow: UnitOfWork, actor: Principal, action: str, exercise: Exercise,
           **detail: object) -> None:
    record(uow, actor, AuditEvent(action=action, object_type="exercise",
                                  object_id=str(exercise.id), detail=dict(detail)))


# --- objectives ------------------------------------------------------------------------------


def objectives(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> list[Objective]:
    exercise = service.get(uow, actor, exercise_id)
    return uow.exercises.plans.objectives(exercise.id)


def put_objective(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                  data: Mapping[str, Any], objective_id: uuid.UUID | None = None) -> Objective:
    """Add (or, with `objective_id`, replace) a SMART objective."""
    exercise = _planner(uow, actor, exercise_id, "exercise.objective")
    c = f.Collector()
    code = c.check("code", lambda v: _code(v), data.get("code"))
    text = c.check("text", f.text("text", 2000, required=True), data.get("text", ""))
    capability = c.check("capability", f.text("capability", 200, required=False),
                         data.get("capability", ""))
    tasks = c.check("critical_tasks", f.names("critical_tasks"),
                    data.get("critical_tasks", []))
    c.raise_if_any()
    existing = {o.code: o for o in uow.exercises.plans.objectives(exercise.id)}
    if code in existing and existing[code].id != objective_id:
        raise ValidationFailed.field("code", f"{code} is already an objective of the exercise")
    if objective_id is not None and objective_id not in {o.id for o in existing.values()}:
        raise NotFound("objective", objective_id)
    objective = Objective(objective_id or uuid.uuid4(), exercise.id, code or "", text or "",
                          capability or "", tasks or ())
    uow.exercises.plans.put_objective(objective)
    _audit(uow, actor, "exercise.objective", exercise, code=objective.code)
    return objective


def _code(value: Any) -> str:
    text = str(value or "").strip()
    if not _CODE.match(text):
        raise ValidationFailed.field("code", f"{value!r} is not a short code like O1")
    return text


# --- meetings --------------------------------------------------------------------------------


def meetings(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> list[Meeting]:
    exercise = _participant(uow, actor, exercise_id)
    return uow.exercises.plans.meetings(exercise.id)


def put_meeting(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                data: Mapping[str, Any], meeting_id: uuid.UUID | None = None) -> Meeting:
    """Schedule (or, with `meeting_id`, record) a planning meeting with its action items."""
    exercise = _planner(uow, actor, exercise_id, "exercise.meeting")
    if meeting_id is not None and meeting_id not in {
            m.id for m in uow.exercises.plans.meetings(exercise.id)}:
        raise NotFound("meeting", meeting_id)
    c = f.Collector()
    kind = c.check("kind", fields.choice("kind", MeetingKind), data.get("kind"))
    starts = c.check("starts_at", f.moment("starts_at"), data.get("starts_at"))
    if starts is None and not c.errors:
        c.fail("starts_at", "is required")
    length = c.check("minutes_long", f.count("minutes_long"), data.get("minutes_long", 120))
    title = c.check("title", f.text("title", 300, required=False), data.get("title", ""))
    people = c.check("attendees", f.names("attendees"), data.get("attendees", []))
    minutes = c.check("minutes", f.text("minutes", 50_000, required=False),
                      data.get("minutes", ""))
    actions = [_action_item(c, i, item, meeting_id)
               for i, item in enumerate(data.get("actions", []) or [])]
    c.raise_if_any()
    assert kind is not None and starts is not None
    meeting = Meeting(meeting_id or uuid.uuid4(), exercise.id, kind,
                      title or kind.value.replace("-", " & ").title(), starts,
                      length or 120, people or (), minutes or "",
                      tuple(a for a in actions if a is not None))
    meeting = replace(meeting, actions=tuple(replace(a, meeting_id=meeting.id)
                                             for a in meeting.actions))
    uow.exercises.plans.put_meeting(meeting)
    _audit(uow, actor, "exercise.meeting", exercise, kind=meeting.kind.value)
    return meeting


def _action_item(c: f.Collector, index: int, item: Any,
                 meeting_id: uuid.UUID | None) -> ActionItem | None:
    if not isinstance(item, Mapping):
        c.fail(f"actions.{index}", "must be an object with text, owner and due_on")
        return None
    text = c.check(f"actions.{index}.text", f.text(f"actions.{index}.text", 2000,
                                                   required=True), item.get("text", ""))
    owner = c.check(f"actions.{index}.owner", f.text(f"actions.{index}.owner", 200,
                                                     required=True), item.get("owner", ""))
    due = item.get("due_on")
    due_on = c.check(f"actions.{index}.due_on", fields.day(f"actions.{index}.due_on"),
                     due) if due else None
    done = bool(item.get("done", False))
    return ActionItem(uuid.uuid4(), meeting_id or uuid.UUID(int=0), text or "", owner or "",
                      due_on, done)


# --- checklist and conflicts -----------------------------------------------------------------


@dataclass(frozen=True)
class CheckItem:
    phase: Phase
    key: str
    text: str
    mark: CheckMark | None


def checklist(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> list[CheckItem]:
    exercise = _participant(uow, actor, exercise_id)
    marks = {(m.phase, m.key): m for m in uow.exercises.plans.checks(exercise.id)}
    return [CheckItem(phase, key, text, marks.get((phase, key)))
            for phase, items in CHECKLIST.items() for key, text in items]


def go(phase_items: list[CheckItem], phase: Phase) -> bool:
    """Go for the phase: every check of it ticked."""
    return all(i.mark is not None for i in phase_items if i.phase == phase)


def tick(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID, phase: str, key: str,
         done: bool) -> None:
    exercise = _planner(uow, actor, exercise_id, "exercise.checklist")
    which = fields.choice("phase", Phase)(phase)
    if key not in {k for k, _ in CHECKLIST[which]}:
        raise ValidationFailed.field("key", f"{key!r} is not a check of the {which.value} "
                                     "phase")
    mark = CheckMark(which, key, actor.email, uow.clock.now()) if done else None
    uow.exercises.plans.set_check(exercise.id, mark, which, key)
    _audit(uow, actor, "exercise.checklist", exercise, phase=which.value, key=key, done=done)


@dataclass(frozen=True)
class Conflict:
    org_id: uuid.UUID
    other: Exercise


def conflicts(uow: UnitOfWork, actor: Principal, exercise: Exercise) -> list[Conflict]:
    """Organisations of this exercise booked in another (not cancelled) exercise on
    overlapping days; only exercises the actor may see are named."""
    found = []
    for other in service.list_visible(uow, actor):
        if other.id == exercise.id or other.status == ExerciseStatus.CANCELLED:
            continue
        if other.starts_on <= exercise.ends_on and exercise.starts_on <= other.ends_on:
            found += [Conflict(o, other) for o in sorted(exercise.org_ids & other.org_ids,
                                                          key=str)]
    return found


def open_actions_before(uow: UnitOfWork, actor: Principal,
                        exercise: Exercise) -> list[CorrectiveAction]:
    """Open corrective actions of the organisations taking part, from earlier exercises the
    actor may see: what this exercise should check has been fixed."""
    earlier = [e.id for e in service.list_visible(uow, actor)
               if e.id != exercise.id and e.starts_on <= exercise.starts_on]
    return [a for a in uow.exercises.plans.actions(exercise_ids=earlier,
                                                   status=ActionStatus.OPEN)
            if a.owner_org_id in exercise.org_ids]


# --- iCalendar -------------------------------------------------------------------------------


def icalendar(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> bytes:
    """The exercise (all-day, in its dates) and its planning meetings as an .ics file; the
    TLP label leads every summary, as on every document of the exercise."""
    from icalendar import Calendar, Event

    exercise = service.get(uow, actor, exercise_id)
    is_participant = actor.user_id is not None and bool(exercise.roles_of(actor.user_id))
    calendar = Calendar()
    calendar.add("prodid", "-//RCSC//Exercises//EN")
    calendar.add("version", "2.0")
    label = exercise.tlp.label
    event = Event()
    event.add("uid", f"exercise-{exercise.id}@rcsc")
    event.add("summary", f"[{label}] {exercise.name} ({exercise.type.value})")
    event.add("dtstart", exercise.starts_on)
    event.add("dtend", exercise.ends_on + timedelta(days=1))
    event.add("dtstamp", exercise.updated_at)
    event.add("description", exercise.description)
    calendar.add_component(event)
    for meeting in uow.exercises.plans.meetings(exercise.id) if is_participant else []:
        calendar.add_component(_meeting_event(meeting, label, exercise.updated_at))
    return bytes(calendar.to_ical())


def _meeting_event(meeting: Meeting, label: str, stamp: datetime) -> Any:
    from icalendar import Event

    event = Event()
    event.add("uid", f"meeting-{meeting.id}@rcsc")
    event.add("summary", f"[{label}] {meeting.title}")
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + timedelta(minutes=meeting.minutes_long))
    event.add("dtstamp", stamp)
    if meeting.attendees:
        event.add("description", "Attendees: " + ", ".join(meeting.attendees))
    return event
