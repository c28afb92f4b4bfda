"""Member organisations of the node. Every new organisation joins the default community."""

from __future__ import annotations

import uuid
from dataclasses import replace

from rcsc.accounts import validate
from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Organisation, OrgKind, Principal
from rcsc.core.permissions import Action, require
from rcsc.errors import Conflict, NotFound
from rcsc.storage import UnitOfWork


def create(
    uow: UnitOfWork, actor: Principal, *, name: str, country: str, kind: str,
    org_id: uuid.UUID | None = None,
) -> Organisation:
    """`org_id` registers an organisation another node knows under that id: nodes name
    each other's organisations by UUID (federation, recipients in STIX objects)."""
    require(actor, Action.ORG_MANAGE)
    org = Organisation(
        id=org_id or uuid.uuid4(), name=validate.name(name), country=validate.country(country),
        kind=validate.choice(OrgKind, kind, "kind"), created_at=uow.clock.now(),
    )
    if org_id is not None and uow.orgs.get(org_id) is not None:
        raise Conflict(f"an organisation with the id {org_id} exists already", field="id")
    if uow.orgs.get_by_name(org.name):
        raise Conflict(f"an organisation named {org.name!r} exists already", field="name")
    uow.orgs.add(org)
    uow.flush()
    default = uow.communities.default()
    if default is not None:
        uow.communities.set_members(default.id, default.member_ids | {org.id})
    record(uow, actor, _event("organisation.create", org))
    return org


def update(
    uow: UnitOfWork, actor: Principal, org_id: uuid.UUID, *, name: str | None = None,
    country: str | None = None, kind: str | None = None,
) -> Organisation:
    require(actor, Action.ORG_MANAGE)
    org = get(uow, actor, org_id)
    changed = replace(
        org,
        name=validate.name(name) if name is not None else org.name,
        country=validate.country(country) if country is not None else org.country,
        kind=validate.choice(OrgKind, kind, "kind") if kind is not None else org.kind,
    )
    clash = uow.orgs.get_by_name(changed.name)
    if clash and clash.id != org.id:
        raise Conflict(f"an organisation named {changed.name!r} exists already", field="name")
    uow.orgs.update(changed)
    record(uow, actor, _event("organisation.update", changed))
    return changed


def get(uow: UnitOfWork, actor: Principal, org_id: uuid.UUID) -> Organisation:
    require(actor, Action.ORG_READ)
    org = uow.orgs.get(org_id)
    if org is None:
        raise NotFound("organisation", org_id)
    return org


def by_name(uow: UnitOfWork, name: str) -> Organisation:
    org = uow.orgs.get_by_name(name.strip())
    if org is None:
        raise NotFound("organisation", repr(name))
    return org


def list_all(uow: UnitOfWork, actor: Principal) -> list[Organisation]:
    require(actor, Action.ORG_READ)
    return uow.orgs.list()


def _event(action: str, org: Organisation) -> AuditEvent:
    return AuditEvent(
        action, object_type="organisation", object_id=str(org.id),
        detail={"name": org.name, "country": org.country, "kind": org.kind.value},
    )
