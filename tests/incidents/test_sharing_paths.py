"""Every read path of incidents against the TLP truth table, on SQLite and PostgreSQL:
detail, list, free-text search, counts and facets must agree with the rule exactly."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from rcsc.accounts import communities, organisations, tokens, users
from rcsc.accounts.auth import principal_for, system
from rcsc.core.identity import ActorType, Principal
from rcsc.core.tlp import Tlp
from rcsc.errors import NotFound
from rcsc.incidents import service
from rcsc.storage import Database
from rcsc.storage.repos.incidents import IncidentQuery, Page
from tests.conftest import PASSWORD

VIEWERS = ("author", "same org", "recipient org", "recipient community", "named user",
           "other member org", "other community", "peer", "node admin")
EXPECTED = {  # in the order of VIEWERS
    Tlp.CLEAR: (1, 1, 1, 1, 1, 1, 1, 1, 1),
    Tlp.GREEN: (1, 1, 0, 1, 0, 0, 0, 0, 0),
    Tlp.AMBER: (1, 1, 1, 1, 0, 0, 0, 0, 0),
    Tlp.AMBER_STRICT: (1, 1, 1, 0, 0, 0, 0, 0, 0),
    Tlp.RED: (1, 0, 0, 0, 1, 0, 0, 0, 0),
}


@dataclass
class SharingWorld:
    people: dict[str, Principal]
    named_community: uuid.UUID
    recipient_org: uuid.UUID
    named_user: uuid.UUID


def _person(db: Database, email: str, org_id: uuid.UUID, roles: list[str]) -> Principal:
    with db.transaction() as uow:
        user = users.create(uow, system(), email=email, name=email.split("@")[0],
                            org_id=org_id, roles=roles, password=PASSWORD)
        if "peer" in roles:
            tokens.create(uow, system(), user_id=user.id, name="sync", scopes=["sync"],
                          expires_days=30)
    via = ActorType.TOKEN if "peer" in roles else ActorType.USER
    return principal_for(user, via=via)


@pytest.fixture
def sharing_world(db: Database) -> SharingWorld:
    with db.transaction() as uow:
        from rcsc.accounts import bootstrap

        bootstrap.initialise(uow, node_name="Hub", node_country="LT",
                             admin_email="root@hub.example")
        orgs = {key: organisations.create(uow, system(), name=key, country=cc,
                                          kind="national-csirt").id
                for key, cc in (("owner", "UA"), ("recipient", "LT"), ("community", "PL"),
                                ("named", "LV"), ("other", "GE"), ("othercom", "EE"),
                                ("peer", "MD"))}
        named = communities.create(uow, system(), name="Named", member_ids=[orgs["community"]])
        communities.create(uow, system(), name="Unnamed", member_ids=[orgs["othercom"]])
        node = uow.orgs.list()[0].id
    people = {
        "author": _person(db, "author@ua.example", orgs["owner"], ["analyst"]),
        "same org": _person(db, "colleague@ua.example", orgs["owner"], ["analyst"]),
        "recipient org": _person(db, "a@lt.example", orgs["recipient"], ["analyst"]),
        "recipient community": _person(db, "a@pl.example", orgs["community"], ["analyst"]),
        "named user": _person(db, "a@lv.example", orgs["named"], ["viewer"]),
        "other member org": _person(db, "a@ge.example", orgs["other"], ["analyst"]),
        "other community": _person(db, "a@ee.example", orgs["othercom"], ["analyst"]),
        "peer": _person(db, "sync@md.example", orgs["peer"], ["peer"]),
        "node admin": _person(db, "boss@hub.example", node, ["admin", "coordinator"]),
    }
    return SharingWorld(people, named.id, orgs["recipient"], people["named user"].user_id)  # type: ignore[arg-type]


def _file(db: Database, w: SharingWorld, tlp: Tlp, title: str) -> uuid.UUID:
    with db.transaction() as uow:
        incident = service.create(uow, w.people["author"], {
            "title": title, "summary": "phishing wave against ministries",
            "rsit_class": "fraud", "rsit_type": "phishing", "severity": "high",
            "tlp": tlp.value, "countries": ["UA", "LT"],
            "recipient_org_ids": [str(w.recipient_org)],
            "recipient_community_ids": [str(w.named_community)],
            "recipient_user_ids": [str(w.named_user)],
        })
    return incident.id


def _sees_detail(db: Database, who: Principal, incident_id: uuid.UUID) -> bool:
    try:
        with db.transaction() as uow:
            service.get(uow, who, incident_id)
        return True
    except NotFound:
        return False


@pytest.mark.parametrize("tlp", list(Tlp))
def test_every_read_path_follows_the_truth_table(
    db: Database, sharing_world: SharingWorld, tlp: Tlp
) -> None:
    incident_id = _file(db, sharing_world, tlp, f"Kaunas {tlp.value} incident")
    _file(db, sharing_world, Tlp.RED, "unrelated red")  # never visible to most; never counted
    for who, expected in zip(VIEWERS, EXPECTED[tlp], strict=True):
        person = sharing_world.people[who]
        text = IncidentQuery(text=f"kaunas {tlp.value}")
        with db.transaction() as uow:
            listed = {i.id for i in service.search(uow, person, IncidentQuery(), Page())}
            found = {i.id for i in service.search(uow, person, text, Page())}
            counted = service.count(uow, person, text)
            facets = service.facets(uow, person, text)
        seen = (incident_id in listed, incident_id in found, counted == 1,
                facets["tlp"].get(tlp.value, 0) == 1, _sees_detail(db, person, incident_id))
        assert seen == (bool(expected),) * 5, f"{who} on {tlp.label}: {seen}"
        if not expected:
            assert counted == 0 and facets["tlp"] == {} or tlp.value not in facets["tlp"]


def test_green_without_named_communities_reaches_every_member(
    db: Database, sharing_world: SharingWorld
) -> None:
    with db.transaction() as uow:
        incident = service.create(uow, sharing_world.people["author"], {
            "title": "green for all", "rsit_class": "availability", "rsit_type": "ddos",
            "severity": "medium", "tlp": "green"})
    for who in VIEWERS:
        assert _sees_detail(db, sharing_world.people[who], incident.id), who
