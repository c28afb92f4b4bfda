"""The MSEL: injects of an exercise, who may see which, and CSV import and export.

Controllers, evaluators and trusted-agent planners see the whole MSEL; everyone else sees
only released injects (players only those addressed to their team), filtered in SQL so an
unreleased inject is never loaded for them — the API, the pages, exports and search all
come through `visible_injects`.

Import checks every row before anything is written: one bad cell and nothing is imported,
and the error names the row (as a spreadsheet numbers it, the header being row 1) and the
column. Export writes the same columns back, so a round trip changes nothing. Files
uploaded to injects are not in the spreadsheet (its `attachments` column holds names or
links as typed); an import keeps them on the injects with the same numbers.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from rcsc.accounts.audit import record
from rcsc.core.exercises import (
    Exercise,
    ExerciseRole,
    Inject,
    InjectAttachment,
    format_offset,
)
from rcsc.core.identity import AuditEvent, Principal
from rcsc.errors import Conflict, FieldError, NotFound, ValidationFailed
from rcsc.exercises import fields, service
from rcsc.storage import UnitOfWork

COLUMNS = ("number", "offset", "scenario_time", "from", "to", "delivery", "title", "text",
           "attachments", "expected_actions", "objectives", "controller", "techniques",
           "contingency", "depends_on", "depends_condition")
MAX_ROWS = 5_000


def visible_injects(uow: UnitOfWork, actor: Principal, exercise: Exercise) -> list[Inject]:
    """What this actor may read of the MSEL (the exercise itself already visible)."""
    if actor.user_id is not None and exercise.sees_scenario(actor.user_id):
        return uow.exercises.injects(exercise.id)
    roles = exercise.roles_of(actor.user_id) if actor.user_id else frozenset()
    if not roles:
        return []  # not a participant: the exercise's overview, never its injects
    released = uow.exercises.injects(exercise.id, released_only=True)
    if roles - {ExerciseRole.PLAYER, ExerciseRole.RED}:
        return released  # planners and observers follow the whole released picture
    assert actor.user_id is not None
    teams = exercise.teams_of(actor.user_id)
    return [i for i in released if i.addressed_to(teams)]


def get_inject(uow: UnitOfWork, actor: Principal, exercise: Exercise,
               inject_id: uuid.UUID) -> Inject:
    """One inject if the actor may read it; an unreleased one is a 404 for players, the
    same answer as for an inject that does not exist."""
    found = [i for i in visible_injects(uow, actor, exercise) if i.id == inject_id]
    if not found:
        raise NotFound("inject", inject_id)
    return found[0]


def writable(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> Exercise:
    """The exercise, if the actor may write its MSEL: a trusted-agent planner or a
    controller (404 unless it may see the exercise, 403 otherwise)."""
    exercise = service.get(uow, actor, exercise_id)
    service.require_scenario(exercise, actor, "exercise.msel")
    service.require_role(exercise, actor, ExerciseRole.PLANNER, ExerciseRole.CONTROLLER,
                         action="exercise.msel")
    return exercise


def add_inject(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
               data: Mapping[str, Any]) -> Inject:
    exercise = writable(uow, actor, exercise_id)
    inject = fields.build_inject(exercise.id, data)
    _check_against(uow.exercises.injects(exercise.id), inject)
    uow.exercises.add_injects([inject])
    record(uow, actor, _event("exercise.inject.create", exercise, inject.number))
    return inject


def editable_inject(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                    inject_id: uuid.UUID) -> tuple[Exercise, Inject]:
    """The exercise and an inject the actor may still change: a released one is part of
    the record (409), whoever asks."""
    exercise = writable(uow, actor, exercise_id)
    current = get_inject(uow, actor, exercise, inject_id)
    if current.released:
        raise Conflict(f"inject {current.number} has been released: a released inject is "
                       "part of the record and cannot be changed")
    return exercise, current


def update_inject(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                  inject_id: uuid.UUID, changes: Mapping[str, Any]) -> Inject:
    exercise, current = editable_inject(uow, actor, exercise_id, inject_id)
    changed = fields.build_inject(exercise.id, changes, base=current)
    others = [i for i in uow.exercises.injects(exercise.id) if i.id != inject_id]
    _check_against(others, changed)
    uow.exercises.replace_inject(changed)
    record(uow, actor, _event("exercise.inject.update", exercise, changed.number))
    return changed


def delete_inject(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                  inject_id: uuid.UUID) -> None:
    exercise = writable(uow, actor, exercise_id)
    current = get_inject(uow, actor, exercise, inject_id)
    if current.released:
        raise Conflict(f"inject {current.number} has been released: a released inject is "
                       "part of the record and cannot be removed")
    uow.exercises.delete_injects(exercise.id, [inject_id])
    record(uow, actor, _event("exercise.inject.delete", exercise, current.number))


def _check_against(others: list[Inject], inject: Inject) -> None:
    problems = fields.check_dependencies([*others, inject])
    mine = [FieldError(col, msg) for index, col, msg in problems if index == len(others)]
    if mine:
        raise ValidationFailed(mine)


# --- import and export ---------------------------------------------------------------------


def cells(inject: Inject) -> dict[str, str]:
    """One MSEL row as text cells (lists joined with "; ")."""
    return {
        "number": str(inject.number), "offset": format_offset(inject.offset_seconds),
        "scenario_time": inject.scenario_time, "from": inject.sender,
        "to": "; ".join(inject.recipients), "delivery": inject.delivery.value,
        "title": inject.title, "text": inject.text,
        "attachments": "; ".join(inject.attachments),
        "expected_actions": inject.expected_actions,
        "objectives": "; ".join(inject.objectives), "controller": inject.controller,
        "techniques": "; ".join(inject.techniques),
        "contingency": "true" if inject.contingency else "false",
        "depends_on": "" if inject.depends_on is None else str(inject.depends_on),
        "depends_condition": inject.depends_condition.value,
    }


def parse_rows(exercise_id: uuid.UUID, header: Sequence[str],
               rows: Iterable[Sequence[Any]]) -> list[Inject]:
    """Injects from a header and rows (row 1 is the header); every bad cell is reported
    as `rows.<row>.<column>` and nothing is returned unless all rows are good."""
    names = [str(h or "").strip().lower() for h in header]
    errors = [FieldError(f"rows.1.{n or i + 1}", "is not an MSEL column: "
                         + ", ".join(COLUMNS)) for i, n in enumerate(names)
              if n not in COLUMNS]
    for needed in ("number", "offset", "title"):
        if needed not in names:
            errors.append(FieldError(f"rows.1.{needed}", "the column is missing"))
    if errors:
        raise ValidationFailed(errors)
    injects: list[Inject] = []
    line_of: list[int] = []
    for line, row in enumerate(rows, start=2):
        if line - 1 > MAX_ROWS:
            raise ValidationFailed.field("rows", f"at most {MAX_ROWS} injects per MSEL")
        values = {n: ("" if v is None else v) for n, v in zip(names, row, strict=False)}
        if not any(str(v).strip() for v in values.values()):
            continue  # an empty line
        try:
            injects.append(fields.build_inject(exercise_id, values))
            line_of.append(line)
        except ValidationFailed as exc:
            errors.extend(FieldError(f"rows.{line}.{e.field.split('.')[0]}",
                                     f"row {line}, column {e.field.split('.')[0]}: "
                                     f"{e.message}") for e in exc.errors)
    for index, column, message in fields.check_dependencies(injects):
        errors.append(FieldError(f"rows.{line_of[index]}.{column}",
                                 f"row {line_of[index]}, column {column}: {message}"))
    if errors:
        raise ValidationFailed(errors)
    return injects


def read_csv(exercise_id: uuid.UUID, text: str) -> list[Inject]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None:
        raise ValidationFailed.field("rows.1", "the file is empty: give a header row")
    return parse_rows(exercise_id, header, reader)


def write_csv(injects: Iterable[Inject]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for inject in injects:
        writer.writerow(cells(inject))
    return out.getvalue()


def import_injects(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID,
                   injects: list[Inject]) -> int:
    """Replace the MSEL with `injects` (already checked row by row). Refused once any
    inject has been released: the record of a run is not rewritten."""
    exercise = writable(uow, actor, exercise_id)
    current = uow.exercises.injects(exercise.id)
    if any(i.released for i in current):
        raise Conflict("injects have been released; the MSEL can no longer be replaced")
    files = uow.exercises.inject_files.of_exercise(exercise.id)
    uow.exercises.delete_injects(exercise.id)  # their files' rows go with them
    uow.exercises.add_injects(replace(i, exercise_id=exercise.id) for i in injects)
    _carry_files(uow, current, injects, files)
    record(uow, actor, AuditEvent(action="exercise.msel.import", object_type="exercise",
                                  object_id=str(exercise.id), detail={"injects": len(injects)}))
    return len(injects)


def _carry_files(uow: UnitOfWork, old: list[Inject], new: list[Inject],
                 files: list[InjectAttachment]) -> None:
    """Uploaded files are not in the spreadsheet: an import keeps them on the inject with
    the same number (a file whose number is gone is dropped)."""
    number_of = {i.id: i.number for i in old}
    id_of = {i.number: i.id for i in new}
    uow.exercises.inject_files.restore([
        replace(a, inject_id=id_of[number_of[a.inject_id]]) for a in files
        if number_of.get(a.inject_id) in id_of])


def export_injects(uow: UnitOfWork, actor: Principal, exercise_id: uuid.UUID) -> list[Inject]:
    return export_marked(uow, actor, exercise_id)[1]


def export_marked(uow: UnitOfWork, actor: Principal,
                  exercise_id: uuid.UUID) -> tuple[str, list[Inject]]:
    """The exercise's TLP label and the injects the actor may export."""
    exercise = service.get(uow, actor, exercise_id)
    injects = visible_injects(uow, actor, exercise)
    record(uow, actor, AuditEvent(action="exercise.msel.export", object_type="exercise",
                                  object_id=str(exercise.id), detail={"injects": len(injects)}))
    return exercise.tlp.label, injects


def _event(action: str, exercise: Exercise, number: int) -> AuditEvent:
    return AuditEvent(action=action, object_type="exercise", object_id=str(exercise.id),
                      detail={"inject": number})
