"""Request and response bodies of /api/v1/incidents. Field names are the service's.

Request models check shapes only (a string, a list, a time with its UTC offset); the
service checks meaning — RSIT pairs, countries, recipients, lengths — and reports every bad
field of a request at once. Allowed values are listed in the schema (and by
GET /api/v1/taxonomies) so clients can build forms from them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, StrictInt

from rcsc.core.incidents import (
    TRANSITIONS,
    Deadline,
    Incident,
    Milestone,
    Observable,
    ObservableRole,
    Severity,
    Status,
    TimelineEntry,
    TimelineKind,
)
from rcsc.core.observables import ObservableType
from rcsc.core.taxonomy import (
    NIS2_SECTORS,
    NIS2_SOURCE,
    RSIT,
    RSIT_SOURCE,
    RSIT_VERSION,
    SECTORS_BY_KEY,
)
from rcsc.core.tlp import COLOURS, Tlp
from rcsc.incidents import fields as f
from rcsc.incidents.export import as_dict

LEVELS = [t.value for t in Tlp]
TLP_SOURCE = "https://www.first.org/tlp/"
_ORG = "5b0e4d1c-2f6a-4a57-9d43-6f0f7c1e8a10"
INCIDENT_EXAMPLE: dict[str, Any] = {
    "title": "Phishing wave against ministries", "summary": "Lures impersonate the tax office.",
    "rsit_class": "fraud", "rsit_type": "phishing", "severity": "high", "tlp": "amber",
    "countries": ["LT", "UA"], "sector": "public-administration",
    "aware_at": "2026-11-23T08:30:00+00:00", "attack_techniques": ["T1566.001"],
    "recipient_org_ids": [_ORG],
}


def _choice(values: Any, description: str = "", default: Any = None,
            nullable: bool = False) -> Any:
    """A string documented as one of `values` (the service checks it, naming the field);
    `default=...` makes it required, `nullable` documents that null clears it."""
    enum: list[JsonValue] = [str(v) for v in values]
    return Field(default=default, description=description or None,
                 json_schema_extra={"enum": [*enum, None] if nullable else enum})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentPatch(Strict):
    """Only the fields sent are changed; `null` clears an optional one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"severity": "critical", "tlp": "amber+strict"}]})

    title: str | None = Field(default=None, description=f"at most {f.MAX_TITLE} characters")
    summary: str | None = Field(default=None, description=f"at most {f.MAX_SUMMARY} characters")
    rsit_class: str | None = _choice(RSIT, "RSIT v1003 class")
    rsit_type: str | None = Field(default=None, description="RSIT v1003 type of the class")
    severity: str | None = _choice(Severity)
    tlp: str | None = _choice(LEVELS, "TLP 2.0 level")
    countries: list[str] | None = Field(default=None, description="ISO 3166-1 alpha-2 codes")
    sector: str | None = _choice(SECTORS_BY_KEY, "NIS2 sector (Annex I or II)",
                                 nullable=True)
    subsector: str | None = Field(default=None, description="NIS2 subsector of the sector")
    affected_systems: StrictInt | None = None
    affected_users: StrictInt | None = None
    cross_border: bool | None = None
    critical_infrastructure: bool | None = None
    started_at: AwareDatetime | None = None
    detected_at: AwareDatetime | None = None
    aware_at: AwareDatetime | None = Field(
        default=None, description="when the organisation became aware: the NIS2 clocks start")
    contained_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    attack_techniques: list[str] | None = Field(default=None, examples=[["T1566.001"]])
    cves: list[str] | None = Field(default=None, examples=[["CVE-2024-3094"]])
    threat_actors: list[str] | None = None
    malware: list[str] | None = None
    recipient_org_ids: list[uuid.UUID] | None = None
    recipient_community_ids: list[uuid.UUID] | None = None
    recipient_user_ids: list[uuid.UUID] | None = Field(
        default=None, description="named users: the only readers of a RED incident")


