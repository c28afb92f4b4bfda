"""Planning: objectives, meetings with action items, the go/no-go checklist, conflicts,
open corrective actions of earlier exercises, and the iCalendar export."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from rcsc.core.exercise_plans import Phase
from rcsc.errors import NotFound, PermissionDenied, ValidationFailed
from rcsc.exercises import evaluation, planning, service
from rcsc.storage import Database
from tests.exercises.exercise_world import ExerciseWorld, build

MEETING = {"kind": "concept-objectives", "starts_at": "2027-01-12T09:00:00+02:00",
           "minutes_long": 180, "attendees": ["CERT-LT", "CERT-UA", "CERT.PL"],
           "minutes": "Tabletop agreed; three objectives.",
           "actions": [{"text": "Draft the scenario", "owner": "planner@lt.example",
                        "due_on": "2027-01-26"}]}


@pytest.fixture
def world(db: Database) -> ExerciseWorld:
    return build(db)


def _as(world: ExerciseWorld, who: str, fn: object, *args: object) -> object:
    with world.db.transaction() as uow:
        return fn(uow, world.people[who], world.exercise_id, *args)  # type: ignore[operator]


def test_smart_objectives_with_capability_and_critical_tasks(world: ExerciseWorld) -> None:
    made = _as(world, "planner", planning.put_objective, {
        "code": "O1", "text": "Within 2 h of detection, CERT-UA and CERT-LT share IOCs.",
        "capability": "Operational coordination",
        "critical_tasks": ["Share indicators", "Notify the ministry"]})
    listed = _as(world, "ua_player", planning.objectives)
    assert listed == [made]
    with pytest.raises(ValidationFailed) as caught:
        _as(world, "planner", planning.put_objective, {"code": "O1", "text": "again"})
    assert caught.value.errors[0].field == "code"
    with pytest.raises(PermissionDenied):
        _as(world, "ua_player", planning.put_objective, {"code": "O2", "text": "x"})


def test_meetings_keep_minutes_and_action_items(world: ExerciseWorld) -> None:
    meeting = _as(world, "planner", planning.put_meeting, MEETING)
    stored = _as(world, "controller", planning.meetings)
    assert stored == [meeting]
    assert stored[0].starts_at == datetime(2027, 1, 12, 7, 0, tzinfo=UTC)  # type: ignore[index]
    item = stored[0].actions[0]  # type: ignore[index]
    assert (item.owner, item.due_on) == ("planner@lt.example", date(2027, 1, 26))
    with pytest.raises(ValidationFailed) as caught:
        _as(world, "planner", planning.put_meeting, {"kind": "lunch", "starts_at": "soon",
                                                     "actions": [{"text": ""}]})
    assert {e.field for e in caught.value.errors} == {
        "kind", "starts_at", "actions.0.text", "actions.0.owner"}
    with pytest.raises(NotFound):  # the outsider may not even see the exercise
        _as(world, "outsider", planning.meetings)
    with world.db.transaction() as uow:
        service.update(uow, world.people["planner"], world.exercise_id, {"tlp": "clear"})
    with pytest.raises(PermissionDenied):  # sees it now, but is no participant
        _as(world, "outsider", planning.meetings)


def test_go_no_go_checklist_per_enisa_phase(world: ExerciseWorld) -> None:
    for key in ("mandate", "scope", "team"):
        _as(world, "planner", planning.tick, "initiation", key, True)
    items = _as(world, "planner", planning.checklist)
    assert planning.go(items, Phase.INITIATION)  # type: ignore[arg-type]
    assert not planning.go(items, Phase.DESIGN)  # type: ignore[arg-type]
    _as(world, "planner", planning.tick, "initiation", "team", False)
    assert not planning.go(_as(world, "planner", planning.checklist), Phase.INITIATION)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        _as(world, "planner", planning.tick, "design", "mandate", True)


def test_an_organisation_booked_in_overlapping_exercises_is_warned(
        world: ExerciseWorld) -> None:
    with world.db.transaction() as uow:
        other = service.create(uow, world.people["planner"], {
            "name": "Cyber Shield", "type": "drill", "starts_on": "2027-03-03",
            "ends_on": "2027-03-05", "org_ids": [str(world.orgs["UA"])]})
        apart = service.create(uow, world.people["planner"], {
            "name": "Later", "type": "drill", "starts_on": "2027-04-03",
            "ends_on": "2027-04-05", "org_ids": [str(world.orgs["UA"])]})
        exercise = service.get(uow, world.people["planner"], world.exercise_id)
        found = planning.conflicts(uow, world.people["planner"], exercise)
    assert {(c.other.id, c.org_id) for c in found} == {
        (other.id, world.orgs["LT"]), (other.id, world.orgs["UA"])}
    assert apart.id not in {c.other.id for c in found}


def test_open_corrective_actions_of_earlier_exercises_show_in_planning(
        world: ExerciseWorld) -> None:
    with world.db.transaction() as uow:
        planner = world.people["planner"]
        later = service.create(uow, planner, {
            "name": "Baltic Grid 2028", "type": "functional", "starts_on": "2028-03-01",
            "ends_on": "2028-03-02", "org_ids": [str(world.orgs["UA"])]})
    action = _as(world, "evaluator", evaluation.add_action, {
        "text": "24/7 contact list for the grid operator", "due_on": "2027-06-30",
        "owner_org_id": str(world.orgs["UA"])})
    with world.db.transaction() as uow:
        carried = planning.open_actions_before(uow, planner, later)
    assert [a.id for a in carried] == [action.id]  # type: ignore[attr-defined]
    with world.db.transaction() as uow:
        evaluation.close_action(uow, world.people["ua_player"], action.id)  # type: ignore[attr-defined]
        assert planning.open_actions_before(uow, planner, later) == []


def test_icalendar_export_of_the_exercise_and_its_meetings(world: ExerciseWorld) -> None:
    _as(world, "planner", planning.put_meeting, MEETING)
    parsed = Calendar.from_ical(_as(world, "planner", planning.icalendar))
    events = [c for c in parsed.walk() if c.name == "VEVENT"]
    assert [str(e["summary"]) for e in events] == [
        "[TLP:AMBER] Baltic Grid 2027 (tabletop)", "[TLP:AMBER] Concept & Objectives"]
    assert events[0].decoded("dtstart") == date(2027, 3, 2)
    assert events[0].decoded("dtend") == date(2027, 3, 4)
    assert events[1].decoded("dtstart") == datetime(2027, 1, 12, 7, 0, tzinfo=UTC)
