"""Incidents: file, read, edit (ETag / If-Match), move through the workflow, add timeline
entries and observables, filter, page, count, export; NIS2 deadlines; reference taxonomies.

The services decide; this module parses requests and serialises answers. A caller who may
not see an incident gets 404 for it, as if it did not exist; one who may see but not edit
it gets 403.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.convertors import Convertor, register_url_convertor

from rcsc.core.clock import as_utc
from rcsc.core.incidents import Incident, Milestone, Severity, Status
from rcsc.core.taxonomy import RSIT, SECTORS_BY_KEY
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.incidents import export, filters, service
from rcsc.incidents import observables as obs
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.incidents import IncidentQuery, Page
from rcsc.web.api import cursors
from rcsc.web.api.incident_schemas import (
    DueOut,
    FacetsOut,
    IncidentIn,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    MilestoneIn,
    ObservableIn,
    ObservableOut,
    TaxonomiesOut,
    TimelineIn,
    TimelineOut,
    TransitionIn,
)
from rcsc.web.deps import ApiUser, Uow, app_state


class _IncidentId(Convertor[str]):
    """Any path segment but the fixed names beside it, so `PATCH /incidents/facets` is a 405
    (not "facets is not a UUID"); anything else still reaches the UUID check and its 422."""

    regex = r"(?!(?:facets|export)(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("incident", _IncidentId())
INCIDENT = "/incidents/{incident_id:incident}"


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {}}}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: _problem("no valid credentials"),
    403: _problem("a role or token scope is missing, or the caller may see but not edit"),
    404: _problem("no such incident, or one the caller may not see"),
    422: _problem("invalid input: `errors` names every bad field"),
}
STALE: dict[int | str, dict[str, Any]] = {
    412: _problem("If-Match names an older version: nothing was changed")}
NO_STORE = "no-store"
router = APIRouter(tags=["incidents"], responses=PROBLEMS)


def _listed(values: Any, description: str) -> Any:
    """A repeatable filter: an incident matches when it has any of the values given."""
    return Query(default_factory=list, description=f"{description}; repeatable (any of them)",
                 json_schema_extra={"items": {"type": "string",
                                              "enum": [str(v) for v in values]}})


def incident_filters(
    status: Annotated[list[str], _listed(Status, "workflow status")],
    rsit_class: Annotated[list[str], _listed(RSIT, "RSIT v1003 class")],
    severity: Annotated[list[str], _listed(Severity, "severity")],
    tlp: Annotated[list[str], _listed([t.value for t in Tlp], "TLP 2.0 level (send + as %2B)")],
    country: Annotated[list[str], Query(default_factory=list,
                                        description="ISO 3166-1 alpha-2 code; repeatable")],
    sector: Annotated[list[str], _listed(SECTORS_BY_KEY, "NIS2 sector")],
    created_from: Annotated[datetime | None, Query(description="inclusive")] = None,
    created_to: Annotated[datetime | None, Query(description="exclusive")] = None,
    q: Annotated[str | None, Query(max_length=filters.MAX_TEXT,
                                   description="free text in title or summary")] = None,
    exercise: Annotated[Literal["false", "true", "all"],
                        Query(description="exercise incidents: hidden by default")] = "false",
) -> IncidentQuery:
    return filters.build_query(
        status=status, rsit_class=rsit_class, severity=severity, tlp=tlp, country=country,
        sector=sector, q=q, exercise=exercise,
        created_from=as_utc(created_from) if created_from else None,
        created_to=as_utc(created_to) if created_to else None)


Filters = Annotated[IncidentQuery, Depends(incident_filters)]
IfMatch = Annotated[str | None, Header(
    description='the ETag of the version the change is based on, such as "3"; a stale one '
                "gets 412 and changes nothing")]
_ETAG = re.compile(r'"(\d{1,18})"')


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*`."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.fullmatch(if_match.strip())
    if match is None:
        raise ValidationFailed.field("If-Match", 'must be the ETag of the incident, such as "3"')
    return int(match.group(1))


def _out(uow: UnitOfWork, incident: Incident, response: Response) -> IncidentOut:
    response.headers["ETag"] = f'"{incident.version}"'
    response.headers["Cache-Control"] = NO_STORE
    return IncidentOut.of(incident, uow.clock.now())


# --- collection ---------------------------------------------------------------------------


@router.post("/incidents", response_model=IncidentOut, status_code=status.HTTP_201_CREATED)
def create_incident(body: IncidentIn, request: Request, response: Response, uow: Uow,
                    actor: ApiUser) -> IncidentOut:
    """File an incident for the caller's organisation (status `new`)."""
    incident = service.create(uow, actor, body.model_dump(exclude_unset=True))
    response.headers["Location"] = request.app.url_path_for(
        "get_incident", incident_id=str(incident.id))
    return _out(uow, incident, response)


