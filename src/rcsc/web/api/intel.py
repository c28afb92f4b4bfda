"""Search over the stored STIX objects: `GET /api/v1/intel/objects?q=…`."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from rcsc.core.exchange import ObjectHit
from rcsc.exchange import search
from rcsc.exchange.taxii import added_text, version_text
from rcsc.web.deps import ApiUser, Uow

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
