"""TAXII 2.1 semantics (OASIS TAXII 2.1, §4-§5), framework-free: `web.taxii` routes to it.

Reads return envelopes as bytes: the stored objects are spliced in as they were received,
never parsed again, so a page costs one query and one join of byte strings. Every object
passes the sharing rule for the caller in SQL; reads that serve AMBER+STRICT or RED objects
are audited. A POST is one transaction: the acceptable objects are stored together, each
bad one is a failure in the status with its reason (or, `atomic`, nothing is stored).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

import orjson

from rcsc.accounts.audit import record
from rcsc.core.exchange import (
    STIX_MEDIA_TYPE,
    TICK,
    Boundary,
    Collection,
    NewVersion,
    ObjectQuery,
    ObjectVersion,
    StatusDetail,
    StatusState,
    TaxiiStatus,
    VersionChoice,
    peer_label,
)
from rcsc.core.identity import AuditEvent, Principal, Role
from rcsc.core.permissions import Action, require
from rcsc.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from rcsc.exchange import collections
from rcsc.exchange.envelope import Checked, Rejected, check, label
from rcsc.exchange.query import encode_next
from rcsc.incidents.service import AUDITED_READS, viewer_for
from rcsc.stix.common import timestamp
from rcsc.stix.ids import uuid_of
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.stix_pages import StoredPage

AUDIT_IDS = 100  # ids named in one audit row; the count is always exact


@dataclass(frozen=True)
class Page:
    """One response's objects with what the TAXII headers and `more`/`next` need. The rows
    stay as read (`StoredPage`): an envelope splices their bodies in, and only the first and
    last date added are converted, unless someone asks for `items`."""

    stored: StoredPage

    @property
    def more(self) -> bool:
        return self.stored.more

    @cached_property
    def items(self) -> list[ObjectVersion]:
        return self.stored.versions()

    @property
    def next(self) -> str | None:
        last, pk = self.stored.last_added, self.stored.last_pk
        return encode_next(last, pk) if self.more and last and pk is not None else None

    @property
    def first_added(self) -> datetime | None:  # pages are in date_added order
        return self.stored.first_added

    @property
    def last_added(self) -> datetime | None:
        return self.stored.last_added


def added_text(moment: datetime) -> str:
    """date_added as TAXII writes it: UTC, to the microsecond (§3.2 asks at least ms)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _readable(uow: UnitOfWork, actor: Principal, key: str) -> Collection:
    return collections.get(uow, actor, key).collection


def _note_restricted(uow: UnitOfWork, actor: Principal, collection: Collection,
                     page: StoredPage, action: str) -> None:
    restricted = page.ids_marked(AUDITED_READS)
    if restricted:
        record(uow, actor, AuditEvent(action, object_type="collection",
                                      object_id=str(collection.id),
                                      detail={"count": len(restricted),
                                              "ids": restricted[:AUDIT_IDS]}))


def for_caller(actor: Principal, q: ObjectQuery) -> ObjectQuery:
    """A peer node reads across the federation boundary (`core.exchange.Boundary`)."""
    if Role.PEER in actor.roles and actor.org_id is not None:
        return replace(q, boundary=Boundary(actor.org_id))
    return q


def objects(uow: UnitOfWork, actor: Principal, key: str, q: ObjectQuery) -> Page:
    """GET …/objects/ (and …/objects/{id}/ with `q.ids` set)."""
    collection = _readable(uow, actor, key)
    stored = uow.stix.page_rows(viewer_for(uow, actor), collection.id, for_caller(actor, q))
    _note_restricted(uow, actor, collection, stored, "intel.read")
    return Page(stored)


def one_object(uow: UnitOfWork, actor: Principal, key: str, q: ObjectQuery) -> Page:
    """GET …/objects/{id}/: 404 when the caller sees no version of it."""
    page = objects(uow, actor, key, q)
    if not len(page.stored) and q.after is None:
        raise NotFound("object", next(iter(q.ids)))
    return page


def versions(uow: UnitOfWork, actor: Principal, key: str, stix_id: str,
             q: ObjectQuery) -> Page:
    """GET …/objects/{id}/versions/: every visible version, by date added."""
    asked = replace(q, ids=frozenset({stix_id}), choices=frozenset({VersionChoice.ALL}),
                    versions=frozenset())
    collection = _readable(uow, actor, key)
    stored = uow.stix.page_rows(viewer_for(uow, actor), collection.id,
                                for_caller(actor, asked))
    if not len(stored) and q.after is None:
        raise NotFound("object", stix_id)
    return Page(stored)


def envelope(page: Page) -> bytes:
    """TAXII 2.1 §3.7 envelope with the stored objects spliced in unchanged."""
    head = b'{"more":' + (b"true" if page.more else b"false")
    if page.next:
        head += b',"next":' + orjson.dumps(page.next)
    if not len(page.stored):
        return head + b"}"
    return head + b',"objects":[' + b",".join(page.stored.bodies) + b"]}"


