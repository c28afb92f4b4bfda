"""The demo world: the regional centre in Kaunas and the member countries' CERTs and
defence cyber units, with a user for every role, three communities, and a year of the
region's incidents with their indicators (`rcsc.demo.incidents`). Later features extend it
(correlations, an exercise) so that a newcomer sees a living system.
"""

from __future__ import annotations

from dataclasses import dataclass

from rcsc.accounts import organisations, users
from rcsc.accounts.audit import record
from rcsc.accounts.auth import system
from rcsc.core.identity import AuditEvent, OrgKind, Role
from rcsc.core.secrets import new_password
from rcsc.demo.exercises import load_exercises
from rcsc.demo.incidents import load_year, make_cast
from rcsc.errors import Conflict
from rcsc.storage import UnitOfWork

DEMO_FLAG = "demo.loaded_at"


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    country: str
    kind: OrgKind


ORGS = [
    DemoOrg("cert-lt", "NKSC CERT-LT", "LT", OrgKind.NATIONAL_CSIRT),
    DemoOrg("lt-mod", "Lithuanian Armed Forces Cyber Defence Unit", "LT", OrgKind.MILITARY),
    DemoOrg("lt-grid", "Lithuanian Electricity Transmission Operator", "LT",
            OrgKind.CRITICAL_INFRASTRUCTURE),
    DemoOrg("cert-ua", "CERT-UA", "UA", OrgKind.NATIONAL_CSIRT),
    DemoOrg("ua-mod", "Ukrainian Armed Forces Cyber Defence Centre", "UA", OrgKind.MILITARY),
    DemoOrg("cert-pl", "CERT Polska", "PL", OrgKind.NATIONAL_CSIRT),
    DemoOrg("pl-mod", "Polish Cyberspace Defence Forces", "PL", OrgKind.MILITARY),
    DemoOrg("cert-ge", "CERT-GOV-GE", "GE", OrgKind.NATIONAL_CSIRT),
    DemoOrg("cert-lv", "CERT.LV", "LV", OrgKind.NATIONAL_CSIRT),
    DemoOrg("cert-ee", "CERT-EE", "EE", OrgKind.NATIONAL_CSIRT),
    DemoOrg("cert-md", "CERT-GOV-MD", "MD", OrgKind.NATIONAL_CSIRT),
]

# (e-mail local part, name, organisation key or "node" for the regional centre, roles, tz)
USERS = [
    ("coordinator", "Rūta Coordinator", "node", [Role.COORDINATOR], "Europe/Vilnius"),
    ("planner", "Paulius Planner", "node", [Role.PLANNER], "Europe/Vilnius"),
    ("evaluator", "Eglė Evaluator", "node", [Role.EVALUATOR], "Europe/Vilnius"),
    ("viewer", "Vytas Viewer", "node", [Role.VIEWER], "Europe/Vilnius"),
    ("analyst", "Lina Analyst", "cert-lt", [Role.ANALYST], "Europe/Vilnius"),
    ("player", "Tomas Player", "lt-mod", [Role.PLAYER], "Europe/Vilnius"),
    ("analyst", "Oksana Analyst", "cert-ua", [Role.ANALYST], "Europe/Kyiv"),
    ("player", "Andrii Player", "ua-mod", [Role.PLAYER], "Europe/Kyiv"),
    ("analyst", "Katarzyna Analyst", "cert-pl", [Role.ANALYST], "Europe/Warsaw"),
    ("player", "Piotr Player", "pl-mod", [Role.PLAYER], "Europe/Warsaw"),
    ("analyst", "Nino Analyst", "cert-ge", [Role.ANALYST], "Asia/Tbilisi"),
    ("analyst", "Jānis Analyst", "cert-lv", [Role.ANALYST], "Europe/Riga"),
    ("analyst", "Kadri Analyst", "cert-ee", [Role.ANALYST], "Europe/Tallinn"),
    ("analyst", "Ion Analyst", "cert-md", [Role.ANALYST], "Europe/Chisinau"),
    ("sync", "CERT-UA node (peer)", "cert-ua", [Role.PEER], "UTC"),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str | None
    roles: tuple[str, ...]
    organisation: str


def is_empty(uow: UnitOfWork) -> bool:
    """Only what `rcsc init` makes: at most one organisation and one user."""
    return uow.meta.get(DEMO_FLAG) is None and uow.orgs.count() <= 1 and uow.users.count() <= 1


def load(uow: UnitOfWork) -> list[DemoLogin]:
    if not is_empty(uow):
        raise Conflict("the database already holds data; the demo only loads into a new node")
    actor = system("cli:demo")
    node = uow.orgs.list()[0]
    org_ids = {"node": node.id}
    names = {"node": node.name}
    for spec in ORGS:
        org = organisations.create(
            uow, actor, name=spec.name, country=spec.country, kind=spec.kind.value
        )
        org_ids[spec.key], names[spec.key] = org.id, org.name
    logins = []
    people = {}
    for local, name, org_key, roles, tz in USERS:
        domain = "rcsc.example" if org_key == "node" else f"{org_key}.example"
        password = None if Role.PEER in roles else new_password()
        user = users.create(
            uow, actor, email=f"{local}@{domain}", name=name, org_id=org_ids[org_key],
            roles=[r.value for r in roles], password=password, timezone=tz,
        )
        people[(local, org_key)] = user
        logins.append(DemoLogin(user.email, password, tuple(r.value for r in roles),
                                names[org_key]))
    loaded = load_year(uow, make_cast(uow, actor, org_ids, people))
    exercises = load_exercises(uow, org_ids, people)
    uow.meta.set(DEMO_FLAG, uow.clock.now().isoformat())
    record(uow, actor, AuditEvent("demo.load", detail={
        "organisations": len(ORGS), "users": len(USERS), "communities": loaded.communities,
        "incidents": loaded.incidents, "observables": loaded.observables,
        "exercises": exercises}))
    return logins
