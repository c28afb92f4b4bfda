"""Exercise pages, first part: the list, a new exercise, and the exercise page where
planners build it (participants, objectives, meetings, checklist, MSEL timeline, MSEL file)
and controllers run its clock. Everything works as plain forms; the services decide who may
do what, exactly as for the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from rcsc.core.exercise_plans import MeetingKind
from rcsc.core.exercises import (
    CLOCK_STATES,
    TRANSITIONS,
    Delivery,
    DependsOn,
    ExerciseRole,
    ExerciseStatus,
    ExerciseType,
    format_offset,
)
from rcsc.errors import NotFound, ValidationFailed
from rcsc.exercises import clock, inject_files, msel, planning, service
from rcsc.exercises.msel_xlsx import read_xlsx, write_xlsx
from rcsc.web.deps import PageUser, Uow
from rcsc.web.pages.render import check_csrf, render

router = APIRouter()
CsrfField = Annotated[str, Form()]
Text = Annotated[str, Form()]
PAGE = "/exercises/{exercise_id}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def back(exercise_id: uuid.UUID, anchor: str = "") -> Response:
    return RedirectResponse(f"/exercises/{exercise_id}{anchor}", status_code=303)


@router.get("/exercises")
def exercise_list(request: Request, uow: Uow, actor: PageUser) -> Response:
    return render(request, "exercises/list.html", exercises=service.list_visible(uow, actor),
                  types=list(ExerciseType))


@router.post("/exercises")
def exercise_create(request: Request, uow: Uow, actor: PageUser, csrf_token: CsrfField,
                    name: Text, type: Text, starts_on: Text, ends_on: Text,
                    tlp: Annotated[str, Form()] = "amber",
                    timezone: Annotated[str, Form()] = "UTC") -> Response:
    check_csrf(request, csrf_token)
    made = service.create(uow, actor, {"name": name, "type": type, "starts_on": starts_on,
                                       "ends_on": ends_on, "tlp": tlp, "timezone": timezone})
    return back(made.id)


@router.get(PAGE)
def exercise_page(request: Request, exercise_id: uuid.UUID, uow: Uow,
                  actor: PageUser) -> Response:
    exercise = service.get(uow, actor, exercise_id)
    uid = actor.user_id
    roles = exercise.roles_of(uid) if uid else frozenset()
    participant = bool(roles)
    injects = msel.visible_injects(uow, actor, exercise)
    return render(
        request, "exercises/detail.html", e=exercise, roles={r.value for r in roles},
        sees_scenario=bool(uid and exercise.sees_scenario(uid)), injects=injects,
        inject_files=inject_files.of_visible(uow, injects),  # of the injects it may read
        format_offset=format_offset, now=uow.clock.now(),
        elapsed=int(exercise.clock.elapsed(uow.clock.now()).total_seconds()),
        objectives=planning.objectives(uow, actor, exercise.id),
        meetings=planning.meetings(uow, actor, exercise.id) if participant else [],
        checklist=planning.checklist(uow, actor, exercise.id) if participant else [],
        conflicts=planning.conflicts(uow, actor, exercise),
        carried=planning.open_actions_before(uow, actor, exercise),
        users={u.id: u for u in uow.users.list()},
        orgs={o.id: o for o in uow.orgs.list()}, roles_all=list(ExerciseRole),
        meeting_kinds=list(MeetingKind),
        next_states=[s.value for s in ExerciseStatus if s in TRANSITIONS[exercise.status]
                     and s not in CLOCK_STATES and s != ExerciseStatus.COMPLETED])


@router.post(PAGE + "/participants")
def participant_add(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
                    csrf_token: CsrfField, email: Text, role: Text,
                    team: Annotated[str, Form()] = "",
                    trusted_agent: Annotated[bool, Form()] = False) -> Response:
    """Add one person in one role (the API replaces the whole list)."""
    check_csrf(request, csrf_token)
    exercise = service.get(uow, actor, exercise_id)
    user = uow.users.get_by_email(email.strip().lower())
    if user is None:
        raise ValidationFailed.field("email", f"no user {email!r}")
    people = [{"user_id": p.user_id, "role": p.role.value, "team": p.team,
               "trusted_agent": p.trusted_agent} for p in exercise.participants]
    people.append({"user_id": user.id, "role": role, "team": team.strip(),
                   "trusted_agent": trusted_agent})
    if user.org_id not in exercise.org_ids:
        service.update(uow, actor, exercise.id, {"org_ids": [*exercise.org_ids, user.org_id]})
    service.set_participants(uow, actor, exercise.id, people)
    return back(exercise_id, "#people")


@router.post(PAGE + "/status")
def status_change(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
                  csrf_token: CsrfField, status: Text) -> Response:
    check_csrf(request, csrf_token)
    service.transition(uow, actor, exercise_id, status)
    return back(exercise_id)


@router.post(PAGE + "/clock")
def clock_action(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
                 csrf_token: CsrfField, action: Text) -> Response:
    check_csrf(request, csrf_token)
    steps = {"start": clock.start, "pause": clock.pause, "resume": clock.resume,
             "stop": clock.stop}
    if action not in steps:
        raise ValidationFailed.field("action", "must be start, pause, resume or stop")
    steps[action](uow, actor, exercise_id)
    return back(exercise_id, "#clock")


@router.post(PAGE + "/injects")
def inject_add(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
               csrf_token: CsrfField, number: Text, offset: Text, title: Text,
               to: Annotated[str, Form()] = "", text: Annotated[str, Form()] = "",
               delivery: Annotated[str, Form()] = "in-app",
               expected_actions: Annotated[str, Form()] = "",
               techniques: Annotated[str, Form()] = "",
               objectives: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    msel.add_inject(uow, actor, exercise_id, {
        "number": number, "offset": offset, "title": title, "to": to, "text": text,
        "delivery": delivery, "expected_actions": expected_actions,
        "techniques": techniques, "objectives": objectives})
    return back(exercise_id, "#msel")


async def _posted_form(request: Request) -> dict[str, str]:
    """Every text field of a posted form (the inject form has one per MSEL column)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


