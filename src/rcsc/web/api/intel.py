"""Search over the stored STIX objects (`GET /api/v1/intel/objects?q=…`), correlations of
an incident or an object, and lookups of values."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from rcsc.core.exchange import ObjectHit
from rcsc.core.intel import IndexedValue
from rcsc.exchange import search
from rcsc.exchange.taxii import added_text, version_text
from rcsc.intel import benign, correlate
from rcsc.web.deps import ApiUser, Uow, app_state

router = APIRouter(tags=["intel"])


def _hit(hit: ObjectHit, verdicts: benign.Verdicts) -> bytes:
    v = hit.version
    flagged = benign.in_object(verdicts, v.body)
    head = orjson.dumps({"id": v.stix_id, "type": v.type, "name": hit.name,
                         "version": version_text(v.version),
                         "date_added": added_text(v.date_added), "tlp": v.tlp.value,
                         "collection": hit.collection_alias,
                         "benign": [{**value_json(b), "reasons": why}
                                    for b, why in flagged.items()]})
    return head[:-1] + b',"object":' + v.body + b"}"


@router.get("/intel/objects", summary="Search stored STIX objects",
            description="The newest version of every STIX object the caller may see whose "
                        "name contains `q` (any case), whose id is `q`, or whose JSON "
                        "contains `q` (exact case), newest first. `next` is the cursor of the "
                        "following page. The stored object is returned as received, with "
                        "`benign`: the values it carries that a MISP warninglist or a local "
                        "allow-list names, with the reasons.")
def search_objects(
    uow: Uow, actor: ApiUser, q: str = "",
    type: Annotated[list[str] | None, Query()] = None,  # noqa: A002 - the STIX property
    collection: str | None = None, cursor: str = "", limit: int = search.DEFAULT_LIMIT,
) -> Response:
    hits = search.search(uow, actor, search.query(q, type, cursor, limit), collection)
    verdicts = benign.load(uow)
    body = (b'{"items":[' + b",".join(_hit(h, verdicts) for h in hits.items)
            + b'],"next":' + orjson.dumps(hits.next) + b"}")
    return Response(body, media_type="application/json",
                    headers={"Cache-Control": "no-store"})


# --- correlation ---------------------------------------------------------------------------

def value_json(v: IndexedValue) -> dict[str, str]:
    return {"type": v.kind.value, "value": v.value}


_value = value_json


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _correlation(found: correlate.Correlation) -> dict[str, Any]:
    return {
        "values": [_value(v) for v in found.values],
        "over_correlating": [_value(v) for v in found.over_correlating],
        "benign": [{**_value(v), "reasons": why} for v, why in found.benign.items()],
        "related": [{"kind": r.kind, "ref": r.ref, "title": r.title, "tlp": r.tlp.value,
                     "owner_org_id": str(r.owner_org_id), "countries": list(r.countries),
                     "shared": [{"asked": _value(a), "found": _value(f)} for a, f in r.shared]}
                    for r in found.related],
    }


@router.get("/intel/correlations/incidents/{incident_id}",
            summary="Items sharing values with an incident",
            description="Incidents and STIX objects of any organisation that carry a value of "
                        "this incident (equal, or an address inside the other's CIDR range), "
                        "among those the caller may see. Values carried by more items than "
                        "the node's correlation limit are listed in `over_correlating`, and "
                        "benign values (a MISP warninglist or a local allow-list names them) "
                        "in `benign` with their reasons; neither is expanded.")
def incident_correlations(uow: Uow, actor: ApiUser, request: Request,
                          incident_id: uuid.UUID) -> Response:
    found = correlate.for_incident(uow, actor, incident_id, _limit(request))
    return _json(_correlation(found))


@router.get("/intel/correlations/objects/{stix_id}",
            summary="Items sharing values with a STIX object")
def object_correlations(uow: Uow, actor: ApiUser, request: Request, stix_id: str) -> Response:
    return _json(_correlation(correlate.for_object(uow, actor, stix_id, _limit(request))))


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid",
                              json_schema_extra={"examples": [{"values": [
                                  "198.51.100.7", "hxxp://evil[.]example/payload"]}]})

    values: list[str] = Field(max_length=correlate.MAX_VALUES,
                              description="Values of any indexed type; defanged forms such "
                                          "as hxxp://evil[.]example are understood.")


@router.post("/intel/lookup", summary="Look up values (the value search)",
             description="Every item the caller may see that carries any of the values (at "
                         "most 10,000 at once), benign ones included; `reports` gives each "
                         "value's verdict (`benign` reasons), how many visible items carry "
                         "it, the visible sightings by kind, and first/last seen. Values that "
                         "are no indexed value are listed in `unrecognised`.")
def lookup_values(uow: Uow, actor: ApiUser, request: Request, body: LookupIn) -> Response:
    found = correlate.lookup(uow, actor, body.values, _limit(request))
    return _json({**_correlation(found.correlation), "unrecognised": found.unrecognised,
                  "reports": [_report(r) for r in found.reports]})


def _report(r: correlate.ValueReport) -> dict[str, Any]:
    return {**_value(r.value), "benign": r.benign, "over_correlating": r.over_correlating,
            "items": r.items, "first_seen": _when(r.first_seen),
            "last_seen": _when(r.last_seen),
            "sightings": {k.value: n for k, n in r.sightings.counts.items()}}


def _limit(request: Request) -> int:
    return app_state(request).settings.correlation_limit


def json_response(body: dict[str, Any], status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code,
                    media_type="application/json", headers={"Cache-Control": "no-store"})


_json = json_response
