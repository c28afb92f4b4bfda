"""Incident pages: the list with filters, the detail with its timeline, the create and edit
forms, workflow buttons, observables, NIS2 milestones and the deadline view.

A rejected form is shown again (422) with each message beside its input and what the user
typed kept; the service refuses before it writes, so the request commits nothing. An incident
the viewer may not see is the same 404 page as one that does not exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from rcsc.accounts import communities, organisations
from rcsc.core.identity import Principal
from rcsc.core.incidents import ObservableRole, TimelineKind
from rcsc.core.observables import ObservableType
from rcsc.core.permissions import Action, require
from rcsc.core.taxonomy import NIS2_SECTORS
from rcsc.core.tlp import Tlp
from rcsc.errors import NotFound, PermissionDenied, PreconditionFailed, ValidationFailed
from rcsc.incidents import fields as f
from rcsc.incidents import observables, service
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.incidents import IncidentQuery, Page
from rcsc.web.deps import PageUser, Uow
from rcsc.web.errors import status_of
from rcsc.web.i18n import N_
from rcsc.web.pages import incident_detail as detail
from rcsc.web.pages import incident_forms as forms
from rcsc.web.pages import incident_views as views
from rcsc.web.pages.render import check_csrf, render

router = APIRouter()
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
DUE_WINDOWS = (24, 72, 168)  # hours offered on the deadline view
STALE = N_("Someone changed this incident after you opened it. Nothing was saved: open the "
           "current version and make your change again.")


async def _form(request: Request) -> FormData:
    return await request.form()


FormBody = Annotated[FormData, Depends(_form)]


def _incident_id(text: str) -> uuid.UUID:
    """A malformed id is as unknown as a missing one: the same 404 page."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound("incident", text) from None


def _checked(request: Request, form: FormData) -> None:
    check_csrf(request, forms.text_of(form, "csrf_token"))


def _see(incident_id: uuid.UUID, anchor: str = "") -> Response:
    return RedirectResponse(f"/incidents/{incident_id}{anchor}", status_code=303)


# --- the list ----------------------------------------------------------------------------

@router.get("/incidents")
def incident_list(
    request: Request, uow: Uow, actor: PageUser, status: str = "", rsit_class: str = "",
    severity: str = "", tlp: str = "", country: str = "", sector: str = "", q: str = "",
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "", cursor: str = "", limit: int = PAGE_SIZE,
) -> Response:
    filters = views.ListFilters(status, rsit_class, severity, tlp, country.strip().upper(),
                                sector, q.strip(), date_from, date_to)
    context: dict[str, Any] = dict(filters=filters, choices=_list_choices(), incidents=[],
                                   total=0, facets={}, next_link=None, errors={},
                                   may_write=views.may_write(actor))
    try:
        query = filters.query(actor.timezone)
        after = views.decode_cursor(cursor) if cursor else None
    except ValidationFailed as exc:
        context["errors"] = views.filter_errors(exc.errors, forms.GENERAL)
        return render(request, "incidents/list.html", status_code=422, **context)
    context.update(_results(uow, actor, filters, query, after, max(1, min(limit, MAX_PAGE_SIZE))))
    return render(request, "incidents/list.html", **context)


def _results(uow: UnitOfWork, actor: Principal, filters: views.ListFilters,
             query: IncidentQuery, after: tuple[datetime, uuid.UUID] | None,
             size: int) -> dict[str, Any]:
    """One page of visible incidents with the visible total and facet counts."""
    page = Page(sort=views.SORT, descending=True, after=after, limit=size)
    shown, more = service.browse(uow, actor, query, page)
    keep_size = str(size) if size != PAGE_SIZE else ""
    return dict(
        incidents=shown, total=service.count(uow, actor, query),
        facets=service.facets(uow, actor, query),
        org_names=views.org_names(organisations.list_all(uow, actor)),
        next_link=filters.link(cursor=views.encode_cursor(shown[-1]), limit=keep_size)
        if more and shown else None,
        first_link=filters.link(limit=keep_size) if after else None,
    )


def _list_choices() -> dict[str, Any]:
    return dict(statuses=views.STATUS_LABELS, severities=views.SEVERITY_LABELS,
                levels=list(Tlp), rsit=views.rsit_groups(),
                sector_keys=[(s.key, s.name) for s in NIS2_SECTORS],
                facet_titles=views.FACET_TITLES, labels=views.LABELS,
                sector_label=views.sector_label)


# --- create and edit ---------------------------------------------------------------------

