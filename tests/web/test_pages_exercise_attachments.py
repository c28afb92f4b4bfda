"""Files on answers through the pages: the inbox form sends the answer with its files in
one multipart POST; the team sees and downloads them in the inbox, the white cell in the
console; another team's player gets a 404; a file over the limit refuses the answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rcsc.config import Settings, load_settings
from rcsc.storage import Database
from tests.conftest import PASSWORD
from tests.exercises.exercise_world import PEOPLE, ExerciseWorld, build, inject_data
from tests.web.page_support import assert_html, count_rows, csrf_of, logged_in, post_form

LOG = b"10:00:01 breaker 7 opened by HMI session 42\n"
LINK = re.compile(r'href="(/exercises/[^"]+/attachments/[^"]+)" download>hmi\.log<')


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=db_url,
                         federation_scheduler=False, intel_index_seconds=0,
                         exercise_tick_seconds=0, max_attachment_bytes=4096,
                         max_request_bytes=1024)


@pytest.fixture
def ex(client: TestClient, db: Database) -> ExerciseWorld:
    world = build(db, injects=[inject_data(1, "M+0", title="Grid alarm", to=["all"])])
    page = f"/exercises/{world.exercise_id}"
    _as(client, "controller")
    post_form(client, page + "/clock", {"action": "start"}, page=page)
    return world


def _as(client: TestClient, who: str) -> TestClient:
    client.cookies.clear()
    return logged_in(client, f"{who}@{PEOPLE[who][0].lower()}.example", PASSWORD)


def _answer(client: TestClient, ex: ExerciseWorld, data: bytes) -> tuple[int, str]:
    inbox = f"/exercises/{ex.exercise_id}/inbox"
    html = client.get(inbox).text
    assert 'enctype="multipart/form-data"' in html and 'type="file" name="files"' in html
    action = re.search(r'action="(/exercises/[^"]+/respond)"', html)
    assert action
    sent = client.post(action.group(1), data={"text": "Log attached",
                                              "csrf_token": csrf_of(html)},
                       files=[("files", ("hmi.log", data, "text/plain")),
                              ("files", ("", b"", "application/octet-stream"))],
                       follow_redirects=False)
    return sent.status_code, sent.text


def test_a_player_answers_with_a_file_which_only_the_team_and_white_cell_read(
        client: TestClient, ex: ExerciseWorld, db: Database) -> None:
    _as(client, "ua_player")
    status, text = _answer(client, ex, LOG * 50)  # over the request limit, not the file's
    assert status == 303, text[:3000]
    assert count_rows(db, "exercise_response_attachments") == 1  # the empty input: nothing
    inbox = assert_html(client.get(f"/exercises/{ex.exercise_id}/inbox"), 200)
    link = LINK.search(inbox)
    assert link, inbox
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.content == LOG * 50
    assert got.headers["content-disposition"].startswith("attachment")

    _as(client, "controller")
    console = assert_html(client.get(f"/exercises/{ex.exercise_id}/console"), 200)
    shown = LINK.search(console)
    assert shown and shown.group(1) == link.group(1)
    assert client.get(link.group(1)).content == LOG * 50

    for who in ("pl_player", "observer"):
        _as(client, who)
        assert "hmi.log" not in client.get(f"/exercises/{ex.exercise_id}/inbox").text
        refused = client.get(link.group(1))
        assert refused.status_code == 404 and LOG not in refused.content


def test_a_file_over_the_limit_refuses_the_whole_answer(
        client: TestClient, ex: ExerciseWorld, db: Database) -> None:
    _as(client, "ua_player")
    status, _ = _answer(client, ex, b"x" * 4097)
    assert status == 413
    assert count_rows(db, "exercise_response_attachments") == 0
    assert count_rows(db, "exercise_responses") == 0
