"""The JSON schemas of RCSC's STIX extensions (draft 2020-12), the normative definitions the
extension-definition objects point at. `web` may publish them; tests hand them to
stix2-validator (`schema_dir`), which checks every object carrying the extension.
Each schema describes the whole object, as the OASIS TLP 2.0 extension schema does."""

from __future__ import annotations

from typing import Any

from rcsc.core.incidents import Milestone, Severity, Status
from rcsc.core.taxonomy import NIS2_SECTORS, RSIT
from rcsc.stix.extensions import (
    INCIDENT_EXTENSION_ID,
    RECIPIENTS_EXTENSION_ID,
    SCHEMA_BASE_URL,
)

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"


def _ids(pattern: str) -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "uniqueItems": True,
            "items": {"type": "string", "pattern": pattern}}


def _names() -> dict[str, Any]:
    return {"type": "array", "minItems": 1,
            "items": {"type": "string", "minLength": 1, "maxLength": 200}}


def _whole_object(extension_id: str, title: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": _DRAFT,
        "$id": SCHEMA_BASE_URL + title + ".schema.json",
        "title": title,
        "type": "object",
        "properties": {"extensions": {
            "type": "object",
            "properties": {extension_id: body},
            "required": [extension_id],
        }},
        "required": ["extensions"],
    }


def _extension(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"extension_type": {"const": "property-extension"}, **properties},
        "required": ["extension_type", *required],
        "additionalProperties": False,
    }


RECIPIENTS_SCHEMA: dict[str, Any] = _whole_object(
    RECIPIENTS_EXTENSION_ID, "recipients-extension", _extension({
        "recipients": {
            "type": "object",
            "properties": {
                "organisations": _ids(r"^identity--" + _UUID.removeprefix("^")),
                "communities": _ids(_UUID),
                "users": _ids(_UUID),
            },
            "additionalProperties": False,
        },
    }, ["recipients"]),
)

_TIME = {"type": "string", "pattern": _TIMESTAMP}
_COUNT = {"type": "integer", "minimum": 0}
INCIDENT_SCHEMA: dict[str, Any] = _whole_object(
    INCIDENT_EXTENSION_ID, "incident-extension", _extension({
        "rsit_class": {"enum": sorted(RSIT)},
        "rsit_type": {"enum": sorted({kind for kinds in RSIT.values() for kind in kinds})},
        "severity": {"enum": [member.value for member in Severity]},
        "status": {"enum": [member.value for member in Status]},
        "sector": {"enum": [sector.key for sector in NIS2_SECTORS]},
        "subsector": {"type": "string", "minLength": 1},
        "countries": _ids("^[A-Z]{2}$"),
        "impact": {
            "type": "object",
            "properties": {"affected_systems": _COUNT, "affected_users": _COUNT,
                           "cross_border": {"type": "boolean"},
                           "critical_infrastructure": {"type": "boolean"}},
            "additionalProperties": False,
        },
        "times": {
            "type": "object",
            "properties": {name: _TIME for name in (
                "started_at", "detected_at", "aware_at", "contained_at", "ended_at")},
            "additionalProperties": False,
        },
        "nis2_milestones": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "properties": {"milestone": {"enum": [member.value for member in Milestone]},
                           "due": _TIME, "submitted_at": _TIME,
                           "submitted_by": {"type": "string", "pattern": _UUID}},
            "required": ["milestone"],
            "additionalProperties": False,
        }},
        "threat_actors": _names(),
        "malware": _names(),
        "exercise_id": {"type": "string", "pattern": _UUID},
        "author_id": {"type": "string", "pattern": _UUID},
    }, ["rsit_class", "rsit_type", "severity", "status", "impact"]),
)
SCHEMAS: dict[str, dict[str, Any]] = {
    RECIPIENTS_EXTENSION_ID: RECIPIENTS_SCHEMA,
    INCIDENT_EXTENSION_ID: INCIDENT_SCHEMA,
}