def _form_page(request: Request, uow: UnitOfWork, actor: Principal, *, values: dict[str, Any],
               action: str, incident_id: uuid.UUID | None = None, status_code: int = 200,
               errors: dict[str, list[str]] | None = None, stale: bool = False) -> Response:
    orgs = [o for o in organisations.list_all(uow, actor) if o.id != actor.org_id]
    return render(
        request, "incidents/form.html", status_code=status_code, values=values,
        action=action, incident_id=incident_id, errors=errors or {}, stale=stale,
        organisations=orgs, communities=communities.list_all(uow, actor),
        rsit=views.rsit_groups(), sectors=views.sector_choices(),
        severities=views.SEVERITY_LABELS, levels=list(Tlp), meanings=views.TLP_MEANINGS,
        general=forms.GENERAL, max_title=f.MAX_TITLE, max_summary=f.MAX_SUMMARY,
        timezone=actor.timezone,
    )


@router.get("/incidents/new")
def incident_new(request: Request, uow: Uow, actor: PageUser,
                 exercise_id: uuid.UUID | None = None) -> Response:
    """`exercise_id`: an exercise incident (from an exercise inbox), kept out of real data."""
    require(actor, Action.INCIDENT_WRITE)
    own = uow.orgs.get(actor.org_id) if actor.org_id else None
    values = forms.blank_values(own.country if own else None)
    values["exercise_id"] = str(exercise_id) if exercise_id else ""
    return _form_page(request, uow, actor, action="/incidents/new", values=values)


@router.post("/incidents/new")
def incident_create(request: Request, uow: Uow, actor: PageUser, form: FormBody) -> Response:
    _checked(request, form)
    parsed = forms.parse_incident(form, actor.timezone, uow)
    try:
        incident = service.create(uow, actor, parsed.data)
    except ValidationFailed as exc:  # raised before anything was written
        return _refused(request, uow, actor, form, exc, parsed, "/incidents/new", None)
    if parsed.errors:  # cannot happen: an unknown e-mail makes the service refuse
        raise ValidationFailed(parsed.errors)
    return _see(incident.id)


def _refused(request: Request, uow: UnitOfWork, actor: Principal, form: FormData,
             exc: ValidationFailed, parsed: forms.Parsed, action: str,
             incident_id: uuid.UUID | None) -> Response:
    errors = forms.by_input(forms.merge_errors(exc.errors, parsed.errors),
                            forms.INCIDENT_INPUTS)
    return _form_page(request, uow, actor, action=action, incident_id=incident_id,
                      values=forms.values_from_form(form), errors=errors,
                      status_code=status_of(exc))


@router.get("/incidents/{incident_id}/edit")
def incident_edit(request: Request, uow: Uow, actor: PageUser, incident_id: str) -> Response:
    incident = service.get(uow, actor, _incident_id(incident_id))
    if not views.may_edit(actor, incident):
        raise PermissionDenied("only the reporting organisation edits an incident",
                               action="incident.write", required="owner organisation")
    emails = detail.user_emails(uow, incident.recipients.user_ids)
    return _form_page(request, uow, actor, action=f"/incidents/{incident.id}/edit",
                      incident_id=incident.id,
                      values=forms.values_from_incident(incident, actor.timezone, emails))


@router.post("/incidents/{incident_id}/edit")
def incident_update(request: Request, uow: Uow, actor: PageUser, incident_id: str,
                    form: FormBody) -> Response:
    _checked(request, form)
    ident = _incident_id(incident_id)
    action = f"/incidents/{ident}/edit"
    parsed = forms.parse_incident(form, actor.timezone, uow)
    version = forms.whole_number(forms.text_of(form, "version"))
    try:
        incident = service.update(uow, actor, ident, parsed.data,
                                  expected_version=version if isinstance(version, int) else None)
    except ValidationFailed as exc:
        return _refused(request, uow, actor, form, exc, parsed, action, ident)
    except PreconditionFailed as exc:  # a stale form: shown again, never saved over
        return _form_page(request, uow, actor, action=action, incident_id=ident, stale=True,
                          values=forms.values_from_form(form), status_code=status_of(exc))
    if parsed.errors:
        raise ValidationFailed(parsed.errors)
    return _see(incident.id)


# --- the detail and its forms ------------------------------------------------------------

@router.get("/incidents/{incident_id}")
def incident_detail(request: Request, uow: Uow, actor: PageUser, incident_id: str) -> Response:
    return _detail_page(request, uow, actor, _incident_id(incident_id))


