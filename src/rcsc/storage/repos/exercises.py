"""Exercises, their organisations, participants, injects (the MSEL) and player responses.

Releases are claimed with a conditional UPDATE (`… WHERE released_at IS NULL`): on
PostgreSQL a second process racing for the same inject waits on the row lock, then finds
it released and updates nothing, so each inject is released exactly once however many
`rcsc serve` processes run the clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from rcsc.core.exercises import (
    Delivery,
    DependsOn,
    Exercise,
    ExerciseClock,
    ExerciseRole,
    ExerciseStatus,
    ExerciseType,
    Inject,
    Participant,
    Response,
    ResponseKind,
)
from rcsc.core.tlp import Tlp
from rcsc.storage.exercise_tables import (
    ExerciseOrgRow,
    ExerciseParticipantRow,
    ExerciseRow,
    InjectRow,
    ResponseRow,
)
from rcsc.storage.repos.exercise_attachments import ExerciseAttachmentRepo, InjectAttachmentRepo
from rcsc.storage.repos.exercise_plans import ExercisePlanRepo


def _exercise_fields(e: Exercise) -> dict[str, Any]:
    c = e.clock
    return dict(
        name=e.name, type=e.type.value, status=e.status.value, tlp=e.tlp.value,
        lead_org_id=e.lead_org_id, created_by=e.created_by, starts_on=e.starts_on,
        ends_on=e.ends_on, timezone=e.timezone, description=e.description,
        scenario=e.scenario, countries=list(e.countries), started_at=c.started_at,
        paused_at=c.paused_at, paused_seconds=c.paused_seconds, stopped_at=c.stopped_at,
        version=e.version, updated_at=e.updated_at,
    )


def _inject_fields(i: Inject) -> dict[str, Any]:
    return dict(
        exercise_id=i.exercise_id, number=i.number, title=i.title,
        offset_seconds=i.offset_seconds, scenario_time=i.scenario_time, sender=i.sender,
        recipients=list(i.recipients), delivery=i.delivery.value, text=i.text,
        attachments=list(i.attachments), expected_actions=i.expected_actions,
        objectives=list(i.objectives), controller=i.controller,
        techniques=list(i.techniques), contingency=i.contingency, depends_on=i.depends_on,
        depends_condition=i.depends_condition.value, released_at=i.released_at,
        released_by=i.released_by,
    )


def _inject(r: InjectRow) -> Inject:
    return Inject(
        id=r.id, exercise_id=r.exercise_id, number=r.number, title=r.title,
        offset_seconds=r.offset_seconds, scenario_time=r.scenario_time, sender=r.sender,
        recipients=tuple(r.recipients), delivery=Delivery(r.delivery), text=r.text,
        attachments=tuple(r.attachments), expected_actions=r.expected_actions,
        objectives=tuple(r.objectives), controller=r.controller,
        techniques=tuple(r.techniques), contingency=r.contingency, depends_on=r.depends_on,
        depends_condition=DependsOn(r.depends_condition), released_at=r.released_at,
        released_by=r.released_by,
    )


def _response(r: ResponseRow, released_at: datetime | None) -> Response:
    after = int((r.at - released_at).total_seconds()) if released_at else None
    return Response(id=r.id, inject_id=r.inject_id, exercise_id=r.exercise_id,
                    kind=ResponseKind(r.kind), user_id=r.user_id, user_name=r.user_name,
                    team=r.team, text=r.text, incident_id=r.incident_id, at=r.at,
                    seconds_after_release=after)


class ExerciseRepo:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.plans = ExercisePlanRepo(session)  # objectives, meetings, evaluation, plan
        self.files = ExerciseAttachmentRepo(session)  # files attached to answers
        self.inject_files = InjectAttachmentRepo(session)  # files attached to injects

    # --- exercises -------------------------------------------------------------------------

    def add(self, e: Exercise) -> None:
        self.s.add(ExerciseRow(id=e.id, created_at=e.created_at, **_exercise_fields(e)))
        self.s.flush()
        self._set_members(e)

    def update(self, e: Exercise, expected_version: int) -> bool:
        """Write `e` if the stored version is still `expected_version` (clock changes from
        two controllers at once: one wins, the other is told to reload)."""
        result = self.s.execute(
            update(ExerciseRow)
            .where(ExerciseRow.id == e.id, ExerciseRow.version == expected_version)
            .values(**_exercise_fields(e)))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self._set_members(e)
        return True

    def _set_members(self, e: Exercise) -> None:
        for table in (ExerciseOrgRow, ExerciseParticipantRow):
            self.s.execute(delete(table).where(table.exercise_id == e.id))
        self.s.add_all([ExerciseOrgRow(exercise_id=e.id, org_id=o) for o in e.org_ids])
        self.s.add_all([ExerciseParticipantRow(
            exercise_id=e.id, user_id=p.user_id, role=p.role.value, team=p.team,
            trusted_agent=p.trusted_agent) for p in e.participants])
        self.s.flush()

    def get(self, exercise_id: uuid.UUID) -> Exercise | None:
        found = self._load(select(ExerciseRow).where(ExerciseRow.id == exercise_id))
        return found[0] if found else None

    def every(self) -> list[Exercise]:
        """All exercises, newest start first; the service filters them by the sharing rule
        (a node holds tens of exercises, not millions)."""
        return self._load(select(ExerciseRow).order_by(ExerciseRow.starts_on.desc(),
                                                       ExerciseRow.name))

    def ids_with_clock_running(self) -> list[uuid.UUID]:
        return list(self.s.scalars(select(ExerciseRow.id).where(
            ExerciseRow.status == ExerciseStatus.RUNNING.value)))

    def _load(self, query: Any) -> list[Exercise]:
        rows = list(self.s.scalars(query))
        ids = [r.id for r in rows]
        orgs: dict[uuid.UUID, set[uuid.UUID]] = {i: set() for i in ids}
        people: dict[uuid.UUID, list[Participant]] = {i: [] for i in ids}
        if ids:
            for o in self.s.scalars(select(ExerciseOrgRow)
                                    .where(ExerciseOrgRow.exercise_id.in_(ids))):
                orgs[o.exercise_id].add(o.org_id)
            for p in self.s.scalars(select(ExerciseParticipantRow)
                                    .where(ExerciseParticipantRow.exercise_id.in_(ids))
                                    .order_by(ExerciseParticipantRow.role,
                                              ExerciseParticipantRow.team)):
                people[p.exercise_id].append(Participant(
                    p.user_id, ExerciseRole(p.role), p.team, p.trusted_agent))
        return [self._exercise(r, orgs[r.id], people[r.id]) for r in rows]

    @staticmethod
    def _exercise(r: ExerciseRow, orgs: set[uuid.UUID],
                  people: list[Participant]) -> Exercise:
        return Exercise(
            id=r.id, name=r.name, type=ExerciseType(r.type), status=ExerciseStatus(r.status),
            tlp=Tlp(r.tlp), lead_org_id=r.lead_org_id, created_by=r.created_by,
            starts_on=r.starts_on, ends_on=r.ends_on, timezone=r.timezone,
            description=r.description, scenario=r.scenario, countries=tuple(r.countries),
            org_ids=frozenset(orgs), participants=tuple(people),
            clock=ExerciseClock(r.started_at, r.paused_at, r.paused_seconds, r.stopped_at),
            version=r.version, created_at=r.created_at, updated_at=r.updated_at)

    # --- injects ---------------------------------------------------------------------------

    def add_injects(self, injects: Iterable[Inject]) -> None:
        self.s.add_all([InjectRow(id=i.id, **_inject_fields(i)) for i in injects])
        self.s.flush()

    def replace_inject(self, i: Inject) -> None:
        self.s.execute(update(InjectRow).where(InjectRow.id == i.id)
                       .values(**_inject_fields(i)))

    def delete_injects(self, exercise_id: uuid.UUID,
                       ids: Sequence[uuid.UUID] | None = None) -> None:
        query = delete(InjectRow).where(InjectRow.exercise_id == exercise_id)
        if ids is not None:
            query = query.where(InjectRow.id.in_(ids))
        self.s.execute(query)

    def injects(self, exercise_id: uuid.UUID, *, released_only: bool = False) -> list[Inject]:
        query = select(InjectRow).where(InjectRow.exercise_id == exercise_id)
        if released_only:  # in SQL, so an unreleased inject is never even loaded
            query = query.where(InjectRow.released_at.is_not(None))
        return [_inject(r) for r in self.s.scalars(query.order_by(InjectRow.number))]

    def inject(self, inject_id: uuid.UUID) -> Inject | None:
        row = self.s.get(InjectRow, inject_id)
        return _inject(row) if row else None

    def due(self, exercise_id: uuid.UUID, elapsed_seconds: int) -> list[Inject]:
        """Unreleased, scheduled (not contingency) injects whose offset has been reached."""
        query = select(InjectRow).where(
            InjectRow.exercise_id == exercise_id, InjectRow.released_at.is_(None),
            InjectRow.contingency.is_(False), InjectRow.offset_seconds <= elapsed_seconds)
        return [_inject(r) for r in self.s.scalars(query.order_by(InjectRow.offset_seconds,
                                                                   InjectRow.number))]

    def claim_release(self, inject_id: uuid.UUID, at: datetime, by: str) -> bool:
        """Mark the inject released unless someone already did; True if this call did."""
        result = self.s.execute(
            update(InjectRow).where(InjectRow.id == inject_id, InjectRow.released_at.is_(None))
            .values(released_at=at, released_by=by))
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def _mail_pending(self) -> Any:
        return select(InjectRow.id).where(InjectRow.released_at.is_not(None),
                                          InjectRow.mailed_at.is_(None),
                                          InjectRow.delivery == Delivery.EMAIL.value)

    def mail_pending(self) -> bool:
        return self.s.scalar(self._mail_pending().limit(1)) is not None

    def claim_mailings(self, at: datetime, limit: int = 50) -> list[Inject]:
        """Released e-mail injects not yet mailed, each claimed (`mailed_at` set where it
        was NULL) so that of several processes exactly one sends it."""
        candidates = self.s.scalars(
            self._mail_pending().order_by(InjectRow.released_at).limit(limit)).all()
        claimed = []
        for inject_id in candidates:
            result = self.s.execute(update(InjectRow).where(
                InjectRow.id == inject_id, InjectRow.mailed_at.is_(None)).values(mailed_at=at))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                found = self.inject(inject_id)
                assert found is not None
                claimed.append(found)
        return claimed

    # --- responses -------------------------------------------------------------------------

    def add_response(self, r: Response) -> None:
        self.s.add(ResponseRow(id=r.id, inject_id=r.inject_id, exercise_id=r.exercise_id,
                               kind=r.kind.value, user_id=r.user_id, user_name=r.user_name,
                               team=r.team, text=r.text, incident_id=r.incident_id, at=r.at))
        self.s.flush()

    def responses(self, exercise_id: uuid.UUID,
                  inject_ids: Sequence[uuid.UUID] | None = None) -> list[Response]:
        query = (select(ResponseRow, InjectRow.released_at)
                 .join(InjectRow, InjectRow.id == ResponseRow.inject_id)
                 .where(ResponseRow.exercise_id == exercise_id))
        if inject_ids is not None:
            query = query.where(ResponseRow.inject_id.in_(inject_ids))
        rows = self.s.execute(query.order_by(ResponseRow.at, ResponseRow.id)).all()
        return [_response(r, released) for r, released in rows]

    def response(self, response_id: uuid.UUID) -> Response | None:
        row = self.s.execute(select(ResponseRow, InjectRow.released_at)
                             .join(InjectRow, InjectRow.id == ResponseRow.inject_id)
                             .where(ResponseRow.id == response_id)).first()
        return _response(row[0], row[1]) if row is not None else None

    def dependency_met(self, exercise_id: uuid.UUID, number: int, condition: DependsOn) -> bool:
        """Whether inject `number` has been acknowledged (a response counts too) or
        responded to."""
        kinds = ([ResponseKind.RESPONDED.value] if condition == DependsOn.RESPONDED
                 else [k.value for k in ResponseKind])
        count = self.s.scalar(
            select(func.count()).select_from(ResponseRow)
            .join(InjectRow, InjectRow.id == ResponseRow.inject_id)
            .where(InjectRow.exercise_id == exercise_id, InjectRow.number == number,
                   ResponseRow.kind.in_(kinds)))
        return bool(count)