def _sort_value(incident: Incident, sort: str) -> datetime:
    return incident.updated_at if sort == "updated" else incident.created_at


@router.get("/incidents", response_model=IncidentPage)
def list_incidents(
    uow: Uow, actor: ApiUser, query: Filters, response: Response,
    sort: Literal["created", "updated"] = "created", order: Literal["desc", "asc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=cursors.MAX_LENGTH,
                                        description="next_cursor of the previous page")] = None,
) -> IncidentPage:
    """The incidents the caller may see, newest first by default, a page at a time; the
    first page also counts them all (`total`), later pages do not pay for that again."""
    descending = order == "desc"
    after = cursors.decode(cursor, sort, descending) if cursor else None
    page = Page(sort=sort, descending=descending, after=after, limit=limit)
    items, more = service.browse(uow, actor, query, page)
    last = items[-1] if items else None
    next_cursor = cursors.encode(sort, descending, _sort_value(last, sort), last.id) \
        if more and last else None
    response.headers["Cache-Control"] = NO_STORE
    now = uow.clock.now()
    return IncidentPage(items=[IncidentOut.of(i, now) for i in items],
                        next_cursor=next_cursor,
                        total=None if after else service.count(uow, actor, query))


@router.get("/incidents/facets", response_model=FacetsOut)
def incident_facets(uow: Uow, actor: ApiUser, query: Filters) -> FacetsOut:
    """How many visible incidents match, by status, class, severity, TLP and sector."""
    counts = service.facets(uow, actor, query)
    return FacetsOut(**counts, total=service.count(uow, actor, query))


@router.get("/incidents/export", response_class=StreamingResponse, responses={200: {
    "description": "every matching incident the caller may see, oldest first",
    "content": {"text/csv": {}, "application/json": {}}}})
def export_incidents(request: Request, uow: Uow, actor: ApiUser, query: Filters,
                     format: Literal["csv", "json"] = "csv") -> StreamingResponse:
    """Stream the matching incidents (audited as `incident.export`)."""
    stream = export.export(uow, app_state(request).db, actor, query, format)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return StreamingResponse(stream, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="rcsc-incidents.{format}"',
        "Cache-Control": NO_STORE})


# --- one incident -------------------------------------------------------------------------


@router.get(INCIDENT, response_model=IncidentOut)
def get_incident(incident_id: uuid.UUID, uow: Uow, actor: ApiUser,
                 response: Response) -> IncidentOut:
    """One incident, with its ETag (reads of AMBER+STRICT and RED ones are audited)."""
    return _out(uow, service.get(uow, actor, incident_id), response)


@router.patch(INCIDENT, response_model=IncidentOut, responses=STALE)
def update_incident(incident_id: uuid.UUID, body: IncidentPatch, uow: Uow, actor: ApiUser,
                    response: Response, if_match: IfMatch = None) -> IncidentOut:
    """Change the fields sent (the owner organisation only); the status has its own route."""
    incident = service.update(uow, actor, incident_id, body.model_dump(exclude_unset=True),
                              expected_version=expected_version(if_match))
    return _out(uow, incident, response)