class IncidentIn(IncidentPatch):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [INCIDENT_EXAMPLE]})

    title: str = Field(description=f"at most {f.MAX_TITLE} characters")
    rsit_class: str = _choice(RSIT, "RSIT v1003 class", ...)
    rsit_type: str = Field(description="RSIT v1003 type of the class")
    severity: str = _choice(Severity, default=...)
    tlp: str = _choice(LEVELS, "TLP 2.0 level", ...)
    exercise_id: uuid.UUID | None = Field(
        default=None, description="set for exercise incidents: kept out of real statistics")


class TransitionIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"status": "contained", "note": "C2 domains sinkholed"}]})

    status: str = _choice(Status, "the status to move to (see `transitions` in /taxonomies)",
                          ...)
    note: str = Field(default="", description="recorded on the timeline")


class TimelineIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"kind": "action", "text": "Blocked the sender domain at the gateway"}]})

    kind: str = _choice(["note", "action"], default=...)
    text: str
    at: AwareDatetime | None = Field(default=None, description="default: now")


class ObservableIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"type": "ipv4", "value": "203.0.113[.]7", "role": "ioc"}]})

    type: str = _choice(ObservableType, default=...)
    value: str = Field(description="defanged input is accepted and stored normalised")
    role: str = Field(default=ObservableRole.IOC.value,
                      json_schema_extra={"enum": [r.value for r in ObservableRole]})
    tlp: str | None = _choice(LEVELS, "stricter than the incident's, never less strict",
                              nullable=True)
    first_seen: AwareDatetime | None = None
    last_seen: AwareDatetime | None = None
    comment: str = ""


class MilestoneIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{}, {"submitted_at": "2026-11-23T20:00:00+00:00"}]})

    submitted_at: AwareDatetime | None = Field(default=None, description="default: now")


class DeadlineOut(BaseModel):
    milestone: str
    due: datetime
    submitted_at: datetime | None
    submitted_by: uuid.UUID | None
    overdue: bool

    @classmethod
    def of(cls, d: Deadline, now: datetime) -> DeadlineOut:
        sub = d.submitted
        return cls(milestone=d.milestone.value, due=d.due, overdue=d.overdue(now),
                   submitted_at=sub.at if sub else None, submitted_by=sub.by if sub else None)


class IncidentOut(BaseModel):
    id: uuid.UUID
    title: str
    summary: str
    rsit_class: str
    rsit_type: str
    severity: str
    status: str
    tlp: str
    owner_org_id: uuid.UUID
    author_id: uuid.UUID | None
    countries: list[str]
    sector: str | None
    subsector: str | None
    affected_systems: int | None
    affected_users: int | None
    cross_border: bool
    critical_infrastructure: bool
    started_at: datetime | None
    detected_at: datetime | None
    aware_at: datetime | None
    contained_at: datetime | None
    ended_at: datetime | None
    attack_techniques: list[str]
    cves: list[str]
    threat_actors: list[str]
    malware: list[str]
    recipient_org_ids: list[uuid.UUID]
    recipient_community_ids: list[uuid.UUID]
    recipient_user_ids: list[uuid.UUID]
    exercise_id: uuid.UUID | None
    version: int = Field(description='also sent as the ETag header, "<version>"')
    created_at: datetime
    updated_at: datetime
    deadlines: list[DeadlineOut] = Field(description="NIS2 Art. 23(4), once aware_at is set")

    @classmethod
    def of(cls, incident: Incident, now: datetime) -> IncidentOut:
        return cls(**as_dict(incident),
                   deadlines=[DeadlineOut.of(d, now) for d in incident.deadlines()])


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    next_cursor: str | None = Field(description="pass as cursor for the next page; "
                                                "null on the last page")
    total: int | None = Field(description="incidents matching the filters (all pages), "
                                          "given on the first page; null on pages reached "
                                          "by cursor, which skip counting")


class FacetsOut(BaseModel):
    status: dict[str, int]
    rsit_class: dict[str, int]
    severity: dict[str, int]
    tlp: dict[str, int]
    sector: dict[str, int]
    total: int


