"""Exercise pages: planners build, controllers run, players answer in their inbox (which never
shows an unreleased inject), evaluators rate, and the AAR renders as a page and a PDF."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rcsc.config import Settings, load_settings
from rcsc.core.clock import FrozenClock
from rcsc.storage import Database
from tests.conftest import PASSWORD
from tests.exercises.exercise_world import PEOPLE, ExerciseWorld, build, inject_data
from tests.web.page_support import assert_html, logged_in, post_form

SECRET = "Substation 7 breaker trips"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=db_url,
                         federation_scheduler=False, intel_index_seconds=0,
                         exercise_tick_seconds=0)


@pytest.fixture
def ex(db: Database) -> ExerciseWorld:
    return build(db, injects=[inject_data(1, "M+0", title="Grid alarm", to=["UA"]),
                              inject_data(2, "H+1", title="Hidden", text=SECRET)])


def _as(client: TestClient, who: str) -> TestClient:
    client.cookies.clear()
    return logged_in(client, f"{who}@{PEOPLE[who][0].lower()}.example", PASSWORD)


def test_a_player_never_sees_an_unreleased_inject_on_any_page(
        client: TestClient, ex: ExerciseWorld) -> None:
    page = f"/exercises/{ex.exercise_id}"
    _as(client, "controller")
    post_form(client, page + "/clock", {"action": "start"}, page=page)
    assert "Hidden" in assert_html(client.get(page), 200)  # the white cell sees the MSEL
    _as(client, "ua_player")
    for path in (page, page + "/inbox", page + "/inbox?partial=1"):
        text = client.get(path).text
        assert "Grid alarm" in text and "Hidden" not in text and SECRET not in text, path
    for path in (page + "/msel.csv", page + "/msel.xlsx"):
        assert SECRET.encode() not in client.get(path).content
    assert client.get(page + "/console").status_code == 403


def test_build_run_answer_rate_and_report_through_the_pages(
        client: TestClient, ex: ExerciseWorld, clock: FrozenClock) -> None:
    page = f"/exercises/{ex.exercise_id}"
    _as(client, "planner")
    assert_html(client.get("/exercises"), 200)
    made = post_form(client, page + "/objectives", {
        "code": "O1", "text": "Share IOCs within 2 h", "capability": "Coordination",
        "critical_tasks": "Share indicators\nNotify the ministry"}, page=page)
    assert made.status_code == 303, made.text
    post_form(client, page + "/meetings", {"kind": "final", "starts_at": "2027-02-20T10:00",
                                           "attendees": "CERT-LT, CERT-UA"}, page=page)
    text = assert_html(client.get(page), 200)
    assert "Share IOCs within 2 h" in text and "CERT-LT, CERT-UA" in text
    _as(client, "controller")
    post_form(client, page + "/clock", {"action": "start"}, page=page)
    _as(client, "ua_player")
    inbox = client.get(page + "/inbox").text
    assert "Grid alarm" in inbox
    with ex.db.transaction() as uow:
        first = uow.exercises.injects(ex.exercise_id)[0]
    clock.advance(seconds=20)
    answered = post_form(client, f"{page}/injects/{first.id}/respond",
                         {"text": "Substation isolated"}, page=page + "/inbox")
    assert answered.status_code == 303, answered.text
    assert "Substation isolated" in client.get(page + "/inbox").text
    _as(client, "controller")
    console = client.get(page + "/console?partial=1").text
    assert "answered +20 s" in console
    _as(client, "evaluator")
    with ex.db.transaction() as uow:
        objective = uow.exercises.plans.objectives(ex.exercise_id)[0]
    rated = post_form(client, f"{page}/objectives/{objective.id}/rate",
                      {"rating": "S", "observations": "Slow ministry call",
                       "improvements": "Keep a contact list"}, page=page + "/evaluation")
    assert rated.status_code == 303, rated.text
    report = assert_html(client.get(page + "/aar"), 200)
    assert "Keep a contact list" in report and "Substation isolated" in report
    assert SECRET not in report
    pdf = client.get(page + "/aar.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_an_exercise_incident_is_filed_through_the_normal_form_and_kept_apart(
        client: TestClient, ex: ExerciseWorld) -> None:
    _as(client, "ua_player")
    page = f"/incidents/new?exercise_id={ex.exercise_id}"
    form = assert_html(client.get(page), 200)
    assert f'name="exercise_id" value="{ex.exercise_id}"' in form
    assert "kept out of real lists and statistics" in form
    filed = post_form(client, "/incidents/new", {
        "title": "EXERCISE wiper", "rsit": "malicious-code/infected-system",
        "severity": "high", "tlp": "amber", "exercise_id": str(ex.exercise_id)}, page=page)
    assert filed.status_code == 303, filed.text[:2000]
    with ex.db.transaction() as uow:
        made = uow.incidents.get(uuid.UUID(filed.headers["location"].rsplit("/", 1)[1]),
                                 uow.incidents.viewer(
                                     ex.people["ua_player"].user_id,  # type: ignore[arg-type]
                                     ex.orgs["UA"]))
    assert made is not None and made.exercise_id == ex.exercise_id
    assert "EXERCISE wiper" not in client.get("/incidents").text
