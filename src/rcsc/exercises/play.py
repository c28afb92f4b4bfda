"""Players and the white cell during the run: the inbox of released injects, acknowledging
and answering them (text, or an exercise incident filed through the normal incident flow
and flagged with the exercise, so it stays out of real lists and statistics), response
times, and the controllers' console of who has acknowledged what."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rcsc.accounts.audit import record
from rcsc.core.exercises import (
    Exercise,
    ExerciseRole,
    Inject,
    InjectAttachment,
    Response,
    ResponseAttachment,
    ResponseKind,
)
from rcsc.core.identity import AuditEvent, Principal
from rcsc.errors import ValidationFailed
from rcsc.exercises import inject_files, msel, service
from rcsc.incidents import fields as f
from rcsc.incidents import service as incidents
from rcsc.storage import UnitOfWork

PLAYING = (ExerciseRole.PLAYER, ExerciseRole.RED)


@dataclass(frozen=True)
class InboxItem:
    inject: Inject
    responses: tuple[Response, ...]  # this team's acknowledgements and answers
    attachments: tuple[ResponseAttachment, ...] = ()  # the files of those answers
    files: tuple[InjectAttachment, ...] = ()  # the files handed out with the inject

    def files_of(self, response_id: uuid.UUID) -> list[ResponseAttachment]:
        return [a for a in self.attachments if a.response_id == response_id]

    @property
    def acknowledged(self) -> bool:
        return bool(self.responses)


@dataclass(frozen=True)
class ConsoleRow:
    """One released inject and, per team addressed, when it was acknowledged/answered."""

    inject: Inject
    teams: dict[str, tuple[Response | None, Response | None]]
    attachments: tuple[ResponseAttachment, ...] = ()  # files of the answers to the inject
    files: tuple[InjectAttachment, ...] = ()  # the files handed out with the inject

    def files_of_team(self, team: str) -> list[ResponseAttachment]:
        return [a for a in self.attachments if a.team == team]


@dataclass(frozen=True)
class TeamTimes:
    team: str
    acknowledged: int
    responded: int
    median_ack_seconds: float | None
    median_response_seconds: float | None


def inbox(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> list[InboxItem]:
    """Released injects the actor may read, newest first, with their team's responses."""
    exercise = service.get(uow, actor, exercise_id)
    injects = [i for i in msel.visible_injects(uow, actor, exercise) if i.released]
    teams = exercise.teams_of(actor.user_id) if actor.user_id else frozenset()
    answers = uow.exercises.responses(exercise.id, [i.id for i in injects])
    mine = [r for r in answers if r.team in teams or r.user_id == actor.user_id]
    files = uow.exercises.files.of_responses([r.id for r in mine])  # all the team's own
    handed = inject_files.of_visible(uow, injects)  # released and addressed to the actor
    items = []
    for inject in injects:
        its = tuple(r for r in mine if r.inject_id == inject.id)
        ids = {r.id for r in its}
        items.append(InboxItem(inject, its,
                               tuple(a for a in files if a.response_id in ids),
                               tuple(a for a in handed if a.inject_id == inject.id)))
    return sorted(items, key=lambda item: (item.inject.released_at, item.inject.number),
                  reverse=True)


def _playing(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
             inject_id: uuid.UUID) -> tuple[Exercise, Inject, str]:
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, *PLAYING, action="exercise.respond")
    inject = msel.get_inject(uow, actor, exercise, inject_id)
    if not inject.released:  # a player never gets here with one, but a red-teamer might
        raise ValidationFailed.field("inject_id", "the inject has not been released")
    assert actor.user_id is not None
    teams = sorted(exercise.teams_of(actor.user_id))
    return exercise, inject, teams[0] if teams else ""


def acknowledge(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                inject_id: uuid.UUID) -> Response:
    exercise, inject, team = _playing(uow, actor, exercise_id, inject_id)
    return _add(uow, actor, exercise, inject, team, ResponseKind.ACKNOWLEDGED, "", None)