def _detail_page(request: Request, uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID,
                 *, status_code: int = 200, failed: str = "",
                 errors: dict[str, list[str]] | None = None,
                 values: dict[str, str] | None = None, message: str = "") -> Response:
    context = detail.context(uow, actor, incident_id)
    return render(
        request, "incidents/detail.html", status_code=status_code, failed=failed,
        errors=errors or {}, values=values or {}, message=message, general=forms.GENERAL,
        statuses=views.STATUS_LABELS, severities=views.SEVERITY_LABELS,
        milestones=views.MILESTONE_LABELS, kinds=views.KIND_LABELS,
        meanings=views.TLP_MEANINGS, observable_types=list(ObservableType),
        observable_roles=list(ObservableRole), levels=list(Tlp),
        note_kinds=[TimelineKind.NOTE, TimelineKind.ACTION], timezone=actor.timezone,
        **context,
    )


def _form_failed(request: Request, uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID,
                 which: str, exc: ValidationFailed, inputs: tuple[str, ...],
                 form: FormData) -> Response:
    return _detail_page(request, uow, actor, incident_id, status_code=status_of(exc),
                        failed=which, errors=forms.by_input(exc.errors, inputs),
                        values={name: forms.text_of(form, name) for name in inputs})


@router.post("/incidents/{incident_id}/status")
def incident_transition(request: Request, uow: Uow, actor: PageUser, incident_id: str,
                        form: FormBody) -> Response:
    _checked(request, form)
    ident = _incident_id(incident_id)
    version = forms.whole_number(forms.text_of(form, "version"))
    try:
        service.transition(uow, actor, ident, forms.text_of(form, "target"),
                           note=forms.text_of(form, "note"),
                           expected_version=version if isinstance(version, int) else None)
    except ValidationFailed as exc:
        return _form_failed(request, uow, actor, ident, "status", exc, ("status", "note"), form)
    except PreconditionFailed as exc:
        return _detail_page(request, uow, actor, ident, status_code=status_of(exc),
                            failed="status", message=STALE)
    return _see(ident, "#workflow")


NOTE_INPUTS = ("kind", "text")
OBSERVABLE_INPUTS = ("type", "value", "role", "tlp", "first_seen", "last_seen", "comment")


@router.post("/incidents/{incident_id}/notes")
def incident_note(request: Request, uow: Uow, actor: PageUser, incident_id: str,
                  form: FormBody) -> Response:
    _checked(request, form)
    ident = _incident_id(incident_id)
    try:
        service.add_entry(uow, actor, ident, forms.text_of(form, "kind"),
                          forms.text_of(form, "text"))
    except ValidationFailed as exc:
        return _form_failed(request, uow, actor, ident, "note", exc, NOTE_INPUTS, form)
    return _see(ident, "#timeline")


@router.post("/incidents/{incident_id}/observables")
def incident_observable(request: Request, uow: Uow, actor: PageUser, incident_id: str,
                        form: FormBody) -> Response:
    _checked(request, form)
    ident = _incident_id(incident_id)
    text = forms.text_of
    try:
        observables.add(
            uow, actor, ident, type=text(form, "type"), value=text(form, "value"),
            role=text(form, "role") or "ioc", tlp=text(form, "tlp") or None,
            first_seen=forms.local_moment(text(form, "first_seen"), actor.timezone),
            last_seen=forms.local_moment(text(form, "last_seen"), actor.timezone),
            comment=text(form, "comment"))
    except ValidationFailed as exc:
        return _form_failed(request, uow, actor, ident, "observable", exc, OBSERVABLE_INPUTS,
                            form)
    return _see(ident, "#observables")


@router.post("/incidents/{incident_id}/nis2")
def incident_milestone(request: Request, uow: Uow, actor: PageUser, incident_id: str,
                       form: FormBody) -> Response:
    _checked(request, form)
    ident = _incident_id(incident_id)
    try:
        service.submit_milestone(uow, actor, ident, forms.text_of(form, "milestone"))
    except ValidationFailed as exc:
        return _form_failed(request, uow, actor, ident, "nis2", exc, ("milestone",), form)
    return _see(ident, "#nis2")


# --- NIS2 deadlines ----------------------------------------------------------------------

@router.get("/nis2")
def nis2_deadlines(request: Request, uow: Uow, actor: PageUser, scope: str = "own",
                   hours: int = DUE_WINDOWS[0]) -> Response:
    everything = scope == "all" and views.sees_all_deadlines(actor)
    window = hours if hours in DUE_WINDOWS else DUE_WINDOWS[0]
    found = service.deadlines(uow, actor, own_org_only=not everything,
                              due_within=timedelta(hours=window))
    service.note_shown(uow, actor, (incident for incident, _ in found), "incident.list")
    return render(
        request, "incidents/nis2.html", rows=found, now=uow.clock.now(),
        everything=everything, may_see_all=views.sees_all_deadlines(actor), hours=window,
        windows=DUE_WINDOWS, milestones=views.MILESTONE_LABELS,
        org_names=views.org_names(organisations.list_all(uow, actor)),
    )