class TimelineOut(BaseModel):
    id: uuid.UUID
    at: datetime
    kind: str
    text: str
    author_id: uuid.UUID | None
    author_name: str
    from_status: str | None
    to_status: str | None

    @classmethod
    def of(cls, e: TimelineEntry) -> TimelineOut:
        return cls(id=e.id, at=e.at, kind=e.kind.value, text=e.text, author_id=e.author_id,
                   author_name=e.author_name,
                   from_status=e.from_status.value if e.from_status else None,
                   to_status=e.to_status.value if e.to_status else None)


class ObservableOut(BaseModel):
    id: uuid.UUID
    incident_id: uuid.UUID
    type: str
    value: str
    role: str
    tlp: str | None = Field(description="its own stricter level; null: the incident's")
    first_seen: datetime | None
    last_seen: datetime | None
    comment: str
    created_at: datetime

    @classmethod
    def of(cls, o: Observable) -> ObservableOut:
        return cls(id=o.id, incident_id=o.incident_id, type=o.type.value, value=o.value,
                   role=o.role.value, tlp=o.tlp.value if o.tlp else None,
                   first_seen=o.first_seen, last_seen=o.last_seen, comment=o.comment,
                   created_at=o.created_at)


class DueOut(BaseModel):
    incident_id: uuid.UUID
    title: str
    tlp: str
    owner_org_id: uuid.UUID
    milestone: str
    due: datetime
    overdue: bool

    @classmethod
    def of(cls, incident: Incident, deadline: Deadline, now: datetime) -> DueOut:
        return cls(incident_id=incident.id, title=incident.title, tlp=incident.tlp.value,
                   owner_org_id=incident.owner_org_id, milestone=deadline.milestone.value,
                   due=deadline.due, overdue=deadline.overdue(now))


class RsitClassOut(BaseModel):
    key: str
    types: list[str]


class RsitOut(BaseModel):
    version: str
    source: str
    classes: list[RsitClassOut]


class NamedOut(BaseModel):
    key: str
    name: str


class SectorOut(NamedOut):
    annex: str = Field(description='"I" (high criticality) or "II" (other critical)')
    subsectors: list[NamedOut]


class Nis2Out(BaseModel):
    source: str
    sectors: list[SectorOut]
    milestones: list[str]


class TlpLevelOut(BaseModel):
    level: str
    label: str
    rank: int = Field(description="0 (CLEAR) to 4 (RED): a higher rank is stricter")
    colour: str


class TlpOut(BaseModel):
    source: str
    levels: list[TlpLevelOut]


class TaxonomiesOut(BaseModel):
    rsit: RsitOut
    nis2: Nis2Out
    tlp: TlpOut
    severities: list[str]
    statuses: list[str]
    transitions: dict[str, list[str]] = Field(description="status → statuses it may move to")
    timeline_kinds: list[str] = Field(description="kinds a client may add")
    observable_types: list[str]
    observable_roles: list[str]

    @classmethod
    def current(cls) -> TaxonomiesOut:
        """The tables in `rcsc.core`, as they are (each with its version and source)."""
        return cls(
            rsit=RsitOut(version=RSIT_VERSION, source=RSIT_SOURCE, classes=[
                RsitClassOut(key=k, types=list(types)) for k, types in RSIT.items()]),
            nis2=Nis2Out(source=NIS2_SOURCE, milestones=[m.value for m in Milestone], sectors=[
                SectorOut(key=s.key, name=s.name, annex=s.annex, subsectors=[
                    NamedOut(key=k, name=n) for k, n in s.subsectors]) for s in NIS2_SECTORS]),
            tlp=TlpOut(source=TLP_SOURCE, levels=[
                TlpLevelOut(level=t.value, label=t.label, rank=t.rank,
                            colour=COLOURS[t].foreground) for t in Tlp]),
            severities=[s.value for s in Severity], statuses=[s.value for s in Status],
            transitions={s.value: sorted(t.value for t in TRANSITIONS[s]) for s in Status},
            timeline_kinds=[TimelineKind.NOTE.value, TimelineKind.ACTION.value],
            observable_types=[t.value for t in ObservableType],
            observable_roles=[r.value for r in ObservableRole],
        )