def manifest(page: Page) -> bytes:
    """TAXII 2.1 §5.3 manifest resource."""
    body: dict[str, Any] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.items:
        body["objects"] = [{"id": i.stix_id, "date_added": added_text(i.date_added),
                            "version": version_text(i.version), "media_type": STIX_MEDIA_TYPE}
                           for i in page.items]
    return orjson.dumps(body)


def versions_resource(page: Page) -> bytes:
    """TAXII 2.1 §5.7 versions resource."""
    body: dict[str, Any] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.items:
        body["versions"] = [version_text(i.version) for i in page.items]
    return orjson.dumps(body)


def version_text(version: datetime) -> str:
    """A version as STIX writes timestamps: to the millisecond, or to the microsecond when
    it has more (the time an SCO was added)."""
    return added_text(version) if version.microsecond % 1000 else timestamp(version)



# --- writing ------------------------------------------------------------------------------


def add_objects(uow: UnitOfWork, actor: Principal, key: str, raw: bytes, *,
                origin: str, atomic: bool = False) -> TaxiiStatus:
    """POST …/objects/: store the acceptable objects of one envelope in this transaction and
    return the status (complete: everything is decided before the response)."""
    require(actor, Action.INTEL_WRITE)
    collection = _readable(uow, actor, key)
    if not collection.writable:
        raise PermissionDenied(f"the collection {collection.alias} is read-only",
                               action=Action.INTEL_WRITE.value, required="a writable "
                               "collection")
    if actor.org_id is None:
        raise PermissionDenied("only members of an organisation may add objects",
                               action=Action.INTEL_WRITE.value, required="an organisation")
    items = _objects_of(raw)
    accepted, failures = _check_all(items)
    first = uow.stix.next_date_added(collection.id, uow.clock.now())  # the write turn
    plan = _plan(uow, actor, collection, accepted, first, origin)
    failures += plan.failures
    if atomic and failures:
        raise ValidationFailed([FieldError(f"objects.{i}", detail.message)
                                for i, detail in sorted(failures, key=lambda f: f[0])])
    if plan.fresh:
        uow.stix.add_versions(collection.id, plan.fresh, first, plan.stored)
    status = TaxiiStatus(
        id=uuid.uuid4(), user_id=actor.user_id, status=StatusState.COMPLETE,
        request_timestamp=uow.clock.now(), successes=tuple(plan.successes),
        failures=tuple(detail for _, detail in sorted(failures, key=lambda f: f[0])))
    uow.stix.put_status(status)
    record(uow, actor, AuditEvent("intel.add", object_type="collection",
                                  object_id=str(collection.id), detail={
                                      "status": str(status.id), "total": status.total_count,
                                      "successes": len(status.successes),
                                      "failures": len(status.failures)}))
    return status


