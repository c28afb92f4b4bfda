"""TAXII collections: the node's `shared` collection exists from `rcsc init`; admins add
more (for example one per community, whose unmarked objects go to that community only)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from rcsc.accounts.audit import record
from rcsc.core.exchange import Collection
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.permissions import Action, allowed, require
from rcsc.core.tlp import Tlp, parse_tlp
from rcsc.errors import Conflict, NotFound, ValidationFailed
from rcsc.storage import UnitOfWork

SHARED = "shared"
_ALIAS = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")


@dataclass(frozen=True)
class Access:
    collection: Collection
    can_read: bool
    can_write: bool


def ensure_shared(uow: UnitOfWork) -> Collection:
    """The node's default collection, made on first use: unmarked objects are GREEN."""
    return uow.stix.ensure_collection(Collection(
        id=uuid.uuid4(), alias=SHARED, title="Shared intelligence",
        description="STIX 2.1 objects shared on this node. Each is served only to those its "
                    "TLP marking allows; objects without a marking are TLP:GREEN.",
        default_tlp=Tlp.GREEN, community_id=None, writable=True, created_at=uow.clock.now()))


def access(actor: Principal, collection: Collection) -> Access:
    return Access(collection, can_read=allowed(actor, Action.INTEL_READ),
                  can_write=collection.writable and allowed(actor, Action.INTEL_WRITE))


def visible_to(uow: UnitOfWork, actor: Principal) -> list[Access]:
    """Every collection, with what the caller may do in it (the objects inside are still
    filtered one by one by the sharing rule)."""
    require(actor, Action.INTEL_READ)
    ensure_shared(uow)
    return [access(actor, c) for c in uow.stix.collections()]


def get(uow: UnitOfWork, actor: Principal, key: str) -> Access:
    """By id or alias; NotFound for anything else."""
    require(actor, Action.INTEL_READ)
    ensure_shared(uow)
    try:
        found = uow.stix.collection(uuid.UUID(key))
    except ValueError:
        found = uow.stix.collection(key)
    if found is None:
        raise NotFound("collection", key)
    return access(actor, found)


def create(uow: UnitOfWork, actor: Principal, *, alias: str, title: str,
           description: str = "", default_tlp: str = "green",
           community_id: uuid.UUID | None = None, writable: bool = True) -> Collection:
    require(actor, Action.COLLECTION_MANAGE)
    if not _ALIAS.match(alias):
        raise ValidationFailed.field("alias", "2-64 characters: a-z, 0-9 and inner hyphens")
    if not title.strip():
        raise ValidationFailed.field("title", "required")
    level = parse_tlp(default_tlp)
    if level is None:
        raise ValidationFailed.field("default_tlp", f"{default_tlp!r} is not a TLP level")
    if level is Tlp.CLEAR:
        raise ValidationFailed.field("default_tlp", "unmarked objects are never CLEAR by "
                                                    "default; mark them CLEAR explicitly")
    if community_id is not None and uow.communities.get(community_id) is None:
        raise ValidationFailed.field("community_id", "no such community")
    if uow.stix.collection(alias) is not None:
        raise Conflict(f"a collection with the alias {alias!r} exists", field="alias")
    made = Collection(id=uuid.uuid4(), alias=alias, title=title.strip(),
                      description=description, default_tlp=level, community_id=community_id,
                      writable=writable, created_at=uow.clock.now())
    uow.stix.add_collection(made)
    record(uow, actor, AuditEvent("collection.create", object_type="collection",
                                  object_id=str(made.id), detail={"alias": alias}))
    return made
