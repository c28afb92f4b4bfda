"""Files of injects through the pages: a controller uploads them on the inject's edit page
(multipart, over the request limit but within the file limit); before the release a
player gets a 404 for the page link and sees nothing in the inbox; after it the addressed
team downloads them from the inbox and the white cell from the console, another team's
player still gets a 404; uploads to a released inject are refused (409)."""

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

LETTER = b"Scanned letter from the grid operator's CEO\n"
LINK = re.compile(r'href="(/exercises/[^"]+/injects/[^"]+/files/[^"]+)" download>'
                  r'ceo-letter\.txt<')


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=db_url,
                         federation_scheduler=False, intel_index_seconds=0,
                         exercise_tick_seconds=0, max_attachment_bytes=4096,
                         max_request_bytes=1024)


@pytest.fixture
def ex(db: Database) -> ExerciseWorld:
    return build(db, injects=[inject_data(1, "M+0", title="Grid alarm", to=["UA"])])


def _as(client: TestClient, who: str) -> TestClient:
    client.cookies.clear()
    return logged_in(client, f"{who}@{PEOPLE[who][0].lower()}.example", PASSWORD)


def _edit_page(ex: ExerciseWorld) -> str:
    with ex.db.transaction() as uow:
        inject = uow.exercises.injects(ex.exercise_id)[0]
    return f"/exercises/{ex.exercise_id}/injects/{inject.id}"


def _upload(client: TestClient, page: str, csrf: str, data: bytes) -> int:
    sent = client.post(page + "/attachments", data={"csrf_token": csrf},
                       files=[("files", ("ceo-letter.txt", data, "text/plain"))],
                       follow_redirects=False)
    return sent.status_code


def test_inject_files_reach_the_addressed_team_only_after_release(
        client: TestClient, ex: ExerciseWorld, db: Database) -> None:
    page = _edit_page(ex)
    _as(client, "controller")
    html = assert_html(client.get(page + "/edit"), 200)
    assert 'enctype="multipart/form-data"' in html
    assert _upload(client, page, csrf_of(html), LETTER * 50) == 303  # over 1 KiB, < 4 KiB
    link = LINK.search(assert_html(client.get(page + "/edit"), 200))
    assert link and link.group(1).startswith(page)
    assert client.get(link.group(1)).content == LETTER * 50
    assert count_rows(db, "exercise_inject_attachments") == 1

    exercise_page = f"/exercises/{ex.exercise_id}"
    on_msel = LINK.search(assert_html(client.get(exercise_page), 200))  # the MSEL timeline
    assert on_msel and on_msel.group(1) == link.group(1)
    for who in ("ua_player", "pl_player", "observer"):  # not released yet
        _as(client, who)
        refused = client.get(link.group(1))
        assert refused.status_code == 404 and LETTER not in refused.content
        assert "ceo-letter.txt" not in client.get(exercise_page + "/inbox").text
        assert "ceo-letter.txt" not in assert_html(client.get(exercise_page), 200)

    _as(client, "controller")
    post_form(client, exercise_page + "/clock", {"action": "start"}, page=exercise_page)
    console = assert_html(client.get(exercise_page + "/console"), 200)
    shown = LINK.search(console)
    assert shown and shown.group(1) == link.group(1)

    _as(client, "ua_player")
    inbox = assert_html(client.get(exercise_page + "/inbox"), 200)
    found = LINK.search(inbox)
    assert found and found.group(1) == link.group(1)
    got = client.get(found.group(1))
    assert got.status_code == 200 and got.content == LETTER * 50
    assert got.headers["content-disposition"].startswith("attachment")

    _as(client, "pl_player")  # released, but not to PL
    assert "ceo-letter.txt" not in client.get(exercise_page + "/inbox").text
    assert client.get(link.group(1)).status_code == 404


def test_uploads_are_refused_once_released_or_over_the_limit(
        client: TestClient, ex: ExerciseWorld, db: Database) -> None:
    page = _edit_page(ex)
    _as(client, "controller")
    csrf = csrf_of(assert_html(client.get(page + "/edit"), 200))
    assert _upload(client, page, csrf, b"x" * 4097) == 413
    assert count_rows(db, "exercise_inject_attachments") == 0
    exercise_page = f"/exercises/{ex.exercise_id}"
    post_form(client, exercise_page + "/clock", {"action": "start"}, page=exercise_page)
    assert _upload(client, page, csrf, LETTER) == 409
    assert count_rows(db, "exercise_inject_attachments") == 0