def respond(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID, inject_id: uuid.UUID,
            text: str, incident: Mapping[str, Any] | None = None,
            incident_id: uuid.UUID | None = None) -> Response:
    """An answer in text and/or an exercise incident: one to file now (`incident`, by the
    incident rules) or one filed already through the incident form (`incident_id`); either
    way it carries `exercise_id`, so it is exercise data, never a real incident."""
    exercise, inject, team = _playing(uow, actor, exercise_id, inject_id)
    cleaned = f.text("text", 20_000, required=incident is None and incident_id is None)(text)
    if incident is not None:
        incident_id = incidents.create(uow, actor,
                                       {**incident, "exercise_id": str(exercise.id)}).id
    elif incident_id is not None:
        _check_exercise_incident(uow, actor, exercise, incident_id)
    return _add(uow, actor, exercise, inject, team, ResponseKind.RESPONDED, cleaned,
                incident_id)


def _check_exercise_incident(uow: UnitOfWork, actor: Principal, exercise: Exercise,
                             incident_id: uuid.UUID) -> None:
    found = uow.incidents.get(incident_id, incidents.viewer_for(uow, actor))
    if found is None:
        raise ValidationFailed.field("incident_id", f"no incident {incident_id} you may see")
    if found.exercise_id != exercise.id:
        raise ValidationFailed.field("incident_id", "the incident is not flagged as data of "
                                     "this exercise (give exercise_id when filing it)")


def _add(uow: UnitOfWork, actor: Principal, exercise: Exercise, inject: Inject, team: str,
         kind: ResponseKind, text: str, incident_id: uuid.UUID | None) -> Response:
    assert actor.user_id is not None and inject.released_at is not None
    now = uow.clock.now()
    response = Response(id=uuid.uuid4(), inject_id=inject.id, exercise_id=exercise.id,
                        kind=kind, user_id=actor.user_id, user_name=actor.name, team=team,
                        text=text, incident_id=incident_id, at=now,
                        seconds_after_release=int((now - inject.released_at).total_seconds()))
    uow.exercises.add_response(response)
    record(uow, actor, AuditEvent(action=f"exercise.inject.{kind.value}",
                                  object_type="exercise", object_id=str(exercise.id),
                                  detail={"inject": inject.number, "team": team}))
    return response


def _teams(exercise: Exercise) -> list[str]:
    return sorted({p.team for p in exercise.participants if p.role in PLAYING and p.team})


def console(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> list[ConsoleRow]:
    """For controllers and evaluators: each released inject × each team it went to, with
    the first acknowledgement and the first answer."""
    exercise = service.get(uow, actor, exercise_id)
    service.require_role(exercise, actor, ExerciseRole.CONTROLLER, ExerciseRole.EVALUATOR,
                         action="exercise.console")
    teams = _teams(exercise)
    injects = uow.exercises.injects(exercise.id, released_only=True)
    answers = uow.exercises.responses(exercise.id)
    files = uow.exercises.files.of_responses([r.id for r in answers])  # the white cell's
    handed = inject_files.of_visible(uow, injects)
    rows = []
    for inject in injects:
        cells: dict[str, tuple[Response | None, Response | None]] = {}
        for team in (t for t in teams if inject.addressed_to(frozenset({t}))):
            mine = [r for r in answers if r.inject_id == inject.id and r.team == team]
            cells[team] = (mine[0] if mine else None,
                           next((r for r in mine if r.kind == ResponseKind.RESPONDED), None))
        ids = {r.id for r in answers if r.inject_id == inject.id}
        rows.append(ConsoleRow(inject, cells,
                               tuple(a for a in files if a.response_id in ids),
                               tuple(a for a in handed if a.inject_id == inject.id)))
    return rows


def team_times(exercise: Exercise, answers: list[Response]) -> list[TeamTimes]:
    """Per team: how many injects it acknowledged and answered, and the median seconds
    from release to its first acknowledgement and first answer of each."""
    result = []
    for team in _teams(exercise):
        firsts: dict[tuple[uuid.UUID, bool], int] = {}
        for r in answers:
            if r.team != team or r.seconds_after_release is None:
                continue
            for key in {(r.inject_id, False), (r.inject_id, r.kind == ResponseKind.RESPONDED)}:
                firsts.setdefault(key, r.seconds_after_release)
        acks = [v for (_, answered), v in firsts.items() if not answered]
        resp = [v for (_, answered), v in firsts.items() if answered]
        result.append(TeamTimes(team, len(acks), len(resp),
                                statistics.median(acks) if acks else None,
                                statistics.median(resp) if resp else None))
    return result
