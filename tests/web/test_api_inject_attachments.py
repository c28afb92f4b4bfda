"""Files handed out with injects, over the API: the scenario circle (trusted-agent planner,
controller) uploads them to unreleased injects; the circle and the evaluator read them
always; a player reads them only once the inject is released to their team, an observer
once it is released — before that, and for anyone else, a 404 on every path. A released
inject's files are immutable (409). Uploads, removals and downloads are audited."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from rcsc.accounts.auth import system
from rcsc.config import Settings, load_settings
from rcsc.incidents import attachments as incident_attachments
from rcsc.storage import Database
from rcsc.storage.blobs import BLOB_DIR, BlobStore
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data
from tests.web.api_support import assert_problem, audit_count

API = "/api/v1/exercises"
LETTER = b"%PDF-1.4 ransom note: pay 40 BTC or the grid stays dark\n"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=db_url,
                         federation_scheduler=False, intel_index_seconds=0,
                         exercise_tick_seconds=0, max_attachment_bytes=4096,
                         max_request_bytes=1024)


@pytest.fixture
def ex(db: Database) -> ExerciseWorld:
    return build(db, injects=[inject_data(1, "M+0", to=["UA"]),
                              inject_data(2, "H+5", to=["all"]),
                              inject_data(3, "M+0", to=["PL"])])


def _url(ex: ExerciseWorld, tail: str = "") -> str:
    return f"{API}/{ex.exercise_id}{tail}"


def _inject_ids(client: TestClient, ex: ExerciseWorld) -> dict[int, str]:
    listed = client.get(_url(ex, "/injects"), headers=ex.auth("controller")).json()
    return {i["number"]: i["id"] for i in listed}


def _upload(client: TestClient, ex: ExerciseWorld, who: str, inject_id: str,
            data: bytes = LETTER, name: str = "note.pdf",
            **form: str) -> httpx.Response:
    return client.post(_url(ex, f"/injects/{inject_id}/attachments"), headers=ex.auth(who),
                       data=form, files={"file": (name, data, "application/pdf")})


def _uploaded(client: TestClient, ex: ExerciseWorld) -> dict[int, dict[str, Any]]:
    ids = _inject_ids(client, ex)
    made = {}
    for number, who in ((1, "controller"), (2, "planner"), (3, "controller")):
        response = _upload(client, ex, who, ids[number], name=f"note{number}.pdf")
        assert response.status_code == 201, response.text
        made[number] = response.json()
    return made


def _reads(client: TestClient, ex: ExerciseWorld, who: str, file: dict[str, Any]) -> bool:
    """Whether `who` lists and downloads the file; a refusal must be a 404 on both paths."""
    listed = client.get(_url(ex, f"/injects/{file['inject_id']}/attachments"),
                        headers=ex.auth(who))
    got = client.get(file["download_url"], headers=ex.auth(who))
    if got.status_code == 200:
        assert got.content == LETTER
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["content-disposition"].startswith("attachment")
        assert [a["id"] for a in listed.json()] == [file["id"]]
        return True
    assert_problem(got, 404)
    assert_problem(listed, 404)
    assert LETTER not in got.content and file["filename"] not in listed.text
    return False


def test_files_follow_the_inject_text_rule_before_and_after_release(
        client: TestClient, ex: ExerciseWorld, db: Database) -> None:
    made = _uploaded(client, ex)
    assert made[1]["size"] == len(LETTER)
    assert made[1]["hashes"]["sha256"] == hashlib.sha256(LETTER).hexdigest()
    circle = ("planner", "controller", "evaluator")
    for who in circle:
        assert all(_reads(client, ex, who, f) for f in made.values()), who
    for who in ("ua_player", "pl_player", "observer", "helper", "outsider"):
        assert not any(_reads(client, ex, who, f) for f in made.values()), who
    inbox = client.get(_url(ex, "/inbox"), headers=ex.auth("ua_player")).json()
    assert inbox == []

    assert client.post(_url(ex, "/start"), headers=ex.auth("controller")).status_code == 200
    expected = {"ua_player": {1}, "pl_player": {3}, "observer": {1, 3}, "helper": {1, 3},
                "outsider": set(), "planner": {1, 2, 3}, "controller": {1, 2, 3},
                "evaluator": {1, 2, 3}}
    for who, numbers in expected.items():
        seen = {n for n, f in made.items() if _reads(client, ex, who, f)}
        assert seen == numbers, who
    ua_inbox = client.get(_url(ex, "/inbox"), headers=ex.auth("ua_player")).json()
    assert [[a["id"] for a in item["files"]] for item in ua_inbox] == [[made[1]["id"]]]
    console = client.get(_url(ex, "/console"), headers=ex.auth("controller")).json()
    assert sorted(a["filename"] for row in console for a in row["files"]) == [
        "note1.pdf", "note3.pdf"]  # the console lists released injects only
    downloads = sum(len(n) for n in expected.values()) + 3 * 3
    assert audit_count(db, action="exercise.inject.attachment.create") == 3
    assert audit_count(db, action="exercise.inject.attachment.download") == downloads


def test_a_released_injects_files_are_immutable(
        client: TestClient, ex: ExerciseWorld, db: Database) -> None:
    made = _uploaded(client, ex)
    assert client.post(_url(ex, "/start"), headers=ex.auth("controller")).status_code == 200
    released = made[1]
    late = _upload(client, ex, "controller", released["inject_id"])
    assert "part of the record" in assert_problem(late, 409)["detail"]
    gone = client.delete(_url(ex, f"/injects/{released['inject_id']}/attachments/"
                                  f"{released['id']}"), headers=ex.auth("controller"))
    assert "part of the record" in assert_problem(gone, 409)["detail"]
    assert client.get(released["download_url"], headers=ex.auth("ua_player")).content == LETTER

    pending = made[2]  # not yet released: may still be removed
    path = _url(ex, f"/injects/{pending['inject_id']}/attachments/{pending['id']}")
    assert_problem(client.delete(path, headers=ex.auth("ua_player")), 403)
    assert client.delete(path, headers=ex.auth("controller")).status_code == 204
    assert_problem(client.delete(path, headers=ex.auth("controller")), 404)
    assert_problem(client.get(pending["download_url"], headers=ex.auth("controller")), 404)
    assert audit_count(db, action="exercise.inject.attachment.delete") == 1


def test_only_the_scenario_circle_uploads_and_uploads_are_checked(
        client: TestClient, ex: ExerciseWorld) -> None:
    first = _inject_ids(client, ex)[1]
    for who in ("ua_player", "observer", "helper", "evaluator"):
        assert_problem(_upload(client, ex, who, first), 403)  # not a writer of the MSEL
    assert_problem(_upload(client, ex, "outsider", first), 404)
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(_upload(client, ex, "controller", missing), 404)
    assert_problem(_upload(client, ex, "controller", first, data=b"x" * 4097), 413)
    assert_problem(_upload(client, ex, "controller", first, data=b""), 422)
    assert_problem(_upload(client, ex, "controller", first, is_malware="true"), 422)
    listed = client.get(_url(ex, f"/injects/{first}/attachments"),
                        headers=ex.auth("controller"))
    assert listed.json() == []
    # over the request limit (1 KiB) but within the file limit (4 KiB): the upload's own
    assert _upload(client, ex, "controller", first, data=b"y" * 4096).status_code == 201


def test_the_blob_garbage_collector_keeps_inject_files(
        client: TestClient, ex: ExerciseWorld, db: Database, settings: Settings) -> None:
    made = _uploaded(client, ex)[1]
    store = BlobStore(settings.data_dir / BLOB_DIR)
    path = store.path(made["hashes"]["sha256"], sealed=False)
    os.utime(path, (0, 0))  # old enough for any grace period
    swept = incident_attachments.collect_garbage(db, store, system("cron"),
                                                 grace=timedelta(0))
    assert path not in [x.path for x in swept] and path.is_file()
    assert client.get(made["download_url"], headers=ex.auth("controller")).content == LETTER
