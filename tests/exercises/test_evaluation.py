"""Evaluation: P/S/M/U per objective and critical task, the score breakdown, lessons
learned (anonymous answers keep no trace of who), ATT&CK coverage and the AAR."""

from __future__ import annotations

import pytest

from rcsc.core.clock import FrozenClock
from rcsc.core.exercise_plans import Rating
from rcsc.errors import NotFound, PermissionDenied, ValidationFailed
from rcsc.exercises import aar, evaluation, planning, play
from rcsc.exercises import clock as exclock
from rcsc.storage import Database
from rcsc.storage.repos.audit import AuditFilter
from tests.exercises.exercise_world import ExerciseWorld, build, inject_data


@pytest.fixture
def world(db: Database, clock: FrozenClock) -> ExerciseWorld:
    made = build(db, injects=[
        inject_data(1, "M+0", techniques=["T1486", "T0813"], objectives=["O1"]),
        inject_data(2, "M+5", techniques=["T1566.001"]),
        inject_data(3, "H+5", techniques=["T1490"], text="never released")])
    with db.transaction() as uow:
        planning.put_objective(uow, made.people["planner"], made.exercise_id, {
            "code": "O1", "text": "Share IOCs within 2 h", "capability": "Coordination",
            "critical_tasks": ["Share indicators", "Notify the ministry"]})
        exclock.start(uow, made.people["controller"], made.exercise_id)
    clock.advance(minutes=5)
    with db.transaction() as uow:
        exclock.release_due(uow)
    return made


def _objective_id(world: ExerciseWorld):  # type: ignore[no-untyped-def]
    with world.db.transaction() as uow:
        return uow.exercises.plans.objectives(world.exercise_id)[0].id


def _rate(world: ExerciseWorld, task: str, rating: str, who: str = "evaluator") -> object:
    with world.db.transaction() as uow:
        return evaluation.rate(uow, world.people[who], world.exercise_id, _objective_id(world),
                               {"task": task, "rating": rating, "observations": f"{task} seen",
                                "strengths": "Fast sharing" if rating == "P" else "",
                                "improvements": "No ministry contact" if rating == "M" else ""})


def test_ratings_and_a_transparent_score_breakdown(world: ExerciseWorld) -> None:
    _rate(world, "", "S")
    _rate(world, "Share indicators", "P")
    _rate(world, "Notify the ministry", "M")
    _rate(world, "Notify the ministry", "U")  # a new rating replaces the last
    with world.db.transaction() as uow:
        _, scores = evaluation.evaluation(uow, world.people["planner"], world.exercise_id)
    score = scores[0]
    assert score.overall is not None and score.overall.rating == Rating.S
    assert [(t, e.rating.value if e else None) for t, e in score.tasks] == [
        ("Share indicators", "P"), ("Notify the ministry", "U")]
    assert (score.points, score.possible) == (5, 9)
    assert score.explanation == "S=2 + P=3 + U=0 = 5 of 9"


def test_only_evaluators_rate_and_ratings_are_checked(world: ExerciseWorld) -> None:
    with pytest.raises(PermissionDenied):
        _rate(world, "", "P", "ua_player")
    with pytest.raises(ValidationFailed) as caught:
        _rate(world, "Dance", "X")
    assert {e.field for e in caught.value.errors} == {"task", "rating"}


def test_anonymous_answers_keep_no_trace_of_who(world: ExerciseWorld) -> None:
    with world.db.transaction() as uow:
        open_q = evaluation.ask(uow, world.people["evaluator"], world.exercise_id,
                                "What went well?", False)
        secret_q = evaluation.ask(uow, world.people["evaluator"], world.exercise_id,
                                  "What should the lead change?", True)
        evaluation.answer(uow, world.people["ua_player"], world.exercise_id, open_q.id,
                          "Sharing")
        evaluation.answer(uow, world.people["pl_player"], world.exercise_id, secret_q.id,
                          "Shorter briefings")
        given = dict((q.text, a) for q, a in evaluation.answers(
            uow, world.people["evaluator"], world.exercise_id))
        audit = [e.action for e in uow.audit.list(AuditFilter(), limit=500)]
    assert given["What went well?"][0].author == "ua_player"
    hidden = given["What should the lead change?"][0]
    assert hidden.user_id is None and hidden.author == ""
    assert audit.count("exercise.answer") == 1  # the anonymous one is not in the log either


def test_attack_coverage_counts_parents_and_follows_what_the_reader_may_see(
        world: ExerciseWorld) -> None:
    with world.db.transaction() as uow:
        full = evaluation.coverage_for(uow, world.people["controller"], world.exercise_id)
        player = evaluation.coverage_for(uow, world.people["ua_player"], world.exercise_id)
    assert full == [("T0813", [1]), ("T1486", [1]), ("T1490", [3]), ("T1566", [2]),
                    ("T1566.001", [2])]
    assert ("T1490", [3]) not in player  # inject 3 is not released


def test_the_aar_holds_the_run_and_never_an_unreleased_inject(
        world: ExerciseWorld, clock: FrozenClock) -> None:
    _rate(world, "", "P")
    _rate(world, "Notify the ministry", "M")
    with world.db.transaction() as uow:
        first = uow.exercises.injects(world.exercise_id)[0]
    clock.advance(seconds=40)
    with world.db.transaction() as uow:
        play.respond(uow, world.people["ua_player"], world.exercise_id, first.id, "Done")
        evaluation.add_action(uow, world.people["evaluator"], world.exercise_id, {
            "text": "Ministry contact list", "owner_org_id": str(world.orgs["UA"]),
            "due_on": "2027-06-30", "objective_code": "O1"})
        exclock.stop(uow, world.people["controller"], world.exercise_id)
        report = aar.build(uow, world.people["ua_player"], world.exercise_id)
    assert (report.released, report.planned) == (2, 3)
    assert [(e.kind, e.inject_number) for e in report.timeline] == [
        ("inject", 1), ("inject", 2), ("responded", 1)]
    assert report.timeline[-1].seconds_after_release == 340
    assert "never released" not in str(report.timeline)
    assert report.strengths == [("O1", "Fast sharing")]
    assert report.improvements == [("O1", "No ministry contact")]
    assert report.counts[Rating.P] == 1 and report.counts[Rating.M] == 1
    assert [a.text for a in report.actions] == ["Ministry contact list"]
    with world.db.transaction() as uow, pytest.raises(NotFound):
        aar.build(uow, world.people["outsider"], world.exercise_id)
