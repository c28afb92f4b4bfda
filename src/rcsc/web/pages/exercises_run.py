"""Exercise pages, second part: the player's inbox (acknowledge, answer), the controllers'
console, the evaluators' page (P/S/M/U, lessons learned, corrective actions) and the
after-action report as a page and as a PDF. The inbox and the console refresh themselves
every few seconds with a little script (static/exercises.js) and work without it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from jinja2 import Environment
from starlette.datastructures import UploadFile as StarletteUpload

from rcsc.core.exercise_plans import Rating
from rcsc.core.identity import Principal
from rcsc.core.tlp import COLOURS
from rcsc.exercises import aar, attachments, evaluation, inject_files, play, service
from rcsc.storage.blobs import StoredBlob
from rcsc.web.api.attachments import DOWNLOAD_HEADERS, blob_store
from rcsc.web.deps import PageUser, Uow, app_state
from rcsc.web.i18n import Catalogues, activate
from rcsc.web.pages.render import check_csrf, render

router = APIRouter()
CsrfField = Annotated[str, Form()]
PAGE = "/exercises/{exercise_id}"
CHUNK = 64 * 1024


def _to(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


@router.get(PAGE + "/inbox")
def inbox(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
          partial: bool = False) -> Response:
    exercise = service.get(uow, actor, exercise_id)
    items = play.inbox(uow, actor, exercise_id)
    template = "exercises/inbox_items.html" if partial else "exercises/inbox.html"
    return render(request, template, e=exercise, items=items)


@router.post(PAGE + "/injects/{inject_id}/acknowledge")
def acknowledge(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
                actor: PageUser, csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    play.acknowledge(uow, actor, exercise_id, inject_id)
    return _to(f"/exercises/{exercise_id}/inbox")


@router.post(PAGE + "/injects/{inject_id}/respond")
def respond(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
            actor: PageUser, csrf_token: CsrfField,
            text: Annotated[str, Form()] = "",
            incident_id: Annotated[str, Form()] = "",
            files: Annotated[list[UploadFile | str] | None, File()] = None) -> Response:
    """The answer and its files in one transaction: a file over the size limit refuses
    the whole answer (413), so nothing half-sent is recorded."""
    check_csrf(request, csrf_token)
    linked = uuid.UUID(incident_id) if incident_id.strip() else None
    answer = play.respond(uow, actor, exercise_id, inject_id, text, incident_id=linked)
    for upload in files or []:  # an empty file input still sends a part (a str here)
        if isinstance(upload, StarletteUpload) and (upload.filename or upload.size):
            attachments.add(uow, actor, exercise_id, answer.id, _store(request, upload),
                            filename=upload.filename, content_type=upload.content_type)
    return _to(f"/exercises/{exercise_id}/inbox")


def _store(request: Request, upload: StarletteUpload) -> StoredBlob:
    limit = app_state(request).settings.max_attachment_bytes
    writer = blob_store(request).writer(limit)
    try:
        while chunk := upload.file.read(CHUNK):
            writer.write(chunk)
        return writer.commit()
    finally:
        writer.abort()  # a no-op once committed


@router.get(PAGE + "/attachments/{attachment_id}")
def download(request: Request, exercise_id: uuid.UUID, attachment_id: uuid.UUID, uow: Uow,
             actor: PageUser) -> Response:
    """An answer's file, for its team and the white cell (404 for anyone else)."""
    found = attachments.download(uow, blob_store(request), actor, exercise_id, attachment_id)
    return FileResponse(found.path, media_type=found.media_type,
                        filename=found.attachment.filename,
                        content_disposition_type="attachment", headers=DOWNLOAD_HEADERS)


@router.post(PAGE + "/injects/{inject_id}/attachments")
def inject_upload(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
                  actor: PageUser, csrf_token: CsrfField,
                  files: Annotated[list[UploadFile | str] | None, File()] = None) -> Response:
    """Files for an unreleased inject, from its edit page, all in one transaction."""
    check_csrf(request, csrf_token)
    inject_files.check_upload(uow, actor, exercise_id, inject_id)
    for upload in files or []:
        if isinstance(upload, StarletteUpload) and (upload.filename or upload.size):
            inject_files.add(uow, actor, exercise_id, inject_id, _store(request, upload),
                             filename=upload.filename, content_type=upload.content_type)
    return _to(f"/exercises/{exercise_id}/injects/{inject_id}/edit")


