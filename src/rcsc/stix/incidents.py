"""An RCSC incident as a STIX 2.1 `incident` object, and the incident fields read back.

STIX 2.1 §4.6 gives `incident` only name, description and kill chain phases; everything else
travels in RCSC's incident extension (`rcsc.stix.extensions`). CVEs and ATT&CK techniques are
external references (source_name `cve` and `mitre-attack`), which every STIX tool reads.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypedDict

from rcsc.core.incidents import (
    Impact,
    Incident,
    Milestone,
    Recipients,
    Severity,
    Status,
    Submission,
    Times,
)
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.stix.common import SPEC_VERSION, StixObject, parse_timestamp, timestamp
from rcsc.stix.extensions import INCIDENT_EXTENSION_ID
from rcsc.stix.ids import identity_id, incident_id, uuid_of
from rcsc.stix.markings import tlp_of_object
from rcsc.stix.recipients import mark, read_recipients
from rcsc.stix.values import ExtensionReader

CVE_SOURCE = "cve"
ATTACK_SOURCE = "mitre-attack"
_TIMES = ("started_at", "detected_at", "aware_at", "contained_at", "ended_at")


class IncidentFields(TypedDict):
    """Every field of `rcsc.core.incidents.Incident` but `version`, which each node counts."""

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
    created_at: datetime
    updated_at: datetime
    submissions: dict[Milestone, Submission]


def _external_references(incident: Incident) -> list[dict[str, str]]:
    return [{"source_name": CVE_SOURCE, "external_id": cve} for cve in incident.cves] + [
        {"source_name": ATTACK_SOURCE, "external_id": technique}
        for technique in incident.attack_techniques
    ]


def _milestones(incident: Incident) -> list[dict[str, str]]:
    dues = {deadline.milestone: deadline.due for deadline in incident.deadlines()}
    entries = []
    for milestone in Milestone:
        entry = {"milestone": milestone.value}
        if milestone in dues:
            entry["due"] = timestamp(dues[milestone])
        submission = incident.submissions.get(milestone)
        if submission is not None:
            entry["submitted_at"] = timestamp(submission.at)
            if submission.by is not None:
                entry["submitted_by"] = str(submission.by)
        if len(entry) > 1:
            entries.append(entry)
    return entries


def _impact(impact: Impact) -> dict[str, Any]:
    found: dict[str, Any] = {"cross_border": impact.cross_border,
                             "critical_infrastructure": impact.critical_infrastructure}
    if impact.affected_systems is not None:
        found["affected_systems"] = impact.affected_systems
    if impact.affected_users is not None:
        found["affected_users"] = impact.affected_users
    return found


def _extension(incident: Incident) -> dict[str, Any]:
    times = {name: timestamp(moment) for name in _TIMES
             if (moment := getattr(incident.times, name)) is not None}
    optional: dict[str, Any] = {
        "sector": incident.sector, "subsector": incident.subsector,
        "countries": sorted(incident.countries), "times": times,
        "nis2_milestones": _milestones(incident),
        "threat_actors": list(incident.threat_actors), "malware": list(incident.malware),
        "exercise_id": str(incident.exercise_id) if incident.exercise_id else None,
        "author_id": str(incident.author_id) if incident.author_id else None,
    }
    return {
        "extension_type": "property-extension",
        "rsit_class": incident.rsit_class,
        "rsit_type": incident.rsit_type,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "impact": _impact(incident.impact),
        **{key: value for key, value in optional.items() if value},
    }


def incident_object(incident: Incident) -> StixObject:
    """The STIX `incident` for an RCSC incident, marked at its TLP level with its recipients.
    `modified` is `updated_at` to the millisecond, so each saved version is a STIX version."""
    obj: StixObject = {
        "type": "incident",
        "spec_version": SPEC_VERSION,
        "id": incident_id(incident.id),
        "created_by_ref": identity_id(incident.owner_org_id),
        "created": timestamp(incident.created_at),
        "modified": timestamp(incident.updated_at),
        "name": incident.title,
    }
    if incident.summary:
        obj["description"] = incident.summary
    if references := _external_references(incident):
        obj["external_references"] = references
    obj["extensions"] = {INCIDENT_EXTENSION_ID: _extension(incident)}
    return mark(obj, incident.tlp, incident.recipients)


def _references(obj: StixObject, source: str) -> tuple[str, ...]:
    references = obj.get("external_references") or []
    return tuple(str(ref["external_id"]) for ref in references
                 if isinstance(ref, dict) and ref.get("source_name") == source
                 and "external_id" in ref)


def _submissions(reader: ExtensionReader) -> dict[Milestone, Submission]:
    found: dict[Milestone, Submission] = {}
    for index, entry in enumerate(reader.objects("nis2_milestones")):
        item = reader.nested(f"nis2_milestones.{index}", entry)
        milestone = item.enum("milestone", Milestone)
        at = item.optional_time("submitted_at")
        if at is not None:
            found[milestone] = Submission(at, item.optional_uuid("submitted_by"))
    return found


def _impact_of(reader: ExtensionReader) -> Impact:
    item = reader.nested("impact", reader.object("impact"))
    return Impact(affected_systems=item.optional_int("affected_systems"),
                  affected_users=item.optional_int("affected_users"),
                  cross_border=item.boolean("cross_border"),
                  critical_infrastructure=item.boolean("critical_infrastructure"))


def _times_of(reader: ExtensionReader) -> Times:
    item = reader.nested("times", reader.object("times"))
    return Times(**{name: item.optional_time(name) for name in _TIMES})


def incident_fields(obj: StixObject, *, default_tlp: Tlp) -> IncidentFields:
    """The RCSC incident fields of a STIX `incident` carrying our extension. `default_tlp`
    (the collection's or node's level) applies when no marking is a TLP level."""
    if obj.get("type") != "incident":
        raise ValidationFailed.field("type", "must be incident")
    reader = ExtensionReader.of(obj, INCIDENT_EXTENSION_ID)
    return IncidentFields(
        id=uuid_of(obj.get("id"), "incident", "id"),
        title=reader.top_string("name"),
        summary=str(obj.get("description") or ""),
        rsit_class=reader.string("rsit_class"),
        rsit_type=reader.string("rsit_type"),
        severity=reader.enum("severity", Severity),
        status=reader.enum("status", Status),
        tlp=tlp_of_object(obj) or default_tlp,
        owner_org_id=uuid_of(obj.get("created_by_ref"), "identity", "created_by_ref"),
        author_id=reader.optional_uuid("author_id"),
        recipients=read_recipients(obj),
        countries=frozenset(reader.strings("countries")),
        sector=reader.optional_string("sector"),
        subsector=reader.optional_string("subsector"),
        impact=_impact_of(reader),
        times=_times_of(reader),
        attack_techniques=_references(obj, ATTACK_SOURCE),
        cves=_references(obj, CVE_SOURCE),
        threat_actors=tuple(reader.strings("threat_actors")),
        malware=tuple(reader.strings("malware")),
        exercise_id=reader.optional_uuid("exercise_id"),
        created_at=parse_timestamp(obj.get("created"), "created"),
        updated_at=parse_timestamp(obj.get("modified"), "modified"),
        submissions=_submissions(reader),
    )