def _objects_of(raw: bytes) -> list[Any]:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed.field("body", f"is not JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise ValidationFailed.field("body", "must be a TAXII envelope: {\"objects\": [...]}")
    items = parsed.get("objects", [])
    if not isinstance(items, list):
        raise ValidationFailed.field("objects", "must be a list of STIX objects")
    return items


Failure = tuple[int, StatusDetail]  # (index in the envelope, what the status says)


def _check_all(items: list[Any]) -> tuple[list[tuple[int, Checked]], list[Failure]]:
    accepted: list[tuple[int, Checked]] = []
    failures: list[Failure] = []
    for index, obj in enumerate(items):
        try:
            accepted.append((index, check(obj)))
        except Rejected as exc:
            ident, version = label(obj, index)
            failures.append((index, StatusDetail(ident, version, exc.message)))
    return accepted, failures


def _owner(uow: UnitOfWork, actor: Principal, checked: Checked) -> uuid.UUID:
    """The poster's organisation; a peer node may post for the organisation that made the
    object (its `created_by_ref`), when this node knows that organisation."""
    assert actor.org_id is not None
    if Role.PEER in actor.roles and checked.created_by_ref:
        try:
            org = uow.orgs.get(uuid_of(checked.created_by_ref, "identity", "created_by_ref"))
        except ValidationFailed:
            org = None
        if org is not None:
            return org.id
    return actor.org_id


@dataclass
class _Plan:
    fresh: list[NewVersion]
    successes: list[StatusDetail]
    failures: list[Failure]
    stored: dict[str, set[datetime]]


NOT_CREATOR = ("id: another organisation's object; only its creator makes new versions of "
               "it (STIX 2.1 §3.6)")


def _plan(uow: UnitOfWork, actor: Principal, collection: Collection,
          accepted: list[tuple[int, Checked]], first: datetime, origin: str) -> _Plan:
    """What to store. A versioned object belongs to the organisation that made it: another
    organisation's version of it is refused (STIX 2.1 §3.6, only the creator versions an
    object). An SCO has no creator: each organisation keeps its own copy, under its own
    marking, and "unchanged" means that organisation has it already."""
    held = uow.stix.stored_owners(collection.id, (c.stix_id for _, c in accepted))
    plan = _Plan([], [], [], {k: {v for v, _ in pairs} for k, pairs in held.items()})
    # (version, owner) of each object, stored or planned: lists, not sets (a pair is added
    # only when no equal one is there, and sets of tuples of UUIDs cost a hash each)
    known: dict[str, list[tuple[datetime, uuid.UUID]]] = {
        k: list(pairs) for k, pairs in held.items()}
    new = _Maker(actor, collection, origin)
    peer = Role.PEER in actor.roles
    fresh, successes = plan.fresh, plan.successes
    for index, checked in accepted:
        owner = _owner(uow, actor, checked) if peer else new.owner
        pairs = known.get(checked.stix_id)
        if pairs is None:
            pairs = known[checked.stix_id] = []
        elif _refused_or_unchanged(plan, index, checked, pairs, owner):
            continue
        version = checked.version or first + TICK * len(fresh)  # an SCO: when added
        pairs.append((version, owner))
        fresh.append(new(checked, version, owner))
        successes.append(StatusDetail(checked.stix_id, checked.version_text or
                                      version_text(version), "",
                                      "updated" if len(pairs) > 1 else "created"))
    return plan


def _refused_or_unchanged(plan: _Plan, index: int, checked: Checked,
                          pairs: list[tuple[datetime, uuid.UUID]], owner: uuid.UUID) -> bool:
    """True when `checked` is not stored: another organisation's object (a failure), or a
    version (an SCO copy) stored already (unchanged)."""
    if checked.version is not None and any(o != owner for _, o in pairs):
        plan.failures.append((index, StatusDetail(checked.stix_id, checked.version_text,
                                                  NOT_CREATOR)))
        return True
    if checked.version is None and any(o == owner for _, o in pairs) or \
            checked.version is not None and any(v == checked.version for v, _ in pairs):
        plan.successes.append(StatusDetail(checked.stix_id, checked.version_text,
                                           "already stored: unchanged", "unchanged"))
        return True
    return False


class _Maker:
    """NewVersions of one POST: what the poster, the collection and the channel give every
    object is worked out once."""

    def __init__(self, actor: Principal, collection: Collection, origin: str) -> None:
        assert actor.org_id is not None
        self.owner, self.author, self.origin = actor.org_id, actor.user_id, origin
        self.default_tlp, self.source = collection.default_tlp, received_from(actor)
        self.community = (frozenset({collection.community_id})
                          if collection.community_id is not None else None)

    def __call__(self, checked: Checked, version: datetime, owner: uuid.UUID) -> NewVersion:
        recipients = checked.recipients
        if checked.tlp is None and self.community is not None:
            recipients = replace(recipients, community_ids=self.community)
        # positional, in NewVersion's field order: a thousand of these per envelope
        return NewVersion(checked.stix_id, checked.type, checked.spec_version, version,
                          checked.name, checked.body, checked.tlp or self.default_tlp, owner,
                          self.author, recipients, self.origin, self.source, None, None,
                          checked.version_text)


def received_from(actor: Principal) -> str:
    """Provenance: a peer node by its organisation (the label the boundary reads), anyone
    else by their account."""
    if Role.PEER in actor.roles and actor.org_id is not None:
        return peer_label(actor.org_id)
    return f"taxii:{actor.email}"


def status(uow: UnitOfWork, actor: Principal, status_id: uuid.UUID) -> TaxiiStatus:
    """A status is the poster's own: anyone else gets 404, as for an unknown id."""
    require(actor, Action.INTEL_READ)
    found = uow.stix.status(status_id)
    if found is None or found.user_id != actor.user_id:
        raise NotFound("status", status_id)
    return found


def status_resource(s: TaxiiStatus) -> dict[str, Any]:
    """TAXII 2.1 §4.3.1 status resource."""
    def details(items: tuple[StatusDetail, ...]) -> list[dict[str, str]]:
        return [{"id": d.id, "version": d.version, "message": d.message} if d.message
                else {"id": d.id, "version": d.version} for d in items]
    return {"id": str(s.id), "status": s.status.value,
            "request_timestamp": added_text(s.request_timestamp),
            "total_count": s.total_count, "success_count": len(s.successes),
            "successes": details(s.successes), "failure_count": len(s.failures),
            "failures": details(s.failures), "pending_count": len(s.pendings),
            "pendings": details(s.pendings)}


def delete_object(uow: UnitOfWork, actor: Principal, key: str, stix_id: str,
                  q: ObjectQuery) -> int:
    """DELETE …/objects/{id}/: the matching versions the caller's organisation owns."""
    require(actor, Action.INTEL_WRITE)
    collection = _readable(uow, actor, key)
    if actor.org_id is None:
        raise NotFound("object", stix_id)
    removed = uow.stix.delete(viewer_for(uow, actor), collection.id, stix_id, q, actor.org_id)
    if not removed:
        raise NotFound("object", stix_id)
    record(uow, actor, AuditEvent("intel.delete", object_type="stix", object_id=stix_id,
                                  detail={"collection": collection.alias, "versions": removed}))
    return removed