@router.post(INCIDENT + "/status", response_model=IncidentOut, responses=STALE)
def transition_incident(incident_id: uuid.UUID, body: TransitionIn, uow: Uow, actor: ApiUser,
                        response: Response, if_match: IfMatch = None) -> IncidentOut:
    """Move along the workflow; recorded on the timeline with who and when."""
    incident = service.transition(uow, actor, incident_id, body.status, body.note,
                                  expected_version=expected_version(if_match))
    return _out(uow, incident, response)


@router.post(INCIDENT + "/nis2/{milestone}", response_model=IncidentOut)
def submit_milestone(incident_id: uuid.UUID, milestone: Milestone, body: MilestoneIn,
                     uow: Uow, actor: ApiUser, response: Response) -> IncidentOut:
    """Mark a NIS2 Art. 23(4) report as submitted (now, or at `submitted_at`)."""
    incident = service.submit_milestone(uow, actor, incident_id, milestone.value,
                                        body.submitted_at)
    return _out(uow, incident, response)


@router.get(INCIDENT + "/timeline", response_model=list[TimelineOut])
def list_timeline(incident_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[TimelineOut]:
    return [TimelineOut.of(e) for e in service.timeline(uow, actor, incident_id)]


@router.post(INCIDENT + "/timeline", response_model=TimelineOut,
             status_code=status.HTTP_201_CREATED)
def add_timeline_entry(incident_id: uuid.UUID, body: TimelineIn, uow: Uow,
                       actor: ApiUser) -> TimelineOut:
    return TimelineOut.of(service.add_entry(uow, actor, incident_id, body.kind, body.text,
                                            body.at))


@router.get(INCIDENT + "/observables", response_model=list[ObservableOut])
def list_observables(incident_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[ObservableOut]:
    return [ObservableOut.of(o) for o in obs.list_for(uow, actor, incident_id)]


@router.post(INCIDENT + "/observables", response_model=ObservableOut,
             status_code=status.HTTP_201_CREATED)
def add_observable(incident_id: uuid.UUID, body: ObservableIn, uow: Uow,
                   actor: ApiUser) -> ObservableOut:
    """Attach a value (normalised); one there already has its first/last seen widened."""
    return ObservableOut.of(obs.add(uow, actor, incident_id, **body.model_dump()))


@router.delete(INCIDENT + "/observables/{observable_id}", response_class=Response,
               status_code=status.HTTP_204_NO_CONTENT)
def delete_observable(incident_id: uuid.UUID, observable_id: uuid.UUID, uow: Uow,
                      actor: ApiUser) -> Response:
    obs.remove(uow, actor, incident_id, observable_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- NIS2 and reference data --------------------------------------------------------------


@router.get("/nis2/deadlines", response_model=list[DueOut], tags=["nis2"])
def nis2_deadlines(
    uow: Uow, actor: ApiUser,
    scope: Annotated[Literal["own", "all"], Query(
        description="own: the caller's organisation; all: every incident the caller may "
                    "see (the coordinator's view)")] = "own",
    within_hours: Annotated[int, Query(ge=0, le=24 * 31)] = 24,
) -> list[DueOut]:
    """Open NIS2 milestones overdue or due within `within_hours`, soonest first."""
    found = service.deadlines(uow, actor, own_org_only=scope == "own",
                              due_within=timedelta(hours=within_hours))
    service.note_shown(uow, actor, (incident for incident, _ in found), "incident.deadlines")
    now = uow.clock.now()
    return [DueOut.of(incident, deadline, now) for incident, deadline in found]


@router.get("/taxonomies", response_model=TaxonomiesOut, tags=["reference"])
def taxonomies(actor: ApiUser) -> TaxonomiesOut:
    """RSIT v1003, NIS2 sectors, TLP 2.0, workflow and observable types, with sources."""
    return TaxonomiesOut.current()
