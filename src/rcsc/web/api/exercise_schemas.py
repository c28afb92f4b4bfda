"""Request and response bodies of /api/v1/exercises. Unknown fields are refused, by name.

Answers never carry what the caller may not see: the scenario only for those who see the
MSEL (`scenario` is null otherwise), injects only as `exercises.msel.visible_injects` gives
them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rcsc.core.exercises import (
    Delivery,
    DependsOn,
    Exercise,
    ExerciseRole,
    ExerciseType,
    Inject,
    InjectAttachment,
    Response,
    ResponseAttachment,
    format_offset,
)
from rcsc.exercises.play import ConsoleRow, InboxItem
from rcsc.web.api.attachments import HashesOut

TlpText = Literal["clear", "green", "amber", "amber+strict", "red"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExerciseIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Baltic Grid 2027", "type": "tabletop", "tlp": "amber",
        "starts_on": "2027-03-02", "ends_on": "2027-03-03", "timezone": "Europe/Vilnius",
        "countries": ["LT", "UA", "PL"]}]})

    name: str = Field(min_length=1, max_length=300)
    type: ExerciseType
    starts_on: date
    ends_on: date
    tlp: TlpText = "amber"
    timezone: str = "UTC"
    description: str = ""
    scenario: str = Field(default="", description="seen only by trusted agents, "
                                                  "controllers and evaluators")
    countries: list[str] = []
    lead_org_id: uuid.UUID | None = Field(default=None, description="default: yours")
    org_ids: list[uuid.UUID] = Field(default=[], description="participating organisations")


class ExercisePatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    type: ExerciseType | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    tlp: TlpText | None = None
    timezone: str | None = None
    description: str | None = None
    scenario: str | None = None
    countries: list[str] | None = None
    lead_org_id: uuid.UUID | None = None
    org_ids: list[uuid.UUID] | None = None


class ParticipantIn(Strict):
    user_id: uuid.UUID
    role: ExerciseRole
    team: str = Field(default="", max_length=64, description="a player team, e.g. UA")
    trusted_agent: bool = False


class ParticipantsIn(Strict):
    participants: list[ParticipantIn]


class StatusIn(Strict):
    status: Literal["draft", "planning", "ready", "evaluated", "cancelled"]


class ParticipantOut(BaseModel):
    user_id: uuid.UUID
    role: str
    team: str
    trusted_agent: bool


class ClockOut(BaseModel):
    started_at: datetime | None
    paused_at: datetime | None
    paused_seconds: int
    stopped_at: datetime | None
    elapsed_seconds: int


class ExerciseOut(BaseModel):
    id: uuid.UUID
    name: str
    type: str
    status: str
    tlp: str
    lead_org_id: uuid.UUID
    starts_on: date
    ends_on: date
    timezone: str
    description: str
    scenario: str | None
    countries: list[str]
    org_ids: list[uuid.UUID]
    participants: list[ParticipantOut]
    my_roles: list[str]
    clock: ClockOut
    version: int

    @classmethod
    def of(cls, e: Exercise, user_id: uuid.UUID | None, now: datetime) -> ExerciseOut:
        sees = user_id is not None and e.sees_scenario(user_id)
        c = e.clock
        return cls(
            id=e.id, name=e.name, type=e.type.value, status=e.status.value, tlp=e.tlp.value,
            lead_org_id=e.lead_org_id, starts_on=e.starts_on, ends_on=e.ends_on,
            timezone=e.timezone, description=e.description,
            scenario=e.scenario if sees else None, countries=list(e.countries),
            org_ids=sorted(e.org_ids, key=str),
            participants=[ParticipantOut(user_id=p.user_id, role=p.role.value, team=p.team,
                                         trusted_agent=p.trusted_agent)
                          for p in e.participants],
            my_roles=sorted(r.value for r in e.roles_of(user_id)) if user_id else [],
            clock=ClockOut(started_at=c.started_at, paused_at=c.paused_at,
                           paused_seconds=c.paused_seconds, stopped_at=c.stopped_at,
                           elapsed_seconds=int(c.elapsed(now).total_seconds())),
            version=e.version)


class InjectIn(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    number: int = Field(ge=1, le=100_000)
    title: str = Field(min_length=1, max_length=300)
    offset: str = Field(description="real time after the start, e.g. D+1 H+03:45")
    scenario_time: str = ""
    sender: str = Field(default="", alias="from")
    to: list[str] = Field(default=[], description="teams or organisations; 'all' for all")
    delivery: Delivery = Delivery.IN_APP
    text: str = ""
    attachments: list[str] = []
    expected_actions: str = ""
    objectives: list[str] = []
    controller: str = ""
    techniques: list[str] = []
    contingency: bool = False
    depends_on: int | None = None
    depends_condition: DependsOn = DependsOn.ACKNOWLEDGED

    def values(self, *, only_set: bool) -> dict[str, Any]:
        data = self.model_dump(exclude_unset=only_set, by_alias=True, mode="json")
        return data


class InjectPatch(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    number: int | None = Field(default=None, ge=1, le=100_000)
    title: str | None = Field(default=None, min_length=1, max_length=300)
    offset: str | None = None
    scenario_time: str | None = None
    sender: str | None = Field(default=None, alias="from")
    to: list[str] | None = None
    delivery: Delivery | None = None
    text: str | None = None
    attachments: list[str] | None = None
    expected_actions: str | None = None
    objectives: list[str] | None = None
    controller: str | None = None
    techniques: list[str] | None = None
    contingency: bool | None = None
    depends_on: int | None = None
    depends_condition: DependsOn | None = None


class InjectOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: uuid.UUID
    number: int
    title: str
    offset: str
    offset_seconds: int
    scenario_time: str
    sender: str = Field(serialization_alias="from")
    to: list[str]
    delivery: str
    text: str
    attachments: list[str]
    expected_actions: str
    objectives: list[str]
    controller: str
    techniques: list[str]
    contingency: bool
    depends_on: int | None
    depends_condition: str
    released_at: datetime | None
    released_by: str

    @classmethod
    def of(cls, i: Inject) -> InjectOut:
        return cls(id=i.id, number=i.number, title=i.title,
                   offset=format_offset(i.offset_seconds), offset_seconds=i.offset_seconds,
                   scenario_time=i.scenario_time, sender=i.sender, to=list(i.recipients),
                   delivery=i.delivery.value, text=i.text, attachments=list(i.attachments),
                   expected_actions=i.expected_actions, objectives=list(i.objectives),
                   controller=i.controller, techniques=list(i.techniques),
                   contingency=i.contingency, depends_on=i.depends_on,
                   depends_condition=i.depends_condition.value, released_at=i.released_at,
                   released_by=i.released_by)


class ResponseIn(Strict):
    text: str = Field(default="", max_length=20_000)
    incident_id: uuid.UUID | None = Field(
        default=None, description="an exercise incident filed with POST /incidents and "
                                  "this exercise's id as its exercise_id")


class ResponseOut(BaseModel):
    id: uuid.UUID
    inject_id: uuid.UUID
    kind: str
    user_id: uuid.UUID
    user_name: str
    team: str
    text: str
    incident_id: uuid.UUID | None
    at: datetime
    seconds_after_release: int | None

    @classmethod
    def of(cls, r: Response) -> ResponseOut:
        return cls(id=r.id, inject_id=r.inject_id, kind=r.kind.value, user_id=r.user_id,
                   user_name=r.user_name, team=r.team, text=r.text,
                   incident_id=r.incident_id, at=r.at,
                   seconds_after_release=r.seconds_after_release)


class ResponseAttachmentOut(BaseModel):
    id: uuid.UUID
    response_id: uuid.UUID
    team: str
    filename: str
    content_type: str
    size: int
    hashes: HashesOut
    uploaded_by: uuid.UUID
    created_at: datetime
    download_url: str

    @classmethod
    def of(cls, a: ResponseAttachment) -> ResponseAttachmentOut:
        d = a.digest
        return cls(id=a.id, response_id=a.response_id, team=a.team, filename=a.filename,
                   content_type=a.content_type, size=d.size,
                   hashes=HashesOut(md5=d.md5, sha1=d.sha1, sha256=d.sha256),
                   uploaded_by=a.uploaded_by, created_at=a.created_at,
                   download_url=f"/api/v1/exercises/{a.exercise_id}/attachments/{a.id}"
                                "/download")


class InjectAttachmentOut(BaseModel):
    """A file handed out with an inject (not the `attachments` names of the MSEL)."""

    id: uuid.UUID
    inject_id: uuid.UUID
    filename: str
    content_type: str
    size: int
    hashes: HashesOut
    uploaded_by: uuid.UUID
    created_at: datetime
    download_url: str

    @classmethod
    def of(cls, a: InjectAttachment) -> InjectAttachmentOut:
        d = a.digest
        return cls(id=a.id, inject_id=a.inject_id, filename=a.filename,
                   content_type=a.content_type, size=d.size,
                   hashes=HashesOut(md5=d.md5, sha1=d.sha1, sha256=d.sha256),
                   uploaded_by=a.uploaded_by, created_at=a.created_at,
                   download_url=f"/api/v1/exercises/{a.exercise_id}/injects/{a.inject_id}"
                                f"/attachments/{a.id}/download")


class InboxResponseOut(ResponseOut):
    """An answer in the inbox, with the files attached to it."""

    attachments: list[ResponseAttachmentOut]


class InboxOut(BaseModel):
    inject: InjectOut
    files: list[InjectAttachmentOut]  # handed out with the inject
    responses: list[InboxResponseOut]

    @classmethod
    def of(cls, item: InboxItem) -> InboxOut:
        return cls(inject=InjectOut.of(item.inject),
                   files=[InjectAttachmentOut.of(a) for a in item.files], responses=[
            InboxResponseOut(**ResponseOut.of(r).model_dump(), attachments=[
                ResponseAttachmentOut.of(a) for a in item.files_of(r.id)])
            for r in item.responses])


class ConsoleCell(BaseModel):
    team: str
    acknowledged: ResponseOut | None
    responded: ResponseOut | None


class ConsoleOut(BaseModel):
    inject: InjectOut
    files: list[InjectAttachmentOut]  # handed out with the inject
    teams: list[ConsoleCell]

    @classmethod
    def of(cls, row: ConsoleRow) -> ConsoleOut:
        return cls(inject=InjectOut.of(row.inject),
                   files=[InjectAttachmentOut.of(a) for a in row.files], teams=[
            ConsoleCell(team=t, acknowledged=ResponseOut.of(a) if a else None,
                        responded=ResponseOut.of(r) if r else None)
            for t, (a, r) in sorted(row.teams.items())])
