"""A world with one person in every relation a viewer can have to an incident, for the TLP
truth tables of the services and of the API (each person has a token with every scope
their roles allow)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rcsc.accounts import bootstrap, communities, organisations, tokens, users
from rcsc.accounts.auth import principal_for, system
from rcsc.core.identity import ActorType, Principal, Role, scopes_allowed
from rcsc.core.tlp import Tlp
from rcsc.incidents import service
from rcsc.storage import Database
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
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def person(db: Database, email: str, org_id: uuid.UUID,
           roles: list[str]) -> tuple[Principal, str]:
    """A user, as a principal, and the secret of a token with every scope allowed to them."""
    with db.transaction() as uow:
        user = users.create(uow, system(), email=email, name=email.split("@")[0],
                            org_id=org_id, roles=roles, password=PASSWORD)
        scopes = scopes_allowed(frozenset(Role(r) for r in roles))
        _token, secret = tokens.create(uow, system(), user_id=user.id, name="test",
                                       scopes=sorted(s.value for s in scopes), expires_days=30)
    via = ActorType.TOKEN if "peer" in roles else ActorType.USER
    return principal_for(user, via=via), secret


def build_sharing_world(db: Database) -> SharingWorld:
    with db.transaction() as uow:
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
    made = {
        "author": person(db, "author@ua.example", orgs["owner"], ["analyst"]),
        "same org": person(db, "colleague@ua.example", orgs["owner"], ["analyst"]),
        "recipient org": person(db, "a@lt.example", orgs["recipient"], ["analyst"]),
        "recipient community": person(db, "a@pl.example", orgs["community"], ["analyst"]),
        "named user": person(db, "a@lv.example", orgs["named"], ["viewer"]),
        "other member org": person(db, "a@ge.example", orgs["other"], ["analyst"]),
        "other community": person(db, "a@ee.example", orgs["othercom"], ["analyst"]),
        "peer": person(db, "sync@md.example", orgs["peer"], ["peer"]),
        "node admin": person(db, "boss@hub.example", node, ["admin", "coordinator"]),
    }
    people = {who: principal for who, (principal, _secret) in made.items()}
    named_user = people["named user"].user_id
    assert named_user is not None
    return SharingWorld(people, named.id, orgs["recipient"], named_user,
                        {who: secret for who, (_principal, secret) in made.items()})


def incident_body(w: SharingWorld, tlp: Tlp, title: str) -> dict[str, object]:
    """An incident addressed to the recipient organisation, community and named user."""
    return {
        "title": title, "summary": "phishing wave against ministries",
        "rsit_class": "fraud", "rsit_type": "phishing", "severity": "high",
        "tlp": tlp.value, "countries": ["UA", "LT"],
        "recipient_org_ids": [str(w.recipient_org)],
        "recipient_community_ids": [str(w.named_community)],
        "recipient_user_ids": [str(w.named_user)],
    }


def file_incident(db: Database, w: SharingWorld, tlp: Tlp, title: str) -> uuid.UUID:
    with db.transaction() as uow:
        incident = service.create(uow, w.people["author"], incident_body(w, tlp, title))
    return incident.id
