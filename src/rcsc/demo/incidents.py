"""Files the planned year of incidents in the caller's one transaction, each action at
the time it happened in the plan.

It goes through `rcsc.incidents.bulk`, which checks every incident, observable, workflow
step and NIS2 submission as the services do (a test holds the two paths equal) and writes
in batches: filed one service call at a time, the year took about a minute; in batches it
takes seconds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rcsc.accounts import communities
from rcsc.accounts.auth import principal_for
from rcsc.core.identity import ActorType, Principal, User
from rcsc.demo.plan import COMMUNITIES, Plan, plan_year
from rcsc.incidents import bulk
from rcsc.incidents.bulk import Draft
from rcsc.storage import UnitOfWork


@dataclass(frozen=True)
class Cast:
    """The demo's organisations and people the incidents refer to."""

    orgs: dict[str, uuid.UUID]  # organisation key ("node" for the centre) -> id
    analysts: dict[str, Principal]  # CERT key -> its analyst
    coordinator: uuid.UUID
    communities: dict[str, uuid.UUID]


@dataclass(frozen=True)
class Loaded:
    incidents: int
    observables: int
    communities: int


def make_cast(uow: UnitOfWork, actor: Principal, orgs: dict[str, uuid.UUID],
              people: dict[tuple[str, str], User]) -> Cast:
    """`people` maps (e-mail local part, organisation key) to the demo's users."""
    made = {}
    for spec in COMMUNITIES:
        made[spec.key] = communities.create(
            uow, actor, name=spec.name, description=spec.description,
            member_ids=[orgs[key] for key in sorted(spec.members)]).id
    analysts = {org: principal_for(user, via=ActorType.USER)
                for (local, org), user in people.items() if local == "analyst"}
    return Cast(orgs=orgs, analysts=analysts,
                coordinator=people[("coordinator", "node")].id, communities=made)


def drafts(cast: Cast, plans: list[Plan]) -> list[Draft]:
    return [Draft(actor=cast.analysts[p.owner], filed_at=p.at,
                  data={**p.data, **_recipients(cast, p)}, observables=p.observables,
                  events=p.events) for p in plans]


def load_year(uow: UnitOfWork, cast: Cast, seed: int = 2026) -> Loaded:
    plans = plan_year(uow.clock.now(), seed)
    bulk.file_many(uow, drafts(cast, plans))
    return Loaded(len(plans), sum(len(p.observables) for p in plans), len(cast.communities))


def _recipients(cast: Cast, plan: Plan) -> dict[str, list[str]]:
    users = [str(cast.coordinator) if key == "coordinator" else str(cast.analysts[key].user_id)
             for key in plan.recipient_users]
    return {"recipient_org_ids": [str(cast.orgs[k]) for k in plan.recipient_orgs],
            "recipient_community_ids": [str(cast.communities[k])
                                        for k in plan.recipient_communities],
            "recipient_user_ids": users}
