"""Planners edit and delete injects and remove participating organisations through the
pages, as the API allows: a released inject is part of the record (409, said plainly, and
nothing changes); players cannot touch the MSEL; the lead organisation stays."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rcsc.config import Settings, load_settings
from rcsc.core.exercises import Inject
from rcsc.exercises import msel
from rcsc.storage import Database
from tests.conftest import PASSWORD
from tests.exercises.exercise_world import PEOPLE, ExerciseWorld, build, inject_data
from tests.web.page_support import assert_html, csrf_of, logged_in, post_form


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=db_url,
                         federation_scheduler=False, intel_index_seconds=0,
                         exercise_tick_seconds=0)


@pytest.fixture
def ex(db: Database) -> ExerciseWorld:
    return build(db, injects=[
        inject_data(1, "M+0", title="Grid alarm", to=["UA"]),
        inject_data(2, "H+1", title="Ransom note", to=["UA", "PL"], techniques=["T1486"],
                    objectives=[], expected_actions="Call the CSIRT"),
        inject_data(3, "H+2", title="Press call")])


def _as(client: TestClient, who: str) -> TestClient:
    client.cookies.clear()
    return logged_in(client, f"{who}@{PEOPLE[who][0].lower()}.example", PASSWORD)


def _injects(ex: ExerciseWorld) -> dict[int, Inject]:
    with ex.db.transaction(readonly=True) as uow:
        return {i.number: i for i in uow.exercises.injects(ex.exercise_id)}


def _page(ex: ExerciseWorld, tail: str = "") -> str:
    return f"/exercises/{ex.exercise_id}{tail}"


def test_a_planner_edits_an_inject_with_the_prefilled_form(
        client: TestClient, ex: ExerciseWorld) -> None:
    _as(client, "planner")
    before = _injects(ex)[2]
    edit = _page(ex, f"/injects/{before.id}/edit")
    assert f'href="{edit}"' in client.get(_page(ex)).text
    form = assert_html(client.get(edit), 200)
    cells = msel.cells(before)
    for column in ("offset", "title", "to", "techniques"):
        assert f'value="{html.escape(cells[column])}"' in form, column
    token = csrf_of(form)
    forged = client.post(edit, data={**cells, "title": "Forged"}, follow_redirects=False)
    assert forged.status_code == 403 and _injects(ex)[2] == before  # no CSRF token
    unchanged = client.post(edit, data={**cells, "csrf_token": token, "contingency": ""},
                            follow_redirects=False)
    assert unchanged.status_code == 303, unchanged.text
    assert _injects(ex)[2] == before  # the form as shown changes nothing

    sent = {**cells, "csrf_token": token, "title": "Ransom note, second wave",
            "offset": "H+01:30", "contingency": "true", "depends_on": "1",
            "depends_condition": "responded"}
    assert client.post(edit, data=sent, follow_redirects=False).status_code == 303
    after = _injects(ex)[2]
    assert (after.title, after.offset_seconds, after.contingency) == (
        "Ransom note, second wave", 5400, True)
    assert (after.depends_on, after.depends_condition.value) == (1, "responded")
    assert (after.recipients, after.techniques, after.expected_actions) == (
        before.recipients, before.techniques, before.expected_actions)

    bad = client.post(edit, data={**sent, "offset": "soon"}, follow_redirects=False)
    assert "soon" in assert_html(bad, 422)
    assert _injects(ex)[2] == after


def test_a_planner_deletes_an_unreleased_inject(client: TestClient, ex: ExerciseWorld) -> None:
    _as(client, "planner")
    third = _injects(ex)[3]
    done = post_form(client, _page(ex, f"/injects/{third.id}/delete"), {}, page=_page(ex))
    assert done.status_code == 303
    assert sorted(_injects(ex)) == [1, 2]


def test_a_released_inject_cannot_be_edited_or_deleted_from_the_pages(
        client: TestClient, ex: ExerciseWorld) -> None:
    _as(client, "controller")
    post_form(client, _page(ex, "/clock"), {"action": "start"}, page=_page(ex))
    released = _injects(ex)[1]
    assert released.released
    _as(client, "planner")
    assert f"/injects/{released.id}/edit" not in client.get(_page(ex)).text
    token = csrf_of(client.get(_page(ex)).text)
    edit = _page(ex, f"/injects/{released.id}/edit")
    for response in (client.get(edit),
                     client.post(edit, data={**msel.cells(released), "title": "Rewritten",
                                             "csrf_token": token}),
                     client.post(_page(ex, f"/injects/{released.id}/delete"),
                                 data={"csrf_token": token})):
        text = assert_html(response, 409)
        assert "inject 1 has been released" in text and "part of the record" in text
    assert _injects(ex)[1] == released


def test_players_cannot_edit_or_delete_injects(client: TestClient, ex: ExerciseWorld) -> None:
    second = _injects(ex)[2]
    _as(client, "ua_player")
    token = csrf_of(client.get(_page(ex, "/inbox")).text)
    edit = _page(ex, f"/injects/{second.id}/edit")
    assert client.get(edit).status_code in (403, 404)
    refused = client.post(_page(ex, f"/injects/{second.id}/delete"), data={"csrf_token": token})
    assert refused.status_code in (403, 404)
    assert _injects(ex)[2] == second


def test_a_planner_removes_a_participating_organisation_but_not_the_lead(
        client: TestClient, ex: ExerciseWorld) -> None:
    lead, pl = ex.orgs["LT"], ex.orgs["PL"]
    assert {lead, pl} <= ex.exercise().org_ids
    _as(client, "controller")  # not a planner
    refused = post_form(client, _page(ex, f"/organisations/{pl}/remove"), {}, page=_page(ex))
    assert refused.status_code == 403
    _as(client, "planner")
    page = client.get(_page(ex)).text
    assert f"/organisations/{pl}/remove" in page and f"/organisations/{lead}/remove" not in page
    done = post_form(client, _page(ex, f"/organisations/{pl}/remove"), {}, page=_page(ex))
    assert done.status_code == 303
    assert pl not in ex.exercise().org_ids and ex.orgs["UA"] in ex.exercise().org_ids
    again = post_form(client, _page(ex, f"/organisations/{pl}/remove"), {}, page=_page(ex))
    assert again.status_code == 404
    kept = post_form(client, _page(ex, f"/organisations/{lead}/remove"), {}, page=_page(ex))
    assert "lead organisation" in assert_html(kept, 422)
    assert lead in ex.exercise().org_ids
