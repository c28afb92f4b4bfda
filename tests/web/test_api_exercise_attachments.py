"""Files on players' answers over the API: a player attaches a file (streamed multipart)
to their team's answer; the team and the white cell (controllers, evaluators) list and
download it, audited; another team's player, an observer and an outsider get a 404."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path

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
LOG = b"2027-03-02T10:00:01Z breaker 7 opened by HMI session 42\n"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=db_url,
                         federation_scheduler=False, intel_index_seconds=0,
                         exercise_tick_seconds=0, max_attachment_bytes=4096,
                         max_request_bytes=1024)


@pytest.fixture
def ex(db: Database) -> ExerciseWorld:
    return build(db, injects=[inject_data(1, "M+0", to=["all"])])


def _url(ex: ExerciseWorld, tail: str = "") -> str:
    return f"{API}/{ex.exercise_id}{tail}"


def _answer(client: TestClient, ex: ExerciseWorld, who: str, text: str) -> str:
    inject = client.get(_url(ex, "/inbox"), headers=ex.auth(who)).json()[0]["inject"]["id"]
    made = client.post(_url(ex, f"/injects/{inject}/responses"), headers=ex.auth(who),
                       json={"text": text})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _upload(client: TestClient, ex: ExerciseWorld, who: str, response_id: str,
            data: bytes = LOG, **form: str):  # type: ignore[no-untyped-def]
    return client.post(_url(ex, f"/responses/{response_id}/attachments"),
                       headers=ex.auth(who), data=form,
                       files={"file": ("hmi.log", data, "text/plain")})


@pytest.fixture
def started(client: TestClient, ex: ExerciseWorld) -> ExerciseWorld:
    assert client.post(_url(ex, "/start"), headers=ex.auth("controller")).status_code == 200
    return ex


def test_the_team_and_the_white_cell_read_an_answer_file_and_nobody_else(
        client: TestClient, started: ExerciseWorld, db: Database) -> None:
    ex = started
    ua_answer = _answer(client, ex, "ua_player", "Isolated the HMI, log attached")
    made = _upload(client, ex, "ua_player", ua_answer)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["filename"] == "hmi.log" and body["team"] == "UA"
    assert body["size"] == len(LOG)
    assert body["hashes"]["sha256"] == hashlib.sha256(LOG).hexdigest()

    inbox = client.get(_url(ex, "/inbox"), headers=ex.auth("ua_player")).json()
    files = [a for r in inbox[0]["responses"] for a in r["attachments"]]
    assert [a["id"] for a in files] == [body["id"]]
    for who in ("ua_player", "controller", "evaluator"):
        got = client.get(body["download_url"], headers=ex.auth(who))
        assert got.status_code == 200, (who, got.text)
        assert got.content == LOG
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["content-disposition"].startswith("attachment")
        assert got.headers["x-content-type-options"] == "nosniff"
        listed = client.get(_url(ex, f"/responses/{ua_answer}/attachments"),
                            headers=ex.auth(who))
        assert [a["id"] for a in listed.json()] == [body["id"]]

    _answer(client, ex, "pl_player", "We saw nothing")
    pl_inbox = client.get(_url(ex, "/inbox"), headers=ex.auth("pl_player")).json()
    assert all(not r["attachments"] for r in pl_inbox[0]["responses"])
    for who in ("pl_player", "observer", "outsider"):
        refused = client.get(body["download_url"], headers=ex.auth(who))
        assert_problem(refused, 404)
        assert LOG not in refused.content
        listed = client.get(_url(ex, f"/responses/{ua_answer}/attachments"),
                            headers=ex.auth(who))
        assert listed.status_code == 404 or listed.json() == [], (who, listed.text)
    assert audit_count(db, action="exercise.response.attachment.create") == 1
    assert audit_count(db, action="exercise.response.attachment.download") == 3


def test_only_the_answering_team_attaches_and_uploads_are_checked(
        client: TestClient, started: ExerciseWorld) -> None:
    ex = started
    ua_answer = _answer(client, ex, "ua_player", "Isolated the HMI")
    assert_problem(_upload(client, ex, "pl_player", ua_answer), 404)  # not PL's answer
    assert_problem(_upload(client, ex, "controller", ua_answer), 403)  # not a player
    too_big = _upload(client, ex, "ua_player", ua_answer, data=b"x" * 4097)
    assert_problem(too_big, 413)
    assert_problem(_upload(client, ex, "ua_player", ua_answer, data=b""), 422)
    sample = _upload(client, ex, "ua_player", ua_answer, is_malware="true")
    assert_problem(sample, 422)
    listed = client.get(_url(ex, f"/responses/{ua_answer}/attachments"),
                        headers=ex.auth("ua_player"))
    assert listed.json() == []
    # over the request limit (1 KiB) but within the file limit (4 KiB): the upload's own
    big = _upload(client, ex, "ua_player", ua_answer, data=b"y" * 4096)
    assert big.status_code == 201, big.text


def test_the_blob_garbage_collector_keeps_answer_files(
        client: TestClient, started: ExerciseWorld, db: Database, settings: Settings) -> None:
    ex = started
    made = _upload(client, ex, "ua_player", _answer(client, ex, "ua_player", "Log attached"))
    store = BlobStore(settings.data_dir / BLOB_DIR)
    path = store.path(made.json()["hashes"]["sha256"], sealed=False)
    os.utime(path, (0, 0))  # old enough for any grace period
    swept = incident_attachments.collect_garbage(db, store, system("cron"),
                                                 grace=timedelta(0))
    assert path not in [x.path for x in swept] and path.is_file()
    assert client.get(made.json()["download_url"], headers=ex.auth("controller")).content == LOG
