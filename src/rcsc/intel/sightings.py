"""Sightings: any organisation records that it saw a value or an indicator (`seen`), judged
it a false positive, or declared it expired, with a count and first/last seen; marked with
a TLP and read through the sharing rule like everything else. They feed the lookup (what
others saw) and ageing (a `seen` restarts the decay; see `intel.ageing`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.intel import IndexedValue, detect
from rcsc.core.permissions import Action, require
from rcsc.core.tlp import Tlp, parse_tlp
from rcsc.core.verdicts import Sighting, SightingKind
from rcsc.errors import ValidationFailed
from rcsc.incidents import fields as f
from rcsc.incidents.service import AUDITED_READS, viewer_for
from rcsc.stix.ids import is_stix_id
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.sightings import SightingRepo

MAX_COUNT = 1_000_000_000
MAX_READ = 10_000


def repo(uow: UnitOfWork) -> SightingRepo:
    return SightingRepo(uow.session)


def _kind(value: Any) -> SightingKind:
    try:
        return SightingKind(str(value).strip().lower())
    except ValueError:
        raise ValidationFailed.field("kind", "must be one of: " + ", ".join(
            k.value for k in SightingKind)) from None


def _tlp(value: Any) -> Tlp:
    level = parse_tlp(str(value))
    if level is None:
        raise ValidationFailed.field("tlp", f"{value!r} is not a TLP 2.0 level")
    return level


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_COUNT:
        raise ValidationFailed.field("count", f"must be a whole number from 1 to {MAX_COUNT:,}")
    return value


def _subject(c: f.Collector, value: str | None, stix_id: str | None
             ) -> tuple[IndexedValue | None, str | None]:
    if (value is None) == (stix_id is None):
        c.fail("value", "give a value or a stix_id (one of the two)")
        return None, None
    if stix_id is not None:
        return None, c.check("stix_id", _stix_id, stix_id)
    found = detect(str(value))
    if found is None:
        c.fail("value", f"{value!r} is no value of an indexed type (address, domain, URL, "
                        "e-mail, hash, CVE, AS number)")
    return found, None


def _stix_id(value: str) -> str:
    if not is_stix_id(value):
        raise ValidationFailed.field("stix_id", f"{value!r} is not a STIX id")
    return value


@dataclass(frozen=True)
class SightingInput:
    kind: str
    value: str | None = None
    stix_id: str | None = None
    count: int = 1
    first_seen: datetime | str | None = None
    last_seen: datetime | str | None = None
    tlp: str = "amber"
    recipient_org_ids: Sequence[str | uuid.UUID] = ()
    comment: str = ""


def add(uow: UnitOfWork, actor: Principal, given: SightingInput) -> Sighting:
    """Record a sighting of the actor's organisation (every invalid field told at once)."""
    require(actor, Action.INTEL_WRITE)
    if actor.org_id is None:
        raise ValidationFailed.field("kind", "only a member of an organisation records "
                                             "sightings")
    c = f.Collector()
    kind = c.check("kind", _kind, given.kind)
    value, stix_id = _subject(c, given.value, given.stix_id)
    count = c.check("count", _count, given.count)
    tlp = c.check("tlp", _tlp, given.tlp)
    now = uow.clock.now()
    first = c.check("first_seen", f.moment("first_seen"), given.first_seen)
    last = c.check("last_seen", f.moment("last_seen"), given.last_seen)
    recipients = c.check("recipient_org_ids", f.ids("recipient_org_ids"),
                         list(given.recipient_org_ids))
    note = c.check("comment", f.text("comment", 2000, required=False), given.comment)
    first, last = first or last or now, last or first or now
    if first > last:
        c.fail("last_seen", "must not be before first_seen")
    c.raise_if_any()
    assert kind is not None and count is not None and tlp is not None
    made = Sighting(id=uuid.uuid4(), kind=kind, value=value, stix_id=stix_id, count=count,
                    first_seen=first, last_seen=last, tlp=tlp, owner_org_id=actor.org_id,
                    author_id=actor.user_id, created_at=now, comment=note or "",
                    recipient_org_ids=recipients or frozenset())
    repo(uow).add(made)
    record(uow, actor, AuditEvent("sighting.create", object_type="sighting",
                                  object_id=str(made.id),
                                  detail={"kind": kind.value, "tlp": tlp.value}))
    return made


def visible(uow: UnitOfWork, actor: Principal, *, values: Sequence[IndexedValue] = (),
            stix_ids: Sequence[str] = (), limit: int = MAX_READ) -> list[Sighting]:
    """The sightings the actor may see of these values or objects, newest first; reads of
    AMBER+STRICT and RED ones are audited."""
    require(actor, Action.INTEL_READ)
    if not values and not stix_ids:
        return []
    found = repo(uow).visible(viewer_for(uow, actor), keys=[v.key for v in values],
                              stix_ids=list(stix_ids), limit=limit)
    restricted = [str(s.id) for s in found if s.tlp in AUDITED_READS]
    if restricted:
        record(uow, actor, AuditEvent("intel.read", object_type="sighting",
                                      detail={"count": len(restricted),
                                              "ids": restricted[:100]}))
    return found


def of_texts(uow: UnitOfWork, actor: Principal, texts: Sequence[str],
             stix_ids: Sequence[str]) -> list[Sighting]:
    """`visible` for values as typed (defanged forms understood) and STIX ids; anything
    that is neither is refused, naming the parameter."""
    c = f.Collector()
    values = []
    for text in texts:
        found = detect(text)
        if found is None:
            c.fail("value", f"{text!r} is no value of an indexed type")
        else:
            values.append(found)
    for stix_id in stix_ids:
        c.check("stix_id", _stix_id, stix_id)
    c.raise_if_any()
    return visible(uow, actor, values=values, stix_ids=stix_ids)


def latest(uow: UnitOfWork, actor: Principal, limit: int = 100) -> list[Sighting]:
    require(actor, Action.INTEL_READ)
    return repo(uow).latest(viewer_for(uow, actor), limit)


@dataclass(frozen=True)
class Summary:
    """What the visible sightings of one value say, by kind."""

    counts: dict[SightingKind, int]
    first_seen: datetime | None
    last_seen: datetime | None


def summarise(found: Sequence[Sighting]) -> Summary:
    counts = {kind: sum(s.count for s in found if s.kind is kind) for kind in SightingKind}
    return Summary(counts, min((s.first_seen for s in found), default=None),
                   max((s.last_seen for s in found), default=None))