PostedForm = Annotated[dict[str, str], Depends(_posted_form)]


@router.get(PAGE + "/injects/{inject_id}/edit")
def inject_edit_form(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID,
                     uow: Uow, actor: PageUser) -> Response:
    exercise, inject = msel.editable_inject(uow, actor, exercise_id, inject_id)
    return render(request, "exercises/inject_edit.html", e=exercise, i=inject,
                  files=inject_files.of_visible(uow, [inject]),
                  cells=msel.cells(inject), deliveries=list(Delivery),
                  conditions=list(DependsOn))


@router.post(PAGE + "/injects/{inject_id}/edit")
def inject_edit(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
                actor: PageUser, form: PostedForm) -> Response:
    """Every column as sent; an unticked box sends nothing, so contingency is read as
    "ticked or not" rather than left unchanged."""
    check_csrf(request, form.get("csrf_token", ""))
    changes: dict[str, Any] = {c: form[c] for c in msel.COLUMNS if c in form}
    changes["contingency"] = "true" if form.get("contingency") else "false"
    changes["depends_on"] = changes.get("depends_on", "").strip() or None
    msel.update_inject(uow, actor, exercise_id, inject_id, changes)
    return back(exercise_id, "#msel")


@router.post(PAGE + "/injects/{inject_id}/delete")
def inject_delete(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
                  actor: PageUser, csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    msel.delete_inject(uow, actor, exercise_id, inject_id)
    return back(exercise_id, "#msel")


@router.post(PAGE + "/organisations/{org_id}/remove")
def organisation_remove(request: Request, exercise_id: uuid.UUID, org_id: uuid.UUID,
                        uow: Uow, actor: PageUser, csrf_token: CsrfField) -> Response:
    """Take an organisation out of the exercise (as `PATCH … org_ids` does)."""
    check_csrf(request, csrf_token)
    exercise = service.get(uow, actor, exercise_id)
    if org_id not in exercise.org_ids:
        raise NotFound("organisation of the exercise", org_id)
    if org_id == exercise.lead_org_id:
        raise ValidationFailed.field("org_id", "the lead organisation cannot be removed")
    service.update(uow, actor, exercise.id,
                   {"org_ids": [str(o) for o in exercise.org_ids if o != org_id]})
    return back(exercise_id)


@router.post(PAGE + "/injects/{inject_id}/release")
def inject_release(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID,
                   uow: Uow, actor: PageUser, csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    clock.release_now(uow, actor, exercise_id, inject_id)
    return back(exercise_id, "#msel")


@router.post(PAGE + "/msel")
def msel_import(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
                csrf_token: CsrfField, file: Annotated[UploadFile, File()]) -> Response:
    check_csrf(request, csrf_token)
    data = file.file.read()
    if data.startswith(b"PK\x03\x04"):
        injects = read_xlsx(exercise_id, data)
    else:
        injects = msel.read_csv(exercise_id, data.decode("utf-8", "replace"))
    msel.import_injects(uow, actor, exercise_id, injects)
    return back(exercise_id, "#msel")


@router.get(PAGE + "/msel.{fmt}")
def msel_export(exercise_id: uuid.UUID, fmt: str, uow: Uow, actor: PageUser) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed.field("format", "must be csv or xlsx")
    marking, injects = msel.export_marked(uow, actor, exercise_id)
    headers = {"Content-Disposition": f'attachment; filename="msel-{exercise_id}.{fmt}"'}
    if fmt == "xlsx":
        return Response(write_xlsx(injects, marking), media_type=XLSX, headers=headers)
    return Response(msel.write_csv(injects), media_type="text/csv; charset=utf-8",
                    headers=headers)


@router.get(PAGE + "/calendar.ics")
def calendar(exercise_id: uuid.UUID, uow: Uow, actor: PageUser) -> Response:
    return Response(planning.icalendar(uow, actor, exercise_id), media_type="text/calendar",
                    headers={"Content-Disposition":
                             f'attachment; filename="exercise-{exercise_id}.ics"'})


@router.post(PAGE + "/objectives")
def objective_add(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
                  csrf_token: CsrfField, code: Text, text: Text,
                  capability: Annotated[str, Form()] = "",
                  critical_tasks: Annotated[str, Form()] = "") -> Response:
    """Critical tasks one per line."""
    check_csrf(request, csrf_token)
    tasks = [t.strip() for t in critical_tasks.splitlines() if t.strip()]
    planning.put_objective(uow, actor, exercise_id, {"code": code, "text": text,
                                                     "capability": capability,
                                                     "critical_tasks": tasks})
    return back(exercise_id, "#objectives")


@router.post(PAGE + "/meetings")
def meeting_add(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
                csrf_token: CsrfField, kind: Text, starts_at: Text,
                attendees: Annotated[str, Form()] = "",
                minutes: Annotated[str, Form()] = "") -> Response:
    """`starts_at` from a datetime-local field, in the viewer's time zone."""
    check_csrf(request, csrf_token)
    planning.put_meeting(uow, actor, exercise_id, {
        "kind": kind, "starts_at": _with_zone(starts_at, actor.timezone),
        "attendees": [a.strip() for a in attendees.split(",") if a.strip()],
        "minutes": minutes})
    return back(exercise_id, "#meetings")


def _with_zone(local: str, zone: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).isoformat()
    except ValueError:
        return local  # the service names the field


@router.post(PAGE + "/checklist")
def checklist_tick(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
                   csrf_token: CsrfField, phase: Text, key: Text,
                   done: Annotated[bool, Form()] = False) -> Response:
    check_csrf(request, csrf_token)
    planning.tick(uow, actor, exercise_id, phase, key, done)
    return back(exercise_id, "#checklist")
