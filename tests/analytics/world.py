"""Random worlds for the aggregate tests: organisations, communities, users and incidents of
every level, country, sector, class, severity, status, filing day, NIS2 report and exercise
flag, filed through the incident services at the times drawn (the clock is moved)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypothesis import strategies as st

from rcsc.accounts import bootstrap, communities, organisations, users
from rcsc.accounts.auth import principal_for, system
from rcsc.core.clock import FrozenClock
from rcsc.core.identity import ActorType, Principal
from rcsc.core.tlp import Tlp
from rcsc.incidents import service
from rcsc.sharing import Marking, Viewer
from rcsc.storage import UnitOfWork

COUNTRIES = ("LT", "UA", "PL")
SECTORS = (None, "energy", "health")
CLASSES = (("fraud", "phishing"), ("availability", "ddos"), ("intrusions", "system-compromise"))
SEVERITIES = ("low", "medium", "high", "critical")
PATH = ("triage", "in-progress", "contained", "resolved", "closed")
START = datetime.fromisoformat("2026-09-01T00:00:00+00:00")
DAYS = 70


@dataclass(frozen=True)
class IncidentSpec:
    author: int
    tlp: Tlp
    orgs: frozenset[int]
    communities: frozenset[int]
    users: frozenset[int]
    countries: frozenset[str]
    sector: str | None
    rsit: tuple[str, str]
    severity: str
    day: int  # filed START + day days (+ hour)
    hour: int
    steps: int  # how far along PATH it moved, one day apart
    aware_hours: int | None  # became aware this many hours before filing; None: unknown
    contained_after: int | None  # hours after awareness
    reports: tuple[tuple[str, int], ...]  # (milestone, hours after awareness)
    exercise: bool


@dataclass(frozen=True)
class WorldSpec:
    with_default: bool
    orgs: int
    communities: tuple[frozenset[int], ...]
    users: tuple[tuple[int, bool], ...]  # (organisation, is an analyst)
    incidents: tuple[IncidentSpec, ...]


@st.composite
def incident_specs(draw: st.DrawFn, spec_users: tuple[tuple[int, bool], ...], orgs: int,
                   groups: int) -> IncidentSpec:
    aware = draw(st.none() | st.integers(0, 30))
    return IncidentSpec(
        author=draw(st.sampled_from([i for i, (_o, analyst) in enumerate(spec_users)
                                     if analyst])),
        tlp=draw(st.sampled_from(list(Tlp))),
        orgs=draw(st.frozensets(st.integers(0, orgs - 1), max_size=2)),
        communities=draw(st.frozensets(st.integers(0, groups - 1), max_size=1))
        if groups else frozenset(),
        users=draw(st.frozensets(st.integers(0, len(spec_users) - 1), max_size=1)),
        countries=draw(st.frozensets(st.sampled_from(COUNTRIES), max_size=2)),
        sector=draw(st.sampled_from(SECTORS)), rsit=draw(st.sampled_from(CLASSES)),
        severity=draw(st.sampled_from(SEVERITIES)), day=draw(st.integers(0, DAYS - 1)),
        hour=draw(st.integers(0, 23)), steps=draw(st.integers(0, len(PATH))),
        aware_hours=aware,
        contained_after=draw(st.none() | st.integers(1, 400)) if aware is not None else None,
        reports=tuple(draw(st.dictionaries(
            st.sampled_from(("early-warning", "notification", "final-report")),
            st.integers(1, 900), max_size=3)).items()) if aware is not None else (),
        exercise=draw(st.integers(0, 5)) == 0)


@st.composite
def worlds(draw: st.DrawFn, min_incidents: int = 4, max_incidents: int = 14) -> WorldSpec:
    orgs = draw(st.integers(2, 4))
    groups = tuple(draw(st.lists(st.frozensets(st.integers(0, orgs - 1), min_size=1),
                                 max_size=2)))
    spec_users = tuple((org, index == 0 or draw(st.booleans()))
                       for org in range(orgs) for index in range(draw(st.integers(1, 2))))
    incidents = draw(st.lists(incident_specs(spec_users, orgs, len(groups)),
                              min_size=min_incidents, max_size=max_incidents))
    return WorldSpec(draw(st.booleans()), orgs, groups, spec_users, tuple(incidents))


@dataclass
class Built:
    people: list[Principal] = field(default_factory=list)
    viewers: list[Viewer] = field(default_factory=list)
    markings: dict[uuid.UUID, Marking] = field(default_factory=dict)
    specs: dict[uuid.UUID, IncidentSpec] = field(default_factory=dict)


def _people(uow: UnitOfWork, w: WorldSpec) -> tuple[list[uuid.UUID], list[uuid.UUID], Built]:
    built = Built()
    if w.with_default:
        bootstrap.initialise(uow, node_name="Hub", node_country="LT",
                             admin_email="root@hub.example")
    org_ids = [organisations.create(uow, system(), name=f"CERT {i}", country="LT",
                                    kind="national-csirt").id for i in range(w.orgs)]
    group_ids = [communities.create(uow, system(), name=f"Group {i}",
                                    member_ids=[org_ids[o] for o in members]).id
                 for i, members in enumerate(w.communities)]
    for index, (org, analyst) in enumerate(w.users):
        user = users.create(uow, system(), email=f"u{index}@cert{org}.example", name=f"U{index}",
                            org_id=org_ids[org], roles=["analyst" if analyst else "viewer"],
                            password=None)
        built.people.append(principal_for(user, via=ActorType.USER))
        in_groups = frozenset(g for g, members in zip(group_ids, w.communities, strict=True)
                              if org in members)
        built.viewers.append(Viewer(user.id, org_ids[org], in_groups, w.with_default))
    return org_ids, group_ids, built


def _file(uow: UnitOfWork, clock: FrozenClock, author: Principal, spec: IncidentSpec,
          recipients: dict[str, list[str]]) -> uuid.UUID:
    filed = START + timedelta(days=spec.day, hours=spec.hour)
    clock.current = filed
    data: dict[str, object] = {
        "title": f"Incident {spec.day}", "rsit_class": spec.rsit[0], "rsit_type": spec.rsit[1],
        "severity": spec.severity, "tlp": spec.tlp.value, "countries": sorted(spec.countries),
        "sector": spec.sector, **recipients}
    aware = filed - timedelta(hours=spec.aware_hours) if spec.aware_hours is not None else None
    if aware is not None:
        data["aware_at"] = aware.isoformat()
        if spec.contained_after is not None:
            data["contained_at"] = (aware + timedelta(hours=spec.contained_after)).isoformat()
    if spec.exercise:
        data["exercise_id"] = str(uuid.uuid4())
    incident = service.create(uow, author, data)
    for step in PATH[:spec.steps]:
        clock.advance(days=1)
        service.transition(uow, author, incident.id, step)
    if aware is not None:
        for milestone, hours in spec.reports:
            service.submit_milestone(uow, author, incident.id, milestone,
                                     aware + timedelta(hours=hours))
    return incident.id


def build(uow: UnitOfWork, clock: FrozenClock, w: WorldSpec) -> Built:
    org_ids, group_ids, built = _people(uow, w)
    for spec in w.incidents:
        author = built.people[spec.author]
        recipients = {"recipient_org_ids": sorted(str(org_ids[o]) for o in spec.orgs),
                      "recipient_community_ids": sorted(str(group_ids[c])
                                                        for c in spec.communities),
                      "recipient_user_ids": sorted(str(built.people[u].user_id)
                                                   for u in spec.users)}
        incident_id = _file(uow, clock, author, spec, recipients)
        built.specs[incident_id] = spec
        assert author.org_id is not None
        built.markings[incident_id] = Marking(
            spec.tlp, author.org_id, author.user_id,
            frozenset(uuid.UUID(x) for x in recipients["recipient_org_ids"]),
            frozenset(uuid.UUID(x) for x in recipients["recipient_community_ids"]),
            frozenset(uuid.UUID(x) for x in recipients["recipient_user_ids"]))
    clock.current = START + timedelta(days=DAYS + 10)
    return built
