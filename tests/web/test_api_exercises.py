"""/api/v1/exercises over HTTP: build, run and play an exercise; a player never reads an
unreleased inject through the API (list, search, single read, export, inbox)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from rcsc.config import Settings, load_settings
from rcsc.core.clock import FrozenClock
from rcsc.exercises.msel_xlsx import read_xlsx
from rcsc.storage import Database
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data
from tests.web.api_support import assert_problem, error_fields

API = "/api/v1/exercises"
SECRET = "Substation 7 breaker trips"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    # the tests step the exercise clock themselves (no worker thread)
    return load_settings(data_dir=tmp_path / "data", database_url=db_url,
                         federation_scheduler=False, intel_index_seconds=0,
                         exercise_tick_seconds=0)


@pytest.fixture
def ex(db: Database) -> ExerciseWorld:
    return build(db, injects=[inject_data(1, "M+0", to=["UA"]),
                              inject_data(2, "H+1", text=SECRET)])


def _url(ex: ExerciseWorld, tail: str = "") -> str:
    return f"{API}/{ex.exercise_id}{tail}"


def _start(client: TestClient, ex: ExerciseWorld) -> None:
    response = client.post(_url(ex, "/start"), headers=ex.auth("controller"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "running"


def test_a_planner_builds_an_exercise_over_the_api(client: TestClient,
                                                   ex: ExerciseWorld) -> None:
    made = client.post(API, headers=ex.auth("planner"), json={
        "name": "Grid TTX", "type": "tabletop", "starts_on": "2027-05-01",
        "ends_on": "2027-05-01", "timezone": "Europe/Warsaw", "tlp": "green",
        "org_ids": [str(ex.orgs["UA"])], "scenario": "secret story"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "draft" and body["my_roles"] == ["planner"]
    assert body["scenario"] == "secret story"
    url = f"{API}/{body['id']}"
    added = client.post(url + "/injects", headers=ex.auth("planner"), json={
        "number": 1, "title": "Power cut", "offset": "D+0 H+00:10", "from": "Grid operator",
        "to": ["UA"], "techniques": ["T0813"]})
    assert added.status_code == 201, added.text
    assert added.json()["from"] == "Grid operator"
    assert added.json()["offset_seconds"] == 600
    people = client.put(url + "/participants", headers=ex.auth("planner"), json={
        "participants": [
            {"user_id": str(ex.people["planner"].user_id), "role": "planner",
             "trusted_agent": True},
            {"user_id": str(ex.people["ua_player"].user_id), "role": "player",
             "team": "UA"}]})
    assert people.status_code == 200, people.text
    player_view = client.get(url, headers=ex.auth("ua_player")).json()
    assert player_view["scenario"] is None and player_view["my_roles"] == ["player"]
    assert client.get(url + "/injects", headers=ex.auth("ua_player")).json() == []


def test_a_player_cannot_read_an_unreleased_inject_through_the_api(
        client: TestClient, ex: ExerciseWorld) -> None:
    _start(client, ex)
    player = ex.auth("ua_player")
    listed = client.get(_url(ex, "/injects"), headers=player).json()
    assert [i["number"] for i in listed] == [1]
    hidden = client.get(_url(ex, "/injects"), headers=ex.auth("controller")).json()[1]
    assert hidden["text"] == SECRET
    assert_problem(client.get(_url(ex, f"/injects/{hidden['id']}"), headers=player), 404)
    assert client.get(_url(ex, "/injects"), params={"q": "breaker"},
                      headers=player).json() == []
    csv_text = client.get(_url(ex, "/msel"), headers=player).text
    assert SECRET not in csv_text and "Inject 1" in csv_text
    xlsx = client.get(_url(ex, "/msel"), params={"format": "xlsx"}, headers=player).content
    assert [i.number for i in read_xlsx(ex.exercise_id, xlsx)] == [1]
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.oddHeader.center.text == sheet.oddFooter.center.text == "TLP:AMBER"
    inbox = client.get(_url(ex, "/inbox"), headers=player).json()
    assert [i["inject"]["number"] for i in inbox] == [1]
    assert_problem(client.post(_url(ex, f"/injects/{hidden['id']}/acknowledge"),
                               headers=player), 404)
    assert_problem(client.get(_url(ex), headers=ex.auth("outsider")), 404)


def test_play_acknowledge_respond_with_an_exercise_incident_and_console(
        client: TestClient, ex: ExerciseWorld, clock: FrozenClock) -> None:
    _start(client, ex)
    player = ex.auth("ua_player")
    first = client.get(_url(ex, "/inbox"), headers=player).json()[0]["inject"]["id"]
    clock.advance(seconds=30)
    ack = client.post(_url(ex, f"/injects/{first}/acknowledge"), headers=player)
    assert ack.status_code == 201 and ack.json()["seconds_after_release"] == 30
    filed = client.post("/api/v1/incidents", headers=player, json={
        "title": "EXERCISE wiper", "rsit_class": "malicious-code",
        "rsit_type": "infected-system", "severity": "high", "tlp": "amber",
        "exercise_id": str(ex.exercise_id)})
    assert filed.status_code == 201, filed.text
    answer = client.post(_url(ex, f"/injects/{first}/responses"), headers=player,
                         json={"text": "Isolated", "incident_id": filed.json()["id"]})
    assert answer.status_code == 201, answer.text
    real = client.get("/api/v1/incidents", headers=player).json()
    assert filed.json()["id"] not in [i["id"] for i in real["items"]]
    console = client.get(_url(ex, "/console"), headers=ex.auth("controller")).json()
    ua = [c for c in console[0]["teams"] if c["team"] == "UA"][0]
    assert ua["acknowledged"]["user_name"] == "ua_player"
    assert ua["responded"]["incident_id"] == filed.json()["id"]
    assert_problem(client.get(_url(ex, "/console"), headers=player), 403)


def test_a_real_incident_cannot_be_given_as_an_exercise_answer(
        client: TestClient, ex: ExerciseWorld) -> None:
    _start(client, ex)
    player = ex.auth("ua_player")
    first = client.get(_url(ex, "/inbox"), headers=player).json()[0]["inject"]["id"]
    real = client.post("/api/v1/incidents", headers=player, json={
        "title": "Real phishing", "rsit_class": "fraud", "rsit_type": "phishing",
        "severity": "low", "tlp": "amber"}).json()
    refused = client.post(_url(ex, f"/injects/{first}/responses"), headers=player,
                          json={"incident_id": real["id"]})
    assert error_fields(assert_problem(refused, 422)) == {"incident_id"}


def test_msel_import_by_put_reports_row_and_column(client: TestClient,
                                                   ex: ExerciseWorld) -> None:
    header = "number,offset,title,delivery\r\n"
    refused = client.put(_url(ex, "/msel"), headers={**ex.auth("ua_player"),
                                                       "Content-Type": "text/csv"},
                         content=header + "1,H+1,One,email\r\n")
    assert_problem(refused, 403)
    bad = client.put(_url(ex, "/msel"), headers={**ex.auth("planner"),
                                                   "Content-Type": "text/csv"},
                     content=header + "1,H+1,One,email\r\n2,soon,Two,fax\r\n")
    assert error_fields(assert_problem(bad, 422)) == {"rows.3.offset", "rows.3.delivery"}
    assert len(client.get(_url(ex, "/injects"), headers=ex.auth("planner")).json()) == 2
    good = client.put(_url(ex, "/msel"), headers={**ex.auth("planner"),
                                                    "Content-Type": "text/csv"},
                      content=header + "1,H+1,One,email\r\n")
    assert good.json() == {"imported": 1}
    exported = client.get(_url(ex, "/msel"), params={"format": "xlsx"},
                          headers=ex.auth("planner")).content
    again = client.put(_url(ex, "/msel"), headers=ex.auth("planner"), content=exported)
    assert again.json() == {"imported": 1}


def test_clock_over_the_api_with_release_now_during_a_pause(
        client: TestClient, ex: ExerciseWorld, clock: FrozenClock) -> None:
    _start(client, ex)
    controller = ex.auth("controller")
    assert client.post(_url(ex, "/pause"), headers=controller).json()["status"] == "paused"
    clock.advance(minutes=5)
    second = client.get(_url(ex, "/injects"), headers=controller).json()[1]
    released = client.post(_url(ex, f"/injects/{second['id']}/release"), headers=controller)
    assert released.json()["released_at"] is not None
    assert_problem(client.post(_url(ex, f"/injects/{second['id']}/release"),
                               headers=controller), 409)
    resumed = client.post(_url(ex, "/resume"), headers=controller).json()
    assert resumed["clock"]["paused_seconds"] == 300
    assert_problem(client.post(_url(ex, "/start"), headers=controller), 409)
    assert_problem(client.post(_url(ex, "/pause"), headers=ex.auth("planner")), 403)
    assert client.post(_url(ex, "/stop"), headers=controller).json()["status"] == "completed"
