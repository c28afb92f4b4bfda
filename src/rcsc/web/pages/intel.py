"""The intelligence page: search the STIX objects stored on this node (what the caller may
see, newest first), each shown as it was received."""

from __future__ import annotations

from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from rcsc.errors import ValidationFailed
from rcsc.exchange import collections, search
from rcsc.web.deps import PageUser, Uow
from rcsc.web.pages.render import render

router = APIRouter()


def _pretty(body: bytes) -> str:
    return orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2).decode()


@router.get("/intel")
def intel_search(request: Request, uow: Uow, actor: PageUser, q: str = "", type: str = "",  # noqa: A002
                 collection: str = "", cursor: str = "") -> Response:
    errors: dict[str, list[str]] = {}
    hits: search.Hits | None = None
    try:
        hits = search.search(uow, actor, search.query(q, [type] if type else [], cursor),
                             collection or None)
    except ValidationFailed as exc:
        for e in exc.errors:
            errors.setdefault(e.field, []).append(e.message)
    next_link = None
    if hits is not None and hits.next:
        next_link = "/intel?" + urlencode({"q": q, "type": type, "collection": collection,
                                           "cursor": hits.next})
    return render(request, "intel/search.html", status_code=422 if errors else 200,
                  q=q, type=type, collection=collection, errors=errors,
                  hits=hits.items if hits else [], next_link=next_link, pretty=_pretty,
                  collections=[a.collection for a in collections.visible_to(uow, actor)])
