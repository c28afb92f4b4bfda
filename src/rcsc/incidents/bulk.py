"""Filing many incidents at once, with their history: each checked exactly as
`service.create`, `observables.add`, `service.transition`, `service.submit_milestone` and
`service.add_entry` check one, then all written in batches (a dozen statements per batch,
not per incident). The demo uses it; imports can.

A test files the same drafts both ways, through the services one call at a time and
through here, and compares what is stored. One audit row per reporter names how many
incidents it filed, instead of one row per action.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.incidents import (
    Incident,
    Milestone,
    Observable,
    Recipients,
    Status,
    Submission,
    TimelineEntry,
    TimelineKind,
    may_transition,
)
from rcsc.core.permissions import Action, require
from rcsc.errors import FieldError, PermissionDenied, ValidationFailed
from rcsc.incidents import fields as f
from rcsc.incidents import observables, publish
from rcsc.incidents.service import CREATABLE, REQUIRED, apply_changes, blank_incident
from rcsc.storage import UnitOfWork

# What happens to an incident after it is filed: a workflow step, a NIS2 report
# submitted, or an action entered on its timeline (the text).
Event = Status | Milestone | str


@dataclass(frozen=True)
class Draft:
    actor: Principal  # the reporter; their organisation owns the incident
    filed_at: datetime
    data: Mapping[str, Any]  # the fields `service.create` takes
    observables: Sequence[Mapping[str, Any]] = ()  # the arguments of `observables.add`
    events: Sequence[tuple[datetime, Event]] = ()


@dataclass
class _Built:
    incident: Incident
    observables: list[Observable]
    timeline: list[TimelineEntry]


class _Known:
    """Which recipients exist, asked of the database once per id, not once per incident."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.lookups: dict[str, Callable[[uuid.UUID], object]] = {
            "recipient_org_ids": uow.orgs.get, "recipient_community_ids": uow.communities.get,
            "recipient_user_ids": uow.users.get}
        self.seen: dict[tuple[str, uuid.UUID], bool] = {}

    def exists(self, name: str, ref: uuid.UUID) -> bool:
        if (name, ref) not in self.seen:
            self.seen[(name, ref)] = self.lookups[name](ref) is not None
        return self.seen[(name, ref)]

    def recipients(self, data: Mapping[str, Any]) -> Recipients:
        """As `service.create` checks them: UUIDs, each of an existing recipient."""
        c = f.Collector()
        found: dict[str, frozenset[uuid.UUID]] = {}
        for name in self.lookups:
            found[name] = c.check(name, f.ids(name), data.get(name, [])) or frozenset()
            for index, ref in enumerate(sorted(found[name], key=str)):
                if not self.exists(name, ref):
                    c.fail(f"{name}.{index}", f"no such {name.split('_')[1]}: {ref}")
        c.raise_if_any()
        return Recipients(found["recipient_org_ids"], found["recipient_community_ids"],
                          found["recipient_user_ids"])


def file_many(uow: UnitOfWork, drafts: Sequence[Draft]) -> list[Incident]:
    """Check every draft, then write them all; any invalid draft fails the whole call."""
    known = _Known(uow)
    built = [_build(uow, known, d) for d in drafts]
    uow.bulk.add_incidents([b.incident for b in built])
    uow.bulk.add_observables([o for b in built for o in b.observables])
    uow.bulk.add_timeline([e for b in built for e in b.timeline])
    publish.publish_new(uow, ((b.incident, b.observables) for b in built))
    per_actor = Counter(d.actor for d in drafts)
    for actor, count in per_actor.items():
        record(uow, actor, AuditEvent("incident.bulk_create", object_type="incident",
                                      detail={"incidents": count}))
    return [b.incident for b in built]


def _build(uow: UnitOfWork, known: _Known, d: Draft) -> _Built:
    require(d.actor, Action.INCIDENT_WRITE)
    if d.actor.org_id is None:
        raise PermissionDenied("filing an incident needs a member organisation")
    missing = [name for name in REQUIRED if d.data.get(name) in (None, "")]
    if missing:
        raise ValidationFailed([FieldError(name, "is required") for name in missing])
    base = replace(blank_incident(d.actor, d.filed_at), recipients=known.recipients(d.data))
    rest = {k: v for k, v in d.data.items() if k not in known.lookups}
    incident = apply_changes(uow, base, rest, CREATABLE)
    timeline = [_entry(d.actor, incident.id, d.filed_at, TimelineKind.STATUS,
                       "Incident reported", to_status=Status.NEW)]
    found = _observables(incident, d)
    for when, what in sorted(d.events, key=lambda event: event[0]):
        incident = _replay(incident, d.actor, when, what, timeline)
    return _Built(incident, found, timeline)


def _entry(actor: Principal, incident_id: uuid.UUID, at: datetime, kind: TimelineKind,
           text: str, from_status: Status | None = None,
           to_status: Status | None = None) -> TimelineEntry:
    return TimelineEntry(id=uuid.uuid4(), incident_id=incident_id, at=at, kind=kind, text=text,
                         author_id=actor.user_id, author_name=actor.name or actor.email,
                         from_status=from_status, to_status=to_status)


def _replay(incident: Incident, actor: Principal, when: datetime, what: Event,
            timeline: list[TimelineEntry]) -> Incident:
    if isinstance(what, Status):
        if not may_transition(incident.status, what):
            raise ValidationFailed.field(
                "status", f"cannot go from {incident.status.value} to {what.value}")
        timeline.append(_entry(actor, incident.id, when, TimelineKind.STATUS,
                               f"Status: {what.value}", incident.status, what))
        return replace(incident, status=what, version=incident.version + 1, updated_at=when)
    if isinstance(what, Milestone):
        if incident.times.aware_at is None:
            raise ValidationFailed.field("aware_at", "set when the organisation became aware "
                                         "first: the NIS2 deadlines run from it")
        timeline.append(_entry(actor, incident.id, when, TimelineKind.ACTION,
                               f"NIS2 {what.value} submitted"))
        submissions = {**incident.submissions, what: Submission(when, actor.user_id)}
        return replace(incident, submissions=submissions, version=incident.version + 1,
                       updated_at=when)
    text = f.text("text", 20_000, required=True)(what)
    timeline.append(_entry(actor, incident.id, when, TimelineKind.ACTION, text))
    return incident


def _observables(incident: Incident, d: Draft) -> list[Observable]:
    """As `observables.add` one by one: the same value twice widens its first/last seen."""
    found: dict[tuple[str, str], Observable] = {}
    for item in d.observables:
        o = observables.build(
            incident, d.filed_at, type=item.get("type"), value=item.get("value"),
            role=item.get("role", "ioc"), tlp=item.get("tlp"),
            first_seen=item.get("first_seen"), last_seen=item.get("last_seen"),
            comment=item.get("comment", ""))
        key = (o.type.value, o.value)
        old = found.get(key)
        found[key] = o if old is None else observables.merge(old, o)
    return list(found.values())
