"""Typed values attached to incidents, normalised so the same value always matches.

An observable inherits its incident's TLP level unless given a stricter one; it is shown
only to viewers who may see both the incident and the observable's own level.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.incidents import Incident, Observable, ObservableRole
from rcsc.core.observables import ObservableType, normalise
from rcsc.core.tlp import Tlp, parse_tlp
from rcsc.errors import NotFound, ValidationFailed
from rcsc.incidents import fields as f
from rcsc.incidents import publish
from rcsc.incidents.service import editable, get, viewer_for
from rcsc.storage import UnitOfWork


def add(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID, *, type: str, value: str,
        role: str = "ioc", tlp: str | None = None, first_seen: datetime | str | None = None,
        last_seen: datetime | str | None = None, comment: str = "") -> Observable:
    """Attach a value; attaching one that is there already widens its first/last seen."""
    incident = editable(uow, actor, incident_id, None)
    observable = build(incident, uow.clock.now(), type=type, value=value, role=role, tlp=tlp,
                       first_seen=first_seen, last_seen=last_seen, comment=comment)
    existing = uow.incidents.find_observable(incident_id, observable.type, observable.value)
    if existing is not None:
        merged = merge(existing, observable)
        uow.incidents.update_observable(merged)
        publish.publish(uow, incident)
        return merged
    uow.incidents.add_observable(observable)
    publish.publish(uow, incident)
    record(uow, actor, AuditEvent("observable.create", object_type="observable",
                                  object_id=str(observable.id),
                                  detail={"incident_id": str(incident_id),
                                          "type": observable.type.value}))
    return observable


def build(incident: Incident, at: datetime, *, type: str | None, value: str | None,
          role: str = "ioc", tlp: str | None = None, first_seen: datetime | str | None = None,
          last_seen: datetime | str | None = None, comment: str = "") -> Observable:
    """A new observable of `incident`, checked and normalised, every invalid field reported
    at once; nothing stored. Public so `bulk` checks exactly as `add` does."""
    c = f.Collector()
    kind = c.check("type", _kind, type)
    normal = c.check("value", lambda v: normalise(kind, v), value) if kind else None
    level = c.check("tlp", lambda v: _level(v, incident.tlp.rank), tlp) if tlp else None
    obs_role = c.check("role", _role, role)
    seen = (c.check("first_seen", f.moment("first_seen"), first_seen),
            c.check("last_seen", f.moment("last_seen"), last_seen))
    note = c.check("comment", f.text("comment", 2000, required=False), comment)
    if seen[0] and seen[1] and seen[0] > seen[1]:
        c.fail("last_seen", "must not be before first_seen")
    c.raise_if_any()
    assert kind is not None and normal is not None and obs_role is not None
    return Observable(
        id=uuid.uuid4(), incident_id=incident.id, type=kind, value=normal, role=obs_role,
        tlp=level, first_seen=seen[0], last_seen=seen[1], comment=note or "", created_at=at)


def merge(old: Observable, new: Observable) -> Observable:
    """`old` seen again as `new`: first/last seen widen, the newer role and any newer level
    and comment win. Public so `bulk` merges repeated values exactly as `add` does."""
    return replace(old, first_seen=_earliest(old.first_seen, new.first_seen),
                   last_seen=_latest(old.last_seen, new.last_seen), tlp=new.tlp or old.tlp,
                   role=new.role, comment=new.comment or old.comment)


def _kind(value: str) -> ObservableType:
    try:
        return ObservableType(str(value).strip().lower())
    except ValueError:
        raise ValidationFailed.field("type", f"{value!r} is not one of: "
                                     f"{', '.join(t.value for t in ObservableType)}") from None


def _role(value: str) -> ObservableRole:
    try:
        return ObservableRole(str(value).strip().lower())
    except ValueError:
        raise ValidationFailed.field("role", "must be ioc or context") from None


def _level(value: str, incident_rank: int) -> Tlp:
    level = parse_tlp(str(value))
    if level is None:
        raise ValidationFailed.field("tlp", f"{value!r} is not a TLP 2.0 level")
    if level.rank < incident_rank:
        raise ValidationFailed.field("tlp", "an observable may be stricter than its incident, "
                                     "never less strict")
    return level


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min((x for x in (a, b) if x is not None), default=None)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


def list_for(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID) -> list[Observable]:
    get(uow, actor, incident_id)  # 404 unless the incident itself is visible
    return uow.incidents.observables(viewer_for(uow, actor), incident_id=incident_id)


def remove(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID,
           observable_id: uuid.UUID) -> None:
    incident = editable(uow, actor, incident_id, None)
    found = [o for o in uow.incidents.observables(viewer_for(uow, actor),
                                                  incident_id=incident_id)
             if o.id == observable_id]
    if not found:
        raise NotFound("observable", observable_id)
    uow.incidents.delete_observable(observable_id)
    publish.publish(uow, incident)
    record(uow, actor, AuditEvent("observable.delete", object_type="observable",
                                  object_id=str(observable_id),
                                  detail={"incident_id": str(incident_id)}))
