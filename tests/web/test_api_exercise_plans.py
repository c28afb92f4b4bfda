"""Planning and evaluation over HTTP: objectives, meetings, checklist, calendar, ratings with
the score breakdown, lessons, corrective actions and ATT&CK coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from rcsc.config import Settings, load_settings
from rcsc.storage import Database
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data
from tests.web.api_support import assert_problem


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=db_url,
                         federation_scheduler=False, intel_index_seconds=0,
                         exercise_tick_seconds=0)


@pytest.fixture
def ex(db: Database) -> ExerciseWorld:
    return build(db, injects=[inject_data(1, "M+0", techniques=["T1486"]),
                              inject_data(2, "H+2", techniques=["T1490"])])


def test_plan_rate_and_improve_over_the_api(client: TestClient, ex: ExerciseWorld) -> None:
    url = f"/api/v1/exercises/{ex.exercise_id}"
    planner, evaluator = ex.auth("planner"), ex.auth("evaluator")
    objective = client.post(url + "/objectives", headers=planner, json={
        "code": "O1", "text": "Share IOCs within 2 h", "capability": "Coordination",
        "critical_tasks": ["Share indicators"]})
    assert objective.status_code == 201, objective.text
    meeting = client.post(url + "/meetings", headers=planner, json={
        "kind": "midterm", "starts_at": "2027-02-10T10:00:00+02:00", "minutes_long": 90,
        "actions": [{"text": "Freeze MSEL", "owner": "controller", "due_on": "2027-02-20"}]})
    assert meeting.status_code == 201, meeting.text
    assert meeting.json()["actions"][0]["owner"] == "controller"
    ticked = client.put(url + "/checklist", headers=planner,
                        json={"phase": "initiation", "key": "mandate"}).json()
    assert [c["done"]["done_by"] for c in ticked if c["done"]] == ["planner@lt.example"]
    ics = client.get(url + "/calendar.ics", headers=planner)
    assert ics.headers["content-type"].startswith("text/calendar")
    assert len([c for c in Calendar.from_ical(ics.content).walk() if c.name == "VEVENT"]) == 2
    oid = objective.json()["id"]
    for task, rating in (("", "S"), ("Share indicators", "P")):
        made = client.post(f"{url}/objectives/{oid}/ratings", headers=evaluator,
                           json={"task": task, "rating": rating, "observations": "seen"})
        assert made.status_code == 201, made.text
    assert_problem(client.post(f"{url}/objectives/{oid}/ratings",
                               headers=ex.auth("ua_player"), json={"rating": "P"}), 403)
    scored = client.get(url + "/evaluation", headers=evaluator).json()
    assert scored["scores"][0]["explanation"] == "S=2 + P=3 = 5 of 6"
    assert scored["counts"] == {"P": 1, "S": 1, "M": 0, "U": 0}
    action = client.post(url + "/corrective-actions", headers=evaluator, json={
        "text": "Contact list", "owner_org_id": str(ex.orgs["UA"]), "due_on": "2027-06-30"})
    assert action.status_code == 201, action.text
    closed = client.post(f"/api/v1/corrective-actions/{action.json()['id']}/close",
                         headers=ex.auth("ua_player"))
    assert closed.json()["status"] == "done"
    asked = client.post(url + "/questions", headers=evaluator,
                        json={"text": "What went well?", "anonymous": True}).json()
    client.post(f"{url}/questions/{asked['id']}/answers", headers=ex.auth("pl_player"),
                json={"text": "Sharing"})
    lessons = client.get(url + "/lessons", headers=evaluator).json()
    assert lessons[0]["answers"][0]["user_id"] is None
    coverage = client.get(url + "/coverage", headers=ex.auth("controller")).json()
    assert [c["technique"] for c in coverage] == ["T1486", "T1490"]
    assert client.get(url + "/coverage", headers=ex.auth("ua_player")).json() == []