@router.post(PAGE + "/injects/{inject_id}/attachments/{attachment_id}/delete")
def inject_file_delete(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID,
                       attachment_id: uuid.UUID, uow: Uow, actor: PageUser,
                       csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    inject_files.remove(uow, actor, exercise_id, inject_id, attachment_id)
    return _to(f"/exercises/{exercise_id}/injects/{inject_id}/edit")


@router.get(PAGE + "/injects/{inject_id}/files/{attachment_id}")
def inject_file(request: Request, exercise_id: uuid.UUID, inject_id: uuid.UUID,
                attachment_id: uuid.UUID, uow: Uow, actor: PageUser) -> Response:
    """A file handed out with an inject, for whoever may read the inject (404 otherwise,
    and for a player before the release)."""
    found = inject_files.download(uow, blob_store(request), actor, exercise_id, inject_id,
                                  attachment_id)
    return FileResponse(found.path, media_type=found.media_type,
                        filename=found.attachment.filename,
                        content_disposition_type="attachment", headers=DOWNLOAD_HEADERS)


@router.get(PAGE + "/console")
def console(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
            partial: bool = False) -> Response:
    exercise = service.get(uow, actor, exercise_id)
    rows = play.console(uow, actor, exercise_id)
    template = "exercises/console_rows.html" if partial else "exercises/console.html"
    return render(request, template, e=exercise, rows=rows,
                  teams=sorted({t for r in rows for t in r.teams}))


@router.get(PAGE + "/evaluation")
def evaluation_page(request: Request, exercise_id: uuid.UUID, uow: Uow,
                    actor: PageUser) -> Response:
    exercise, scores = evaluation.evaluation(uow, actor, exercise_id)
    return render(request, "exercises/evaluation.html", e=exercise, scores=scores,
                  ratings=list(Rating), lessons=evaluation.answers(uow, actor, exercise_id),
                  actions=uow.exercises.plans.actions(exercise_ids=[exercise.id]),
                  orgs={o.id: o for o in uow.orgs.list()},
                  times=play.team_times(exercise, uow.exercises.responses(exercise.id)))


@router.post(PAGE + "/objectives/{objective_id}/rate")
def rate(request: Request, exercise_id: uuid.UUID, objective_id: uuid.UUID, uow: Uow,
         actor: PageUser, csrf_token: CsrfField, rating: Annotated[str, Form()],
         task: Annotated[str, Form()] = "", observations: Annotated[str, Form()] = "",
         strengths: Annotated[str, Form()] = "",
         improvements: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    evaluation.rate(uow, actor, exercise_id, objective_id, {
        "rating": rating, "task": task, "observations": observations,
        "strengths": strengths, "improvements": improvements})
    return _to(f"/exercises/{exercise_id}/evaluation")


@router.post(PAGE + "/questions")
def ask(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
        csrf_token: CsrfField, text: Annotated[str, Form()],
        anonymous: Annotated[bool, Form()] = False) -> Response:
    check_csrf(request, csrf_token)
    evaluation.ask(uow, actor, exercise_id, text, anonymous)
    return _to(f"/exercises/{exercise_id}/evaluation")


@router.post(PAGE + "/corrective-actions")
def add_action(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser,
               csrf_token: CsrfField, text: Annotated[str, Form()],
               owner_org_id: Annotated[str, Form()], due_on: Annotated[str, Form()],
               objective_code: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    evaluation.add_action(uow, actor, exercise_id, {
        "text": text, "owner_org_id": owner_org_id, "due_on": due_on,
        "objective_code": objective_code})
    return _to(f"/exercises/{exercise_id}/evaluation")


@router.get(PAGE + "/lessons")
def lessons(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser) -> Response:
    exercise = service.get(uow, actor, exercise_id)
    return render(request, "exercises/lessons.html", e=exercise,
                  questions=evaluation.questions(uow, actor, exercise_id))


@router.post(PAGE + "/questions/{question_id}/answer")
def answer(request: Request, exercise_id: uuid.UUID, question_id: uuid.UUID, uow: Uow,
           actor: PageUser, csrf_token: CsrfField, text: Annotated[str, Form()]) -> Response:
    check_csrf(request, csrf_token)
    evaluation.answer(uow, actor, exercise_id, question_id, text)
    return _to(f"/exercises/{exercise_id}/lessons")


@router.get(PAGE + "/aar")
def aar_page(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser) -> Response:
    return render(request, "exercises/aar.html", r=aar.build(uow, actor, exercise_id),
                  printed=False)


@router.get(PAGE + "/aar.pdf")
def aar_pdf(request: Request, exercise_id: uuid.UUID, uow: Uow, actor: PageUser) -> Response:
    state = app_state(request)
    pdf = aar_pdf_bytes(state.templates, state.catalogues, state.settings.node_name, actor,
                        aar.build(uow, actor, exercise_id))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="aar-{exercise_id}.pdf"',
        "Cache-Control": "no-store"})


def aar_pdf_bytes(templates: Environment, catalogues: Catalogues, node_name: str,
                  actor: Principal, report: aar.Report) -> bytes:
    """The AAR page's own template, printed (`rcsc exercise aar` prints it too): the TLP
    label in every page's header and footer, in the reader's language and time zone."""
    from rcsc.web.pdf import html_to_pdf

    activate(catalogues, actor.locale, actor.timezone)
    html = templates.get_template("exercises/aar.html").render(
        r=report, printed=True, user=actor, csrf_token="", node_name=node_name,
        lang=actor.locale, path="", tlp_colour=COLOURS[report.exercise.tlp].foreground)
    return html_to_pdf(html)
