"""Verdicts on values: sightings (any organisation), local allow-lists and the MISP
warninglists the node applies (node admins), and free-text extraction of observables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from rcsc.core.verdicts import AllowEntry, Sighting
from rcsc.intel import allowlists, extract, sightings
from rcsc.web.api.intel import json_response, value_json
from rcsc.web.deps import ApiUser, Uow

router = APIRouter(tags=["intel"])


def sighting_json(s: Sighting) -> dict[str, Any]:
    return {"id": str(s.id), "kind": s.kind.value,
            "value": value_json(s.value) if s.value else None, "stix_id": s.stix_id,
            "count": s.count, "first_seen": s.first_seen.isoformat(),
            "last_seen": s.last_seen.isoformat(), "tlp": s.tlp.value,
            "owner_org_id": str(s.owner_org_id), "comment": s.comment}


class SightingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "seen", "value": "hxxp://evil[.]example/payload", "count": 3,
        "first_seen": "2026-11-29T08:00:00Z", "last_seen": "2026-11-29T09:30:00Z",
        "tlp": "green"}]})

    kind: Literal["seen", "false-positive", "expired"]
    value: str | None = Field(default=None, max_length=4096,
                              description="the value sighted (defanged forms understood); "
                                          "or give stix_id")
    stix_id: str | None = Field(default=None, max_length=100,
                                description="the indicator (or other object) sighted")
    count: int = 1
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    tlp: str = "amber"
    recipient_org_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    comment: str = ""


@router.post("/intel/sightings", status_code=status.HTTP_201_CREATED,
             summary="Record a sighting",
             description="Your organisation saw a value or an indicator (`seen`), judged it "
                         "a false positive, or declares it expired. Marked with a TLP (AMBER "
                         "by default: your organisation and the recipients named).")
def add_sighting(uow: Uow, actor: ApiUser, body: SightingIn) -> Response:
    made = sightings.add(uow, actor, sightings.SightingInput(**body.model_dump()))
    return json_response(sighting_json(made), status.HTTP_201_CREATED)


@router.get("/intel/sightings", summary="Sightings of values or objects",
            description="The sightings you may see of the values (`value`, repeatable, "
                        "defanged forms understood) or objects (`stix_id`), newest first; "
                        "without either, the latest ones.")
def list_sightings(uow: Uow, actor: ApiUser,
                   value: Annotated[list[str] | None, Query(max_length=1000)] = None,
                   stix_id: Annotated[list[str] | None, Query(max_length=1000)] = None,
                   ) -> Response:
    if value or stix_id:
        found = sightings.of_texts(uow, actor, value or [], stix_id or [])
    else:
        found = sightings.latest(uow, actor)
    return json_response({"items": [sighting_json(s) for s in found]})


# --- allow-lists and warninglists (node admins) ---------------------------------------------

def _entry(e: AllowEntry) -> dict[str, Any]:
    return {"id": e.pk, "list": e.list_name, **value_json(e.value), "comment": e.comment,
            "created_at": e.created_at.isoformat()}


class AllowIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "list": "partner-scanners", "value": "203.0.113.0/24",
        "comment": "CERT-EE's authorised scanner"}]})

    list: str = Field(max_length=100, description="the allow-list's name")
    value: str = Field(max_length=4096, description="a value or a CIDR range")
    comment: str = ""


@router.get("/intel/allowlists", summary="Local allow-list entries")
def list_allowed(uow: Uow, actor: ApiUser) -> Response:
    return json_response({"items": [_entry(e) for e in allowlists.entries(uow, actor)]})


@router.post("/intel/allowlists", status_code=status.HTTP_201_CREATED,
             summary="Allow a value or CIDR range (node admins)",
             description="Values on a local allow-list are benign: shown as such, never a "
                         "reason for a correlation, never an alert. Audited.")
def add_allowed(uow: Uow, actor: ApiUser, body: AllowIn) -> Response:
    entry = allowlists.add(uow, actor, list_name=body.list, value=body.value,
                           comment=body.comment)
    return json_response(_entry(entry), status.HTTP_201_CREATED)


@router.delete("/intel/allowlists/{entry_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove an allow-list entry (node admins)")
def remove_allowed(uow: Uow, actor: ApiUser, entry_id: int) -> Response:
    allowlists.remove(uow, actor, entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/intel/warninglists", summary="MISP warninglists",
            description="Every MISP warninglist shipped with the node, its entry count and "
                        "whether this node applies it.")
def list_warninglists(uow: Uow, actor: ApiUser) -> Response:
    return json_response({"items": [
        {"name": w.name, "description": w.description, "matching": w.kind,
         "entries": w.entries, "enabled": w.enabled}
        for w in allowlists.warninglist_states(uow, actor)]})


class WarninglistSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


@router.put("/intel/warninglists/{name}", summary="Apply or stop applying a warninglist "
                                                 "(node admins)")
def switch_warninglist(uow: Uow, actor: ApiUser, name: str,
                       body: WarninglistSwitch) -> Response:
    allowlists.set_warninglist(uow, actor, name, body.enabled)
    return json_response({"name": name, "enabled": body.enabled})


# --- free-text extraction -------------------------------------------------------------------

class ExtractIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "C2 at hxxp://evil[.]lt/gate.php (5.188.10[.]3), dropper sha256 "
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]})

    text: str = Field(max_length=extract.MAX_TEXT)


@router.post("/intel/extract", summary="Find observables in a text",
             description="The observables in a pasted report (defanged forms understood), "
                         "normalised, each with the reasons it is benign, if any.")
def extract_text(uow: Uow, actor: ApiUser, body: ExtractIn) -> Response:
    found = extract.find(uow, actor, body.text)
    return json_response({"items": [{**value_json(x.value), "benign": x.benign}
                                    for x in found]})


class Picked(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    value: str


class AttachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident_id: uuid.UUID
    observables: list[Picked] = Field(max_length=extract.MAX_ATTACH)


@router.post("/intel/extract/attach", summary="Attach picked observables to an incident")
def attach_extracted(uow: Uow, actor: ApiUser, body: AttachIn) -> Response:
    made = extract.attach(uow, actor, body.incident_id,
                          [p.model_dump() for p in body.observables])
    return json_response({"attached": [{"id": str(o.id), "type": o.type.value,
                                        "value": o.value} for o in made]})
