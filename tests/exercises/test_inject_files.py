"""Files of injects in the service layer: the MSEL spreadsheet does not carry them and is
unchanged by them, an import keeps them on the injects with the same numbers, deleting an
inject removes its files, and an e-mail inject names its files in the mail."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcsc.core.exercises import InjectAttachment
from rcsc.exercises import clock as exclock
from rcsc.exercises import inject_files, mailing, msel
from rcsc.exercises.msel_xlsx import read_xlsx, write_xlsx
from rcsc.storage import Database
from rcsc.storage.blobs import BlobStore
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data

LETTER = b"Scanned letter from the grid operator's CEO\n"


@pytest.fixture
def world(db: Database) -> ExerciseWorld:
    return build(db, injects=[
        inject_data(1, "M+0", to=["UA"], delivery="email", attachments=["grid-map.pdf"]),
        inject_data(2, "H+1", to=["all"]), inject_data(3, "H+2", to=["PL"])])


def _attach(world: ExerciseWorld, store: BlobStore, number: int,
            name: str) -> InjectAttachment:
    writer = store.writer(4096)
    writer.write(LETTER)
    blob = writer.commit()
    with world.db.transaction() as uow:
        inject = uow.exercises.injects(world.exercise_id)[number - 1]
        return inject_files.add(uow, world.people["controller"], world.exercise_id,
                                inject.id, blob, filename=name, content_type="text/plain")


def _files_by_number(world: ExerciseWorld) -> dict[int, list[str]]:
    with world.db.transaction() as uow:
        number_of = {i.id: i.number for i in uow.exercises.injects(world.exercise_id)}
        found = uow.exercises.inject_files.of_exercise(world.exercise_id)
    result: dict[int, list[str]] = {}
    for a in found:
        result.setdefault(number_of[a.inject_id], []).append(a.filename)
    return result


def test_the_spreadsheet_is_unchanged_and_an_import_keeps_the_files(
        world: ExerciseWorld, tmp_path: Path) -> None:
    planner = world.people["planner"]
    with world.db.transaction() as uow:
        before_csv = msel.write_csv(msel.export_injects(uow, planner, world.exercise_id))
    store = BlobStore(tmp_path / "blobs")
    kept = _attach(world, store, 1, "letter.txt")
    _attach(world, store, 3, "pl-brief.txt")
    with world.db.transaction() as uow:
        injects = msel.export_injects(uow, planner, world.exercise_id)
        assert msel.write_csv(injects) == before_csv  # uploaded files are not in it
        xlsx = write_xlsx(injects, "TLP:AMBER")
    again = read_xlsx(world.exercise_id, xlsx)
    without_three = [i for i in msel.read_csv(world.exercise_id, before_csv) if i.number != 3]
    with world.db.transaction() as uow:
        msel.import_injects(uow, planner, world.exercise_id, again)
    assert _files_by_number(world) == {1: ["letter.txt"], 3: ["pl-brief.txt"]}
    with world.db.transaction() as uow:
        first = uow.exercises.injects(world.exercise_id)[0]
        assert first.id != kept.inject_id  # a new inject row, the same file
        found = uow.exercises.inject_files.get(kept.id)
        assert found is not None and found.inject_id == first.id
        assert found.digest == kept.digest
        assert msel.write_csv(msel.export_injects(uow, planner, world.exercise_id)) == before_csv
        msel.import_injects(uow, planner, world.exercise_id, without_three)
    assert _files_by_number(world) == {1: ["letter.txt"]}  # inject 3 is gone, and its file


def test_deleting_an_inject_removes_its_files(world: ExerciseWorld, tmp_path: Path) -> None:
    made = _attach(world, BlobStore(tmp_path / "blobs"), 2, "note.txt")
    with world.db.transaction() as uow:
        msel.delete_inject(uow, world.people["controller"], world.exercise_id, made.inject_id)
        assert uow.exercises.inject_files.get(made.id) is None
    assert _files_by_number(world) == {}


def test_an_email_inject_names_its_files_in_the_mail(world: ExerciseWorld,
                                                     tmp_path: Path) -> None:
    _attach(world, BlobStore(tmp_path / "blobs"), 1, "ceo-letter.txt")
    with world.db.transaction() as uow:
        exclock.start(uow, world.people["controller"], world.exercise_id)
    with world.db.transaction() as uow:
        exercise = uow.exercises.get(world.exercise_id)
        assert exercise is not None
        first = uow.exercises.injects(world.exercise_id)[0]
        assert first.released
        letters = mailing.letters_for(uow, exercise, first)
    assert [letter.to for letter in letters] == ["ua_player@ua.example"]
    assert "Attachments: grid-map.pdf" in letters[0].text
    assert "Files in your exercise inbox: ceo-letter.txt" in letters[0].text
