"""MSEL import and export: a 200-inject MSEL goes through CSV and XLSX unchanged; a bad
row is reported by row and column and nothing is imported."""

from __future__ import annotations

import random
import uuid

import pytest
from openpyxl import load_workbook

from rcsc.core.exercises import Inject, format_offset
from rcsc.errors import Conflict, PermissionDenied, ValidationFailed
from rcsc.exercises import clock as exclock
from rcsc.exercises import msel
from rcsc.exercises.msel_xlsx import read_xlsx, write_xlsx
from rcsc.storage import Database
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data

WORDS = ["SCADA", "wiper", "Vilnius", "Київ", "Gdańsk", "=SUM(A1:A2)", "007", "a,b",
         '"quoted"', "line\nbreak", "ąčęėįšųūž", "TLP:AMBER", "+1 phone", "-minus"]


def _msel_of_200(exercise_id: uuid.UUID, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for n in range(1, 201):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
        rows.append(inject_data(
            n, format_offset(rng.randint(0, 3 * 86400)),
            title=f"{n}: {rng.choice(WORDS)}".replace("\n", " "), text=words,
            scenario_time=f"2027-03-0{rng.randint(1, 3)} {rng.randint(0, 23):02d}:00",
            to=rng.sample(["UA", "PL", "LT", "all", "red"], rng.randint(0, 2)),
            delivery=rng.choice(["in-app", "email", "phone", "technical"]),
            attachments=rng.sample(["grid-map.pdf", "ransom-note.txt", "https://x.example/a"],
                                   rng.randint(0, 2)),
            expected_actions=rng.choice(["", "Notify the ministry", "Isolate\nOT segment"]),
            objectives=rng.sample(["O1", "O2", "O3"], rng.randint(0, 3)),
            controller=rng.choice(["", "controller@lt.example", "Jonas"]),
            techniques=rng.sample(["T1486", "T0813", "T1566.001"], rng.randint(0, 2)),
            contingency=rng.random() < 0.1,
            depends_on=rng.randint(1, n - 1) if n > 1 and rng.random() < 0.2 else None,
            depends_condition=rng.choice(["acknowledged", "responded"]),
            **{"from": rng.choice(["", "Grid operator", "Ministry press office"])}))
    return rows


def _stored(db: Database, exercise_id: uuid.UUID) -> list[Inject]:
    with db.transaction() as uow:
        return uow.exercises.injects(exercise_id)


def _comparable(injects: list[Inject]) -> list[tuple[object, ...]]:
    return [(i.number, i.offset_seconds, i.scenario_time, i.sender, i.recipients,
             i.delivery, i.title, i.text, i.attachments, i.expected_actions, i.objectives,
             i.controller, i.techniques, i.contingency, i.depends_on, i.depends_condition)
            for i in injects]


@pytest.fixture
def world(db: Database) -> ExerciseWorld:
    return build(db)


def _import(world: ExerciseWorld, injects: list[Inject], who: str = "planner") -> int:
    with world.db.transaction() as uow:
        return msel.import_injects(uow, world.people[who], world.exercise_id, injects)


def _export(world: ExerciseWorld, who: str = "planner") -> list[Inject]:
    with world.db.transaction() as uow:
        return msel.export_injects(uow, world.people[who], world.exercise_id)


def test_a_200_inject_msel_round_trips_through_csv_and_xlsx_unchanged(
        world: ExerciseWorld) -> None:
    original = [msel.fields.build_inject(world.exercise_id, r)
                for r in _msel_of_200(world.exercise_id)]
    assert _import(world, original) == 200
    first = _export(world)
    assert _comparable(first) == _comparable(sorted(original, key=lambda i: i.number))
    csv_text = msel.write_csv(first)
    _import(world, msel.read_csv(world.exercise_id, csv_text))
    assert msel.write_csv(_export(world)) == csv_text
    xlsx = write_xlsx(_export(world))
    _import(world, read_xlsx(world.exercise_id, xlsx))
    assert _comparable(_export(world)) == _comparable(first)
    assert msel.write_csv(_export(world)) == csv_text


def test_xlsx_cells_are_text_so_a_formula_stays_a_title(world: ExerciseWorld) -> None:
    inject = msel.fields.build_inject(world.exercise_id, inject_data(1, "H+1",
                                                                     title="=SUM(A1:A2)"))
    book = load_workbook(__import__("io").BytesIO(write_xlsx([inject])))
    cell = book.active.cell(row=2, column=msel.COLUMNS.index("title") + 1)
    assert cell.value == "=SUM(A1:A2)" and cell.data_type == "s"


def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_imported(
        world: ExerciseWorld) -> None:
    good = msel.fields.build_inject(world.exercise_id, inject_data(9, "H+1"))
    _import(world, [good])
    rows = [msel.cells(msel.fields.build_inject(world.exercise_id, r))
            for r in _msel_of_200(world.exercise_id)[:5]]
    rows[2]["offset"] = "tomorrow morning"
    rows[3]["delivery"] = "pigeon"
    text = msel.write_csv([]) + "".join(
        ",".join('"' + str(r[c]).replace('"', '""') + '"' for c in msel.COLUMNS) + "\r\n"
        for r in rows)
    with pytest.raises(ValidationFailed) as caught:
        msel.read_csv(world.exercise_id, text)
    fields = {e.field for e in caught.value.errors}
    assert fields == {"rows.4.offset", "rows.5.delivery"}
    assert "row 4, column offset" in str(caught.value)
    assert [i.number for i in _stored(world.db, world.exercise_id)] == [9]


def test_xlsx_bad_rows_and_missing_dependencies_name_the_cell(world: ExerciseWorld) -> None:
    injects = [msel.fields.build_inject(world.exercise_id, inject_data(1, "H+1")),
               msel.fields.build_inject(world.exercise_id, inject_data(2, "H+2",
                                                                       depends_on=1))]
    data = write_xlsx(injects)
    book = load_workbook(__import__("io").BytesIO(data))
    book.active.cell(row=3, column=msel.COLUMNS.index("depends_on") + 1).value = "7"
    book.active.cell(row=2, column=msel.COLUMNS.index("techniques") + 1).value = "X123"
    out = __import__("io").BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed) as caught:
        read_xlsx(world.exercise_id, out.getvalue())
    assert {e.field for e in caught.value.errors} == {"rows.2.techniques", "rows.3.depends_on"}


def test_unknown_and_missing_columns_are_refused(world: ExerciseWorld) -> None:
    with pytest.raises(ValidationFailed) as caught:
        msel.read_csv(world.exercise_id, "number,when,title\r\n1,H+1,x\r\n")
    assert {e.field for e in caught.value.errors} == {"rows.1.when", "rows.1.offset"}
    with pytest.raises(ValidationFailed, match="not an Excel"):
        read_xlsx(world.exercise_id, b"not a workbook")


def test_only_msel_writers_import_and_a_run_msel_is_not_replaced(
        world: ExerciseWorld) -> None:
    one = [msel.fields.build_inject(world.exercise_id, inject_data(1, "H+0"))]
    for who in ("helper", "ua_player", "observer"):
        with pytest.raises(PermissionDenied):
            _import(world, one, who)
    _import(world, one, "controller")
    with world.db.transaction() as uow:
        exclock.start(uow, world.people["controller"], world.exercise_id)
    with pytest.raises(Conflict, match="released"):
        _import(world, one)
