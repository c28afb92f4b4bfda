"""A small multinational exercise: an LT lead with a planner and a controller, player
teams from UA and PL, a PL evaluator, an observer, a non-trusted planner, and an outsider
whose organisation takes no part. Each person is a principal plus an API token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from rcsc.accounts import bootstrap, organisations
from rcsc.accounts.auth import system
from rcsc.core.exercises import Exercise
from rcsc.core.identity import Principal
from rcsc.exercises import msel, service
from rcsc.storage import Database
from tests.incidents.sharing_world import person

PEOPLE = {  # name: (organisation, node roles)
    "planner": ("LT", ["planner"]),
    "controller": ("LT", ["analyst"]),
    "evaluator": ("PL", ["evaluator"]),
    "ua_player": ("UA", ["player", "analyst"]),
    "pl_player": ("PL", ["player"]),
    "observer": ("LT", ["viewer", "player"]),
    "helper": ("UA", ["planner"]),  # a planner who is not a trusted agent
    "outsider": ("EE", ["analyst"]),
}


@dataclass
class ExerciseWorld:
    db: Database
    people: dict[str, Principal]
    tokens: dict[str, str]
    orgs: dict[str, uuid.UUID]
    exercise_id: uuid.UUID

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def exercise(self) -> Exercise:
        with self.db.transaction() as uow:
            found = uow.exercises.get(self.exercise_id)
        assert found is not None
        return found


def inject_data(number: int, offset: str, **extra: Any) -> dict[str, Any]:
    return {"number": number, "offset": offset, "title": f"Inject {number}",
            "text": f"Situation update {number}", "to": ["all"], **extra}


def build(db: Database, *, injects: list[dict[str, Any]] | None = None) -> ExerciseWorld:
    with db.transaction() as uow:
        bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                             admin_email="root@rcsc.example")
        orgs = {cc: organisations.create(uow, system(), name=f"CERT-{cc}", country=cc,
                                         kind="national-csirt").id
                for cc in ("LT", "UA", "PL", "EE")}
    people, tokens = {}, {}
    for name, (cc, roles) in PEOPLE.items():
        people[name], tokens[name] = person(db, f"{name}@{cc.lower()}.example", orgs[cc], roles)
    with db.transaction() as uow:
        made = service.create(uow, people["planner"], {
            "name": "Baltic Grid 2027", "type": "tabletop", "tlp": "amber",
            "starts_on": "2027-03-02", "ends_on": "2027-03-03",
            "timezone": "Europe/Vilnius", "countries": ["LT", "UA", "PL"],
            "org_ids": [str(orgs[c]) for c in ("UA", "PL")],
            "scenario": "A wiper hits the grid operator's SCADA network."})
        service.set_participants(uow, people["planner"], made.id, [
            {"user_id": str(people["planner"].user_id), "role": "planner",
             "trusted_agent": True},
            {"user_id": str(people["helper"].user_id), "role": "planner"},
            {"user_id": str(people["controller"].user_id), "role": "controller"},
            {"user_id": str(people["evaluator"].user_id), "role": "evaluator"},
            {"user_id": str(people["ua_player"].user_id), "role": "player", "team": "UA"},
            {"user_id": str(people["pl_player"].user_id), "role": "player", "team": "PL"},
            {"user_id": str(people["observer"].user_id), "role": "observer"},
        ])
        for data in injects or []:
            msel.add_inject(uow, people["planner"], made.id, data)
        service.transition(uow, people["planner"], made.id, "planning")
        service.transition(uow, people["planner"], made.id, "ready")
    return ExerciseWorld(db, people, tokens, orgs, made.id)
