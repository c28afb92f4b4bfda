"""Random worlds of organisations, users, communities and incidents, on SQLite and
PostgreSQL: no read path ever returns an incident, an observable or a count the sharing
rule denies, and none hides one it allows.

The expectation is computed from the world as drawn, with the pure `rcsc.sharing.visible`
(the viewer's communities too are worked out here, not asked of storage). Each example is
built through the services inside one transaction and rolled back, so each starts empty.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field, replace

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcsc.accounts import bootstrap, communities, organisations, users
from rcsc.accounts.auth import principal_for, system
from rcsc.core.exchange import ObjectQuery
from rcsc.core.identity import ActorType, Principal
from rcsc.core.tlp import Tlp
from rcsc.errors import NotFound
from rcsc.incidents import observables, publish, service
from rcsc.sharing import Marking, Viewer, visible
from rcsc.storage import Database, UnitOfWork
from rcsc.storage.repos.incidents import IncidentQuery, Page

POOL = (("ipv4", "198.51.100.7"), ("ipv4", "203.0.113.9"), ("domain", "c2-relay.example"),
        ("sha256", "ab" * 32), ("cve", "CVE-2024-3400"), ("url", "https://c2-relay.example/g"))
WORDS = ("kaunas", "vilnius")
SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class IncidentSpec:
    author: int  # index of a user (always an analyst)
    tlp: Tlp
    severity: str
    word: str
    orgs: frozenset[int]
    communities: frozenset[int]
    users: frozenset[int]
    observables: tuple[tuple[int, Tlp | None], ...]  # (index into POOL, own stricter level)


@dataclass(frozen=True)
class WorldSpec:
    with_default: bool  # a node with its default community (every organisation is in it)
    orgs: int
    communities: tuple[frozenset[int], ...]  # member organisations of each community
    users: tuple[tuple[int, bool], ...]  # (organisation, is an analyst)
    incidents: tuple[IncidentSpec, ...]


@st.composite
def incident_specs(draw: st.DrawFn, spec_users: tuple[tuple[int, bool], ...], orgs: int,
                   communities: int) -> IncidentSpec:
    tlp = draw(st.sampled_from(list(Tlp)))
    stricter = st.sampled_from([t for t in Tlp if t.rank > tlp.rank]) \
        if tlp is not Tlp.RED else st.nothing()
    own = draw(st.dictionaries(st.integers(0, len(POOL) - 1),
                               st.none() | stricter, max_size=3))
    return IncidentSpec(
        author=draw(st.sampled_from([i for i, (_, analyst) in enumerate(spec_users)
                                     if analyst])),
        tlp=tlp, severity=draw(st.sampled_from(SEVERITIES)), word=draw(st.sampled_from(WORDS)),
        orgs=draw(st.frozensets(st.integers(0, orgs - 1), max_size=2)),
        communities=draw(st.frozensets(st.integers(0, communities - 1), max_size=2))
        if communities else frozenset(),
        users=draw(st.frozensets(st.integers(0, len(spec_users) - 1), max_size=2)),
        observables=tuple(sorted(own.items())))


@st.composite
def worlds(draw: st.DrawFn) -> WorldSpec:
    orgs = draw(st.integers(3, 6))
    groups = tuple(draw(st.lists(st.frozensets(st.integers(0, orgs - 1)), max_size=3)))
    spec_users = tuple((org, index == 0 or draw(st.booleans()))
                       for org in range(orgs) for index in range(draw(st.integers(1, 3))))
    incidents = draw(st.lists(incident_specs(spec_users, orgs, len(groups)),
                              min_size=5, max_size=20))
    return WorldSpec(draw(st.booleans()), orgs, groups, spec_users, tuple(incidents))


@dataclass
class Built:
    people: list[Principal] = field(default_factory=list)
    viewers: list[Viewer] = field(default_factory=list)
    markings: dict[uuid.UUID, Marking] = field(default_factory=dict)
    specs: dict[uuid.UUID, IncidentSpec] = field(default_factory=dict)
    # incident -> its observables' (value, own level)
    observables: dict[uuid.UUID, list[tuple[str, Tlp | None]]] = field(default_factory=dict)


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


def build(uow: UnitOfWork, w: WorldSpec) -> Built:
    org_ids, group_ids, built = _people(uow, w)
    for n, spec in enumerate(w.incidents):
        author = built.people[spec.author]
        recipients = {"orgs": {org_ids[o] for o in spec.orgs},
                      "communities": {group_ids[c] for c in spec.communities},
                      "users": {built.people[u].user_id for u in spec.users}}
        incident = service.create(uow, author, {
            "title": f"Incident {spec.word} {n}", "rsit_class": "fraud",
            "rsit_type": "phishing", "severity": spec.severity, "tlp": spec.tlp.value,
            "recipient_org_ids": sorted(map(str, recipients["orgs"])),
            "recipient_community_ids": sorted(map(str, recipients["communities"])),
            "recipient_user_ids": sorted(map(str, recipients["users"]))})
        built.specs[incident.id] = spec
        built.markings[incident.id] = Marking(
            spec.tlp, author.org_id, author.user_id,  # type: ignore[arg-type]
            frozenset(recipients["orgs"]), frozenset(recipients["communities"]),
            frozenset(recipients["users"]))  # type: ignore[arg-type]
        built.observables[incident.id] = []
        for index, level in spec.observables:
            kind, value = POOL[index]
            added = observables.add(uow, author, incident.id, type=kind, value=value,
                                    tlp=level.value if level else None)
            built.observables[incident.id].append((added.value, level))
    return built


def _observable_seen(viewer: Viewer, marking: Marking, level: Tlp | None) -> bool:
    return visible(viewer, marking) and (level is None or visible(viewer,
                                                                  replace(marking, tlp=level)))


def check_viewer(uow: UnitOfWork, built: Built, who: int) -> None:
    actor, viewer = built.people[who], built.viewers[who]
    allowed = {i for i, m in built.markings.items() if visible(viewer, m)}
    listed = {i.id for i in service.search(uow, actor, IncidentQuery(), Page(limit=500))}
    assert listed == allowed
    assert service.count(uow, actor, IncidentQuery()) == len(allowed)
    facets = service.facets(uow, actor, IncidentQuery())
    assert facets["tlp"] == dict(Counter(built.specs[i].tlp.value for i in allowed))
    assert facets["severity"] == dict(Counter(built.specs[i].severity for i in allowed))
    word = IncidentQuery(text=WORDS[0])
    matching = {i for i in allowed if built.specs[i].word == WORDS[0]}
    assert {i.id for i in service.search(uow, actor, word, Page(limit=500))} == matching
    assert service.count(uow, actor, word) == len(matching)
    expected_obs = set()
    for incident_id, marking in built.markings.items():
        seen = {v for v, level in built.observables[incident_id]
                if _observable_seen(viewer, marking, level)}
        expected_obs |= {(incident_id, v) for v in seen}
        _check_detail(uow, actor, incident_id, incident_id in allowed, seen)
    stored = uow.incidents.observables(viewer, values=sorted({v for _, v in POOL}))
    assert {(o.incident_id, o.value) for o in stored} == expected_obs
    _check_published(uow, viewer, allowed, expected_obs)


def _check_published(uow: UnitOfWork, viewer: Viewer, allowed: set[uuid.UUID],
                     expected_obs: set[tuple[uuid.UUID, str]]) -> None:
    """The TAXII collection `incidents` shows the same: the incident objects of exactly the
    allowed incidents, one indicator (or vulnerability) per observable the viewer sees."""
    target = publish.collection(uow)
    page, more = uow.stix.page(viewer, target.id, ObjectQuery(
        types=frozenset({"incident", "indicator", "vulnerability"}), limit=10_000))
    assert not more
    bodies = [orjson.loads(item.body) for item in page]
    assert {uuid.UUID(b["id"].split("--")[1]) for b in bodies
            if b["type"] == "incident"} == allowed
    shown = [b["name"] for b in bodies if b["type"] != "incident"]
    assert sorted(shown) == sorted(v for _, v in expected_obs)


def _check_detail(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID, allowed: bool,
                  seen: set[str]) -> None:
    """The detail read and the incident's observables; `list_for` reads the incident with
    `service.get` first, so an allowed pair is checked through it alone (it is the slow
    part of the test)."""
    if not allowed:
        with pytest.raises(NotFound):
            service.get(uow, actor, incident_id)
        with pytest.raises(NotFound):
            observables.list_for(uow, actor, incident_id)
        return
    assert {o.value for o in observables.list_for(uow, actor, incident_id)} == seen


class _Rollback(Exception):
    """Raised at the end of each example so that its transaction writes nothing."""


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(world=worlds())
def test_no_read_path_shows_what_the_rule_denies_or_hides_what_it_allows(
    db: Database, world: WorldSpec
) -> None:
    with pytest.raises(_Rollback), db.transaction() as uow:
        built = build(uow, world)
        for who in range(len(built.people)):
            check_viewer(uow, built, who)
        raise _Rollback
    with db.transaction(readonly=True) as uow:
        assert uow.orgs.count() == 0  # the example left nothing behind
