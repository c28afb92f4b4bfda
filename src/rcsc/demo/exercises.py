"""The demo's exercises: a planned LT-UA-PL tabletop on an attack against the power grid
(objectives, planning meetings, a 20-inject MSEL) and last autumn's finished exercise with
its run, ratings, lessons and after-action report, whose open corrective actions show in
the new one's planning.

Planning goes through the services like a planner would; the finished run is written as
history (its releases and answers with their past times), since the clock cannot be rewound.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from rcsc.accounts.auth import principal_for
from rcsc.core.exercise_plans import Evaluation, Rating
from rcsc.core.exercises import (
    Exercise,
    ExerciseClock,
    ExerciseStatus,
    Response,
    ResponseKind,
)
from rcsc.core.identity import ActorType, Principal, User
from rcsc.exercises import evaluation, msel, planning, service
from rcsc.storage import UnitOfWork

GRID_SCENARIO = (
    "A state-sponsored group has pre-positioned a wiper in the SCADA network of the "
    "Lithuanian transmission operator; a coordinated attack on the LT-PL interconnector and "
    "a Ukrainian distribution operator follows during a cold snap.")
OBJECTIVES = [
    ("O1", "Within 2 hours of detection, CERT-LT, CERT-UA and CERT Polska exchange indicators "
           "of the grid attack through RCSC.", "Operational coordination",
     ["Share indicators", "Agree the TLP of shared data"]),
    ("O2", "Within 24 hours, each affected state files its NIS2 early warning.",
     "Public information and warning", ["File the early warning", "Brief the ministry"]),
    ("O3", "Within 4 hours, the operators isolate the affected OT segments without losing "
           "the interconnector.", "Infrastructure systems",
     ["Isolate OT segments", "Keep the interconnector in service"]),
]
# offset | from | to | delivery | title | ATT&CK techniques | objectives (the MSEL's columns)
MSEL_TABLE = """
D+0 H+00:00|EXCON|all|in-app|STARTEX: situation briefing||
D+0 H+00:15|LT grid operator|LT|phone|Operators lose HMI view at Substation 7|T0815|O3
D+0 H+00:30|CERT-UA|UA|email|Phishing wave against distribution operators|T1566.001|O1
D+0 H+00:45|SOC LT|LT|in-app|Wiper sample found on engineering workstation|T1485;T1561|O1;O3
D+0 H+01:00|EXCON|all|in-app|Media: 'blackout in Kaunas region'||O2
D+0 H+01:15|PL TSO|PL|phone|Unusual breaker commands on the LT-PL link|T0855|O3
D+0 H+01:30|CERT Polska|PL|email|C2 domain shared by PL and LT samples|T1071.001|O1
D+0 H+01:45|Ministry of Energy LT|LT|phone|Minister asks for a status in 30 minutes||O2
D+0 H+02:00|EXCON|all|in-app|Ransom note appears on UA DSO servers|T1486|O1
D+0 H+02:15|UA DSO|UA|phone|Backups encrypted at a regional DSO|T1490|O3
D+0 H+02:30|RCSC|all|in-app|RCSC correlates the C2 across three countries|T1071.001|O1
D+0 H+03:00|EXCON|all|in-app|NIS2 early warning deadline reminder||O2
D+0 H+03:15|PL TSO|PL|technical|Frequency drop: load shedding considered|T0831|O3
D+0 H+03:30|Press|all|email|Journalist asks CERT-LT for comment||O2
D+0 H+04:00|SOC LT|LT|in-app|Second wiper variant: boot record wiped|T1561.002|O3
D+0 H+04:30|EXCON|all|in-app|Cross-border request: block C2 at national level|T1071.001|O1
D+0 H+05:00|UA cyber police|UA|email|Attribution evidence request||O1
D+0 H+05:30|EXCON|all|in-app|Contingency: interconnector trips|T0813|O3
D+0 H+06:00|Ministries|all|in-app|Joint statement drafted||O2
D+0 H+06:30|EXCON|all|in-app|ENDEX and hot wash||
"""
MSEL = [tuple(line.split("|")) for line in MSEL_TABLE.strip().splitlines()]


def _people(people: dict[tuple[str, str], User]) -> dict[str, Principal]:
    keys = {"planner": ("planner", "node"), "controller": ("coordinator", "node"),
            "evaluator": ("evaluator", "node"), "lt": ("player", "lt-mod"),
            "ua": ("player", "ua-mod"), "pl": ("player", "pl-mod")}
    return {k: principal_for(people[v], via=ActorType.USER) for k, v in keys.items()}


def _team(p: dict[str, Principal]) -> list[dict[str, object]]:
    return [{"user_id": p["planner"].user_id, "role": "planner", "trusted_agent": True},
            {"user_id": p["controller"].user_id, "role": "controller"},
            {"user_id": p["evaluator"].user_id, "role": "evaluator"},
            {"user_id": p["lt"].user_id, "role": "player", "team": "LT"},
            {"user_id": p["ua"].user_id, "role": "player", "team": "UA"},
            {"user_id": p["pl"].user_id, "role": "player", "team": "PL"}]


def _exercise(uow: UnitOfWork, p: dict[str, Principal], orgs: dict[str, uuid.UUID],
              name: str, starts: datetime, days: int) -> Exercise:
    made = service.create(uow, p["planner"], {
        "name": name, "type": "tabletop", "tlp": "amber", "timezone": "Europe/Vilnius",
        "starts_on": starts.date().isoformat(),
        "ends_on": (starts + timedelta(days=days)).date().isoformat(),
        "countries": ["LT", "UA", "PL"], "scenario": GRID_SCENARIO,
        "description": "Joint LT-UA-PL tabletop on a cyber attack against the power grid.",
        "org_ids": [str(orgs[k]) for k in ("cert-lt", "lt-mod", "lt-grid", "cert-ua",
                                           "ua-mod", "cert-pl", "pl-mod")]})
    service.set_participants(uow, p["planner"], made.id, _team(p))
    for code, text, capability, tasks in OBJECTIVES:
        planning.put_objective(uow, p["planner"], made.id, {
            "code": code, "text": text, "capability": capability, "critical_tasks": tasks})
    for number, (offset, sender, to, how, title, techniques, objectives) in enumerate(MSEL, 1):
        msel.add_inject(uow, p["planner"], made.id, {
            "number": number, "offset": offset, "from": sender, "to": [to], "delivery": how,
            "title": title, "text": f"{title}. Assess and report through RCSC.",
            "techniques": techniques, "objectives": objectives,
            "contingency": title.startswith("Contingency"),
            "controller": "coordinator@rcsc.example",
            "expected_actions": "Acknowledge, assess, share what you learn with partners."})
    return made


def load_exercises(uow: UnitOfWork, orgs: dict[str, uuid.UUID],
                   people: dict[tuple[str, str], User]) -> int:
    """Both exercises; returns how many were made."""
    p = _people(people)
    now = uow.clock.now()
    past = _finished(uow, p, orgs, now - timedelta(days=60))
    planned = _exercise(uow, p, orgs, "Baltic Grid Shield (LT-UA-PL tabletop)",
                        now + timedelta(days=45), 1)
    for kind, weeks_before, minutes in (("concept-objectives", 10, "Type, scope and "
                                         "objectives agreed; trusted agents named."),
                                        ("initial", 6, "Scenario outline approved."),
                                        ("midterm", 3, ""), ("final", 1, "")):
        planning.put_meeting(uow, p["planner"], planned.id, {
            "kind": kind, "starts_at": (now + timedelta(days=45, weeks=-weeks_before))
            .replace(hour=9, minute=0, second=0, microsecond=0).isoformat(),
            "minutes_long": 180, "attendees": ["CERT-LT", "CERT-UA", "CERT Polska",
                                               "Grid operators"],
            "minutes": minutes if weeks_before > 5 else "",
            "actions": [{"text": "Circulate the draft MSEL", "owner": "planner@rcsc.example",
                         "due_on": (now + timedelta(days=20)).date().isoformat()}]
            if kind == "initial" else []})
    for key in ("mandate", "scope", "team"):
        planning.tick(uow, p["planner"], planned.id, "initiation", key, True)
    service.transition(uow, p["planner"], planned.id, "planning")
    return 2 if past else 1


def _finished(uow: UnitOfWork, p: dict[str, Principal], orgs: dict[str, uuid.UUID],
              started: datetime) -> Exercise:
    """Last autumn's exercise, run and evaluated, written as the history it is."""
    e = _exercise(uow, p, orgs, "Amber Current 2026 (LT-UA-PL tabletop)", started, 0)
    start = started.replace(hour=8, minute=0, second=0, microsecond=0)
    for inject in uow.exercises.injects(e.id):
        if not inject.contingency:
            uow.exercises.claim_release(inject.id, start + timedelta(
                seconds=inject.offset_seconds), "clock")
    for inject in uow.exercises.injects(e.id, released_only=True):
        for team, delay in (("LT", 120), ("UA", 240), ("PL", 420)):
            if inject.addressed_to(frozenset({team})) and inject.released_at:
                user = p[team.lower()]
                at = inject.released_at + timedelta(seconds=delay)
                kind = ResponseKind.RESPONDED if inject.number % 3 == 0 else \
                    ResponseKind.ACKNOWLEDGED
                assert user.user_id is not None
                uow.exercises.add_response(Response(
                    uuid.uuid4(), inject.id, e.id, kind, user.user_id, user.name, team,
                    "Assessed; indicators shared with partners." if kind ==
                    ResponseKind.RESPONDED else "", None, at))
    _rate(uow, p, orgs, e, start + timedelta(hours=7))
    ended = start + timedelta(hours=6, minutes=30)
    current = uow.exercises.get(e.id)
    assert current is not None
    return service.store(uow, current, replace(
        current, status=ExerciseStatus.EVALUATED,
        clock=ExerciseClock(started_at=start, stopped_at=ended)))


