"""Search over the stored STIX objects (`GET /api/v1/intel/objects?q=…`), correlations of
an incident or an object, and lookups of values."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from rcsc.core.exchange import ObjectHit
from rcsc.core.intel import IndexedValue
from rcsc.exchange import search
from rcsc.exchange.taxii import added_text, version_text
from rcsc.intel import correlate
from rcsc.web.deps import ApiUser, Uow, app_state

router = APIRouter(tags=["intel"])


def _hit(hit: ObjectHit) -> bytes:
    v = hit.version
    head = orjson.dumps({"id": v.stix_id, "type": v.type, "name": hit.name,
                         "version": version_text(v.version),
                         "date_added": added_text(v.date_added), "tlp": v.tlp.value,
                         "collection": hit.collection_alias})
    return head[:-1] + b',"object":' + v.body + b"}"


@router.get("/intel/objects", summary="Search stored STIX objects",
            description="The newest version of every STIX object the caller may see whose "
                        "name contains `q` (any case), whose id is `q`, or whose JSON "
                        "contains `q` (exact case), newest first. `next` is the cursor of the "
                        "following page. The stored object is returned as received.")
def search_objects(
    uow: Uow, actor: ApiUser, q: str = "",
    type: Annotated[list[str] | None, Query()] = None,  # noqa: A002 - the STIX property
    collection: str | None = None, cursor: str = "", limit: int = search.DEFAULT_LIMIT,
) -> Response:
    hits = search.search(uow, actor, search.query(q, type, cursor, limit), collection)
    body = (b'{"items":[' + b",".join(_hit(h) for h in hits.items) + b'],"next":'
            + orjson.dumps(hits.next) + b"}")
    return Response(body, media_type="application/json",
                    headers={"Cache-Control": "no-store"})


# --- correlation ---------------------------------------------------------------------------

def _value(v: IndexedValue) -> dict[str, str]:
    return {"type": v.kind.value, "value": v.value}


def _correlation(found: correlate.Correlation) -> dict[str, Any]:
    return {
        "values": [_value(v) for v in found.values],
        "over_correlating": [_value(v) for v in found.over_correlating],
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
                        "the node's correlation limit are listed in `over_correlating` and "
                        "not expanded.")
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


@router.post("/intel/lookup", summary="Look up values",
             description="Every item the caller may see that carries any of the values (at "
                         "most 10,000 at once), with the values that are no indexed value "
                         "listed in `unrecognised`.")
def lookup_values(uow: Uow, actor: ApiUser, request: Request, body: LookupIn) -> Response:
    found = correlate.lookup(uow, actor, body.values, _limit(request))
    return _json({**_correlation(found.correlation), "unrecognised": found.unrecognised})


def _limit(request: Request) -> int:
    return app_state(request).settings.correlation_limit


def _json(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type="application/json",
                    headers={"Cache-Control": "no-store"})
