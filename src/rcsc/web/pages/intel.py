"""The intelligence pages: search the STIX objects stored on this node (what the caller may
see, newest first), each shown as it was received; and the value search (one box, any
values, one a line: every visible item carrying each, its verdict, sightings, first/last
seen), where a sighting can be recorded."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rcsc.core.tlp import Tlp
from rcsc.core.verdicts import SightingKind
from rcsc.errors import ValidationFailed
from rcsc.exchange import collections, search
from rcsc.intel import benign, correlate, sightings
from rcsc.web.deps import PageUser, Uow, app_state
from rcsc.web.pages.render import check_csrf, render

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
    verdicts = benign.load(uow)
    flagged = {h.version.stix_id: benign.in_object(verdicts, h.version.body)
               for h in (hits.items if hits else [])}
    return render(request, "intel/search.html", status_code=422 if errors else 200,
                  q=q, type=type, collection=collection, errors=errors, flagged=flagged,
                  hits=hits.items if hits else [], next_link=next_link, pretty=_pretty,
                  collections=[a.collection for a in collections.visible_to(uow, actor)])


def form_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for e in exc.errors:
        errors.setdefault(e.field, []).append(e.message)
    return errors


def _values_page(request: Request, uow: Uow, actor: PageUser, q: str,
                 errors: dict[str, list[str]] | None = None,
                 status_code: int = 200) -> Response:
    texts = [line.strip() for line in q.splitlines() if line.strip()]
    found: correlate.Lookup | None = None
    errors = dict(errors or {})
    if texts:
        try:
            found = correlate.lookup(uow, actor, texts,
                                     app_state(request).settings.correlation_limit)
        except ValidationFailed as exc:
            errors.update({"q" if k == "values" else k: v for k, v in form_errors(exc).items()})
            status_code = 422
    return render(request, "intel/values.html", status_code=status_code, q=q, found=found,
                  errors=errors, kinds=list(SightingKind), levels=list(Tlp))


@router.get("/intel/values")
def value_search(request: Request, uow: Uow, actor: PageUser, q: str = "") -> Response:
    return _values_page(request, uow, actor, q)


@router.post("/intel/values/sightings")
def value_sighting(request: Request, uow: Uow, actor: PageUser,
                   csrf_token: Annotated[str, Form()], value: Annotated[str, Form()],
                   kind: Annotated[str, Form()], tlp: Annotated[str, Form()] = "amber",
                   count: Annotated[int, Form()] = 1, q: Annotated[str, Form()] = "",
                   comment: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    try:
        sightings.add(uow, actor, sightings.SightingInput(kind=kind, value=value, count=count,
                                                          tlp=tlp, comment=comment))
    except ValidationFailed as exc:
        return _values_page(request, uow, actor, q or value, form_errors(exc), 422)
    return RedirectResponse("/intel/values?" + urlencode({"q": q or value}), status_code=303)