def _rate(uow: UnitOfWork, p: dict[str, Principal], orgs: dict[str, uuid.UUID], e: Exercise,
          at: datetime) -> None:
    ratings = {"O1": (Rating.S, "Indicators flowed within 90 minutes; TLP debated too long.",
                      "RCSC correlation found the shared C2 quickly",
                      "Agree TLP defaults for joint incidents beforehand"),
               "O2": (Rating.M, "Two of three early warnings were late.", "",
                      "Pre-drafted NIS2 early warning templates"),
               "O3": (Rating.P, "Segments isolated, interconnector kept.",
                      "Operators' runbooks worked", "")}
    for objective in uow.exercises.plans.objectives(e.id):
        rating, notes, good, better = ratings[objective.code]
        uow.exercises.plans.put_evaluation(Evaluation(
            uuid.uuid4(), e.id, objective.id, "", rating, notes, good, better,
            "evaluator@rcsc.example", at))
    asked = evaluation.ask(uow, p["evaluator"], e.id, "What should change before the next "
                           "exercise?", True)
    evaluation.answer(uow, p["ua"], e.id, asked.id, "Shared contact lists for OT teams.")
    for text, owner, code in (("Agree TLP defaults for joint grid incidents", "cert-lt", "O1"),
                              ("NIS2 early-warning templates in three languages", "cert-ua",
                               "O2")):
        evaluation.add_action(uow, p["evaluator"], e.id, {
            "text": text, "owner_org_id": str(orgs[owner]), "objective_code": code,
            "due_on": (at + timedelta(days=120)).date().isoformat()})
