"""The MSEL and the run: injects (list, search, add, change, remove, release now), the MSEL
as CSV or XLSX (export, and import by PUT of the file itself), the player's inbox with
acknowledge and respond, and the controllers' console.

Every read of injects goes through `exercises.msel.visible_injects`: a player never gets an
unreleased inject from a list, a search, a single read or an export — it is a 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response, status

from rcsc.errors import ValidationFailed
from rcsc.exercises import clock, msel, play, service
from rcsc.exercises.msel_xlsx import read_xlsx, write_xlsx
from rcsc.web.api.exercise_schemas import (
    ConsoleOut,
    InboxOut,
    InjectIn,
    InjectOut,
    InjectPatch,
    ResponseIn,
    ResponseOut,
)
from rcsc.web.api.exercises import EXERCISE, PROBLEMS
from rcsc.web.deps import ApiUser, Uow

router = APIRouter(tags=["exercises"], responses=PROBLEMS)
INJECT = EXERCISE + "/injects/{inject_id}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAGIC = b"PK\x03\x04"


def matches(inject: InjectOut, q: str | None) -> bool:
    if not q:
        return True
    needle = q.casefold()
    return any(needle in str(v).casefold() for v in (
        inject.title, inject.text, inject.expected_actions, inject.sender, inject.to,
        inject.techniques))


@router.get(EXERCISE + "/injects", response_model=list[InjectOut])
def list_injects(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser,
                 q: Annotated[str | None, Query(max_length=200,
                                                description="search in the text")] = None,
                 ) -> list[InjectOut]:
    """The MSEL as the caller may read it (search with `q` reads the same injects)."""
    exercise = service.get(uow, actor, exercise_id)
    found = [InjectOut.of(i) for i in msel.visible_injects(uow, actor, exercise)]
    return [i for i in found if matches(i, q)]


@router.post(EXERCISE + "/injects", response_model=InjectOut,
             status_code=status.HTTP_201_CREATED)
def add_inject(exercise_id: uuid.UUID, body: InjectIn, uow: Uow,
               actor: ApiUser) -> InjectOut:
    return InjectOut.of(msel.add_inject(uow, actor, exercise_id, body.values(only_set=False)))


@router.get(INJECT, response_model=InjectOut)
def get_inject(exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
               actor: ApiUser) -> InjectOut:
    exercise = service.get(uow, actor, exercise_id)
    return InjectOut.of(msel.get_inject(uow, actor, exercise, inject_id))


@router.patch(INJECT, response_model=InjectOut)
def update_inject(exercise_id: uuid.UUID, inject_id: uuid.UUID, body: InjectPatch,
                  uow: Uow, actor: ApiUser) -> InjectOut:
    changes = body.model_dump(exclude_unset=True, by_alias=True, mode="json")
    return InjectOut.of(msel.update_inject(uow, actor, exercise_id, inject_id, changes))


@router.delete(INJECT, status_code=status.HTTP_204_NO_CONTENT)
def delete_inject(exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
                  actor: ApiUser) -> Response:
    msel.delete_inject(uow, actor, exercise_id, inject_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(INJECT + "/release", response_model=InjectOut)
def release_now(exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
                actor: ApiUser) -> InjectOut:
    """Release now, whatever its time, dependency or a pause (controllers)."""
    return InjectOut.of(clock.release_now(uow, actor, exercise_id, inject_id))


@router.get(EXERCISE + "/msel", responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
def export_msel(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser,
                format: Literal["csv", "xlsx"] = "csv") -> Response:
    """The MSEL (as the caller may read it) as CSV or an Excel workbook."""
    marking, injects = msel.export_marked(uow, actor, exercise_id)
    name = f"msel-{exercise_id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "xlsx":
        return Response(write_xlsx(injects, marking), media_type=XLSX, headers=headers)
    return Response(msel.write_csv(injects), media_type="text/csv; charset=utf-8",
                    headers=headers)


@router.put(EXERCISE + "/msel")
def import_msel(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser,
                data: Annotated[bytes | None, Body(media_type="text/csv", description=(
                    "the MSEL file itself: CSV (UTF-8) or an .xlsx workbook"))] = None,
                ) -> dict[str, int]:
    """Replace the MSEL with a CSV or XLSX file. One bad cell and nothing is imported:
    the 422 names each bad `rows.<row>.<column>`."""
    exercise = msel.writable(uow, actor, exercise_id)  # 404, 403 before the file is read
    if not data:
        raise ValidationFailed.field("file", "is empty")
    if data.startswith(XLSX_MAGIC):
        injects = read_xlsx(exercise.id, data)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed.field("file", "is neither UTF-8 CSV nor XLSX") from None
        injects = msel.read_csv(exercise.id, text)
    return {"imported": msel.import_injects(uow, actor, exercise.id, injects)}


@router.get(EXERCISE + "/inbox", response_model=list[InboxOut])
def inbox(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[InboxOut]:
    """Released injects for the caller's team, newest first, with the team's answers."""
    return [InboxOut.of(item) for item in play.inbox(uow, actor, exercise_id)]


@router.post(INJECT + "/acknowledge", response_model=ResponseOut,
             status_code=status.HTTP_201_CREATED)
def acknowledge(exercise_id: uuid.UUID, inject_id: uuid.UUID, uow: Uow,
                actor: ApiUser) -> ResponseOut:
    return ResponseOut.of(play.acknowledge(uow, actor, exercise_id, inject_id))


@router.post(INJECT + "/responses", response_model=ResponseOut,
             status_code=status.HTTP_201_CREATED)
def respond(exercise_id: uuid.UUID, inject_id: uuid.UUID, body: ResponseIn, uow: Uow,
            actor: ApiUser) -> ResponseOut:
    """An answer in text, and/or an exercise incident filed through the incident rules."""
    return ResponseOut.of(play.respond(uow, actor, exercise_id, inject_id, body.text,
                                       incident_id=body.incident_id))


@router.get(EXERCISE + "/console", response_model=list[ConsoleOut])
def console(exercise_id: uuid.UUID, uow: Uow, actor: ApiUser) -> list[ConsoleOut]:
    """Controllers and evaluators: who has acknowledged and answered each inject."""
    return [ConsoleOut.of(row) for row in play.console(uow, actor, exercise_id)]
