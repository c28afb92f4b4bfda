"""Named sets of organisations; TLP:GREEN reaches a community.

The node's default community holds every member organisation: organisations join it when
they are created and cannot be taken out of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace

from rcsc.accounts import validate
from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Community, Principal
from rcsc.core.permissions import Action, require
from rcsc.errors import Conflict, NotFound, ValidationFailed
from rcsc.storage import UnitOfWork


def create(
    uow: UnitOfWork, actor: Principal, *, name: str, description: str = "",
    member_ids: Iterable[uuid.UUID] = (),
) -> Community:
    require(actor, Action.COMMUNITY_MANAGE)
    community = Community(
        id=uuid.uuid4(), name=validate.name(name),
        description=description.strip()[:2000], is_default=False,
        member_ids=_known_orgs(uow, member_ids), created_at=uow.clock.now(),
    )
    if uow.communities.get_by_name(community.name):
        raise Conflict(f"a community named {community.name!r} exists already", field="name")
    uow.communities.add(community)
    record(uow, actor, _event("community.create", community))
    return community


def update(
    uow: UnitOfWork, actor: Principal, community_id: uuid.UUID, *, name: str | None = None,
    description: str | None = None, member_ids: Iterable[uuid.UUID] | None = None,
) -> Community:
    require(actor, Action.COMMUNITY_MANAGE)
    community = get(uow, actor, community_id)
    members = _known_orgs(uow, member_ids) if member_ids is not None else community.member_ids
    if community.is_default and members != community.member_ids:
        raise ValidationFailed.field(
            "member_ids", "the default community always holds every member organisation"
        )
    changed = replace(
        community,
        name=validate.name(name) if name is not None else community.name,
        description=description.strip()[:2000] if description is not None
        else community.description,
        member_ids=members,
    )
    clash = uow.communities.get_by_name(changed.name)
    if clash and clash.id != community.id:
        raise Conflict(f"a community named {changed.name!r} exists already", field="name")
    uow.communities.update(changed)
    record(uow, actor, _event("community.update", changed))
    return changed


def create_default(uow: UnitOfWork, actor: Principal, node_name: str) -> Community:
    """The community of every member organisation; created once by `rcsc init`."""
    existing = uow.communities.default()
    if existing is not None:
        return existing
    community = Community(
        id=uuid.uuid4(), name=f"{node_name} members",
        description="Every member organisation of this node (TLP:GREEN reaches them all).",
        is_default=True, member_ids=frozenset(o.id for o in uow.orgs.list()),
        created_at=uow.clock.now(),
    )
    uow.communities.add(community)
    record(uow, actor, _event("community.create", community))
    return community


def _known_orgs(uow: UnitOfWork, org_ids: Iterable[uuid.UUID]) -> frozenset[uuid.UUID]:
    ids = frozenset(org_ids)
    unknown = [str(i) for i in ids if uow.orgs.get(i) is None]
    if unknown:
        raise ValidationFailed.field("member_ids", f"no such organisation: {', '.join(unknown)}")
    return ids


def get(uow: UnitOfWork, actor: Principal, community_id: uuid.UUID) -> Community:
    require(actor, Action.COMMUNITY_READ)
    community = uow.communities.get(community_id)
    if community is None:
        raise NotFound("community", community_id)
    return community


def list_all(uow: UnitOfWork, actor: Principal) -> list[Community]:
    require(actor, Action.COMMUNITY_READ)
    return uow.communities.list()


def _event(action: str, community: Community) -> AuditEvent:
    return AuditEvent(
        action, object_type="community", object_id=str(community.id),
        detail={"name": community.name, "members": sorted(str(m) for m in community.member_ids)},
    )
