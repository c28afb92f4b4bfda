"""Filing, reading, editing and moving incidents through their workflow.

Reads go through the storage layer's sharing filter with the caller's `Viewer`; a caller
who may not see an incident gets the same 404 as for one that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.incidents import (
    Deadline,
    Impact,
    Incident,
    Milestone,
    Recipients,
    Status,
    Submission,
    TimelineEntry,
    TimelineKind,
    Times,
    may_transition,
)
from rcsc.core.permissions import Action, require
from rcsc.core.tlp import Tlp
from rcsc.errors import FieldError, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed
from rcsc.incidents import fields as f
from rcsc.incidents import publish
from rcsc.sharing import Viewer
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.incidents import IncidentQuery, Page

AUDITED_READS = frozenset({Tlp.AMBER_STRICT, Tlp.RED})
TIME_FIELDS = ("started_at", "detected_at", "aware_at", "contained_at", "ended_at")
EDITABLE = frozenset({
    "title", "summary", "rsit_class", "rsit_type", "severity", "tlp", "countries", "sector",
    "subsector", "affected_systems", "affected_users", "cross_border",
    "critical_infrastructure", *TIME_FIELDS, "attack_techniques", "cves", "threat_actors",
    "malware", "recipient_org_ids", "recipient_community_ids", "recipient_user_ids",
})
# What filing may set, and what it must set; `bulk` files by the same rules, so they are
# public like the functions that apply them.
CREATABLE = EDITABLE | {"exercise_id"}
REQUIRED = ("title", "rsit_class", "rsit_type", "severity", "tlp")


def viewer_for(uow: UnitOfWork, actor: Principal) -> Viewer | None:
    """None for callers that belong to no organisation: they see nothing marked."""
    if actor.user_id is None or actor.org_id is None:
        return None
    return uow.incidents.viewer(actor.user_id, actor.org_id)


def blank_incident(actor: Principal, now: datetime) -> Incident:
    """The empty incident of the actor's organisation that filing applies its fields to;
    public so `bulk` builds incidents from exactly the same starting point."""
    assert actor.org_id is not None
    return Incident(
        id=uuid.uuid4(), title="", summary="", rsit_class="", rsit_type="",
        severity=f.severity("low"), status=Status.NEW, tlp=Tlp.AMBER,
        owner_org_id=actor.org_id, author_id=actor.user_id, recipients=Recipients(),
        countries=frozenset(), sector=None, subsector=None, impact=Impact(), times=Times(),
        attack_techniques=(), cves=(), threat_actors=(), malware=(), exercise_id=None,
        version=1, created_at=now, updated_at=now,
    )


def apply_changes(uow: UnitOfWork, base: Incident, changes: Mapping[str, Any],
                  allowed: frozenset[str]) -> Incident:
    """`base` with `changes` applied; every invalid field is reported at once. The one
    place fields are checked, so filing, editing and `bulk` cannot drift apart."""
    c = f.Collector()
    f.unknown(changes, allowed, c)
    get = changes.get
    title = c.check("title", f.text("title", f.MAX_TITLE, required=True),
                    get("title", base.title))
    summary = c.check("summary", f.text("summary", f.MAX_SUMMARY, required=False),
                      get("summary", base.summary))
    rsit = c.check("rsit_class", lambda _: f.rsit(get("rsit_class", base.rsit_class),
                                                  get("rsit_type", base.rsit_type)), None)
    sector = c.check("sector", lambda _: f.sector(get("sector", base.sector),
                                                  get("subsector", base.subsector)), None)
    values: dict[str, Any] = {
        "severity": c.check("severity", f.severity, get("severity", base.severity)),
        "tlp": c.check("tlp", f.tlp, get("tlp", base.tlp)),
        "countries": c.check("countries", f.countries, get("countries", base.countries)),
        "attack_techniques": c.check("attack_techniques", f.techniques,
                                     get("attack_techniques", base.attack_techniques)),
        "cves": c.check("cves", f.cves, get("cves", base.cves)),
        "threat_actors": c.check("threat_actors", f.names("threat_actors"),
                                 get("threat_actors", base.threat_actors)),
        "malware": c.check("malware", f.names("malware"), get("malware", base.malware)),
    }
    impact = Impact(
        c.check("affected_systems", f.count("affected_systems"),
                get("affected_systems", base.impact.affected_systems)),
        c.check("affected_users", f.count("affected_users"),
                get("affected_users", base.impact.affected_users)),
        bool(c.check("cross_border", f.flag("cross_border"),
                     get("cross_border", base.impact.cross_border))),
        bool(c.check("critical_infrastructure", f.flag("critical_infrastructure"),
                     get("critical_infrastructure", base.impact.critical_infrastructure))),
    )
    times = Times(**{name: c.check(name, f.moment(name), get(name, getattr(base.times, name)))
                     for name in TIME_FIELDS})
    recipients = _recipients(uow, base.recipients, changes, c)
    exercise = c.check("exercise_id", lambda v: f.ids("exercise_id")([v]) if v else None,
                       get("exercise_id", base.exercise_id))
    c.raise_if_any()
    assert rsit is not None and sector is not None
    return replace(
        base, title=title or "", summary=summary or "", rsit_class=rsit[0], rsit_type=rsit[1],
        sector=sector[0], subsector=sector[1], impact=impact, times=times,
        recipients=recipients, exercise_id=next(iter(exercise)) if exercise else None,
        **values,
    )


def _recipients(uow: UnitOfWork, base: Recipients, changes: Mapping[str, Any],
                c: f.Collector) -> Recipients:
    lookups = {
        "recipient_org_ids": (base.org_ids, uow.orgs.get),
        "recipient_community_ids": (base.community_ids, uow.communities.get),
        "recipient_user_ids": (base.user_ids, uow.users.get),
    }
    result: dict[str, frozenset[uuid.UUID]] = {}
    for name, (current, lookup) in lookups.items():
        if name not in changes:
            result[name] = current
            continue
        found = c.check(name, f.ids(name), changes[name]) or frozenset()
        for index, ref in enumerate(sorted(found, key=str)):
            if lookup(ref) is None:
                c.fail(f"{name}.{index}", f"no such {name.split('_')[1]}: {ref}")
        result[name] = found
    return Recipients(result["recipient_org_ids"], result["recipient_community_ids"],
                      result["recipient_user_ids"])


def create(uow: UnitOfWork, actor: Principal, data: Mapping[str, Any]) -> Incident:
    require(actor, Action.INCIDENT_WRITE)
    if actor.org_id is None:
        raise PermissionDenied("filing an incident needs a member organisation")
    missing = [FieldError(name, "is required") for name in REQUIRED
               if data.get(name) in (None, "")]
    try:
        incident = apply_changes(uow, blank_incident(actor, uow.clock.now()), data, CREATABLE)
    except ValidationFailed as exc:  # every error at once: the missing fields and the rest
        named = {e.field for e in missing}
        raise ValidationFailed(missing + [e for e in exc.errors if e.field not in named]) \
            from None
    if missing:
        raise ValidationFailed(missing)
    uow.incidents.add(incident)
    publish.publish(uow, incident, observables=[])
    _timeline(uow, actor, incident.id, TimelineKind.STATUS, "Incident reported",
              to_status=Status.NEW)
    record(uow, actor, _event("incident.create", incident))
    return incident


def editable(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID,
             expected_version: int | None) -> Incident:
    """The incident if the actor may change it (and it is still at `expected_version`):
    404 unless visible, 403 unless the actor's organisation reported it. Public because
    observables and attachments are changed under the same rule."""
    require(actor, Action.INCIDENT_WRITE)
    incident = uow.incidents.get(incident_id, viewer_for(uow, actor))
    if incident is None:
        raise NotFound("incident", incident_id)
    if incident.owner_org_id != actor.org_id:
        raise PermissionDenied("only the reporting organisation edits an incident",
                               action="incident.write", required="owner organisation")
    if expected_version is not None and expected_version != incident.version:
        raise PreconditionFailed(
            f"the incident changed since version {expected_version}; it is now at "
            f"version {incident.version}: reload and try again", incident.version)
    return incident


def _store(uow: UnitOfWork, before: Incident, after: Incident) -> Incident:
    stored = replace(after, version=before.version + 1, updated_at=uow.clock.now())
    if not uow.incidents.update(stored, before.version):
        raise PreconditionFailed("the incident was changed by someone else at the same time; "
                                 "reload and try again", uow.incidents.current_version(before.id))
    publish.publish(uow, stored)
    return stored


def update(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID,
           changes: Mapping[str, Any], expected_version: int | None = None) -> Incident:
    if "status" in changes:
        raise ValidationFailed.field("status", "change the status with a transition "
                                     "(POST …/status), so it is recorded on the timeline")
    before = editable(uow, actor, incident_id, expected_version)
    after = apply_changes(uow, before, changes, EDITABLE)
    if after.tlp.rank < before.tlp.rank and actor.org_id != before.owner_org_id:
        raise PermissionDenied("only the owner organisation may lower the TLP level")
    stored = _store(uow, before, after)
    record(uow, actor, _event("incident.update", stored, changed=sorted(changes)))
    return stored


def transition(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID, target: str,
               note: str = "", expected_version: int | None = None) -> Incident:
    try:
        status = Status(target)
    except ValueError:
        raise ValidationFailed.field("status", f"{target!r} is not one of: "
                                     f"{', '.join(s.value for s in Status)}") from None
    before = editable(uow, actor, incident_id, expected_version)
    if not may_transition(before.status, status):
        raise ValidationFailed.field(
            "status", f"cannot go from {before.status.value} to {status.value}")
    stored = _store(uow, before, replace(before, status=status))
    text = f.text("note", 5000, required=False)(note) or f"Status: {status.value}"
    _timeline(uow, actor, incident_id, TimelineKind.STATUS, text,
              from_status=before.status, to_status=status)
    record(uow, actor, _event("incident.transition", stored,
                              **{"from": before.status.value, "to": status.value}))
    return stored


def add_entry(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID, kind: str,
              text: str, at: datetime | None = None) -> TimelineEntry:
    editable(uow, actor, incident_id, None)
    if kind not in (TimelineKind.NOTE, TimelineKind.ACTION):
        raise ValidationFailed.field("kind", "must be note or action")
    body = f.text("text", 20_000, required=True)(text)
    when = f.moment("at")(at) if at is not None else None
    entry = _timeline(uow, actor, incident_id, TimelineKind(kind), body, at=when)
    record(uow, actor, AuditEvent("incident.timeline", object_type="incident",
                                  object_id=str(incident_id), detail={"kind": kind}))
    return entry


def _timeline(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID, kind: TimelineKind,
              text: str, *, at: datetime | None = None, from_status: Status | None = None,
              to_status: Status | None = None) -> TimelineEntry:
    entry = TimelineEntry(
        id=uuid.uuid4(), incident_id=incident_id, at=at or uow.clock.now(), kind=kind,
        text=text, author_id=actor.user_id, author_name=actor.name or actor.email,
        from_status=from_status, to_status=to_status)
    uow.incidents.add_timeline(entry)
    return entry


def submit_milestone(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID,
                     milestone: str, at: datetime | None = None) -> Incident:
    try:
        which = Milestone(milestone)
    except ValueError:
        raise ValidationFailed.field("milestone", f"{milestone!r} is not one of: "
                                     f"{', '.join(m.value for m in Milestone)}") from None
    before = editable(uow, actor, incident_id, None)
    if before.times.aware_at is None:
        raise ValidationFailed.field("aware_at", "set when the organisation became aware "
                                     "first: the NIS2 deadlines run from it")
    when = f.moment("submitted_at")(at) if at is not None else uow.clock.now()
    assert when is not None
    submissions = {**before.submissions, which: Submission(when, actor.user_id)}
    stored = _store(uow, before, replace(before, submissions=submissions))
    _timeline(uow, actor, incident_id, TimelineKind.ACTION,
              f"NIS2 {which.value} submitted", at=when)
    record(uow, actor, _event("incident.nis2", stored, milestone=which.value))
    return stored


def get(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID) -> Incident:
    require(actor, Action.INCIDENT_READ)
    incident = uow.incidents.get(incident_id, viewer_for(uow, actor))
    if incident is None:
        raise NotFound("incident", incident_id)
    if incident.tlp in AUDITED_READS:
        record(uow, actor, _event("incident.read", incident))
    return incident


def timeline(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID) -> list[TimelineEntry]:
    get(uow, actor, incident_id)
    return uow.incidents.timeline(incident_id)


def search(uow: UnitOfWork, actor: Principal, q: IncidentQuery, page: Page) -> list[Incident]:
    require(actor, Action.INCIDENT_READ)
    return uow.incidents.search(viewer_for(uow, actor), q, page)


def browse(uow: UnitOfWork, actor: Principal, q: IncidentQuery,
           page: Page) -> tuple[list[Incident], bool]:
    """One page to show, and whether more follow. Showing an AMBER+STRICT or RED incident
    in a list reads it as much as opening it does, so those on the page are audited."""
    found = search(uow, actor, q, replace(page, limit=page.limit + 1))
    shown = found[:page.limit]
    note_shown(uow, actor, shown, "incident.list")
    return shown, len(found) > page.limit


def note_shown(uow: UnitOfWork, actor: Principal, incidents: Iterable[Incident],
               action: str) -> None:
    """One audit row naming the AMBER+STRICT and RED incidents among those shown, if any."""
    ids = sorted({str(i.id) for i in incidents if i.tlp in AUDITED_READS})
    if ids:
        record(uow, actor, AuditEvent(action, object_type="incident",
                                      detail={"incident_ids": ids}))


def count(uow: UnitOfWork, actor: Principal, q: IncidentQuery) -> int:
    require(actor, Action.INCIDENT_READ)
    return uow.incidents.count(viewer_for(uow, actor), q)


FACETS = ("status", "rsit_class", "severity", "tlp", "sector")


def facets(uow: UnitOfWork, actor: Principal, q: IncidentQuery) -> dict[str, dict[str, int]]:
    require(actor, Action.INCIDENT_READ)
    return uow.incidents.facets(viewer_for(uow, actor), q, FACETS)


def deadlines(uow: UnitOfWork, actor: Principal, *, own_org_only: bool,
              due_within: timedelta = timedelta(hours=24),
              limit: int = 500) -> list[tuple[Incident, Deadline]]:
    """Open NIS2 milestones that are overdue or due within `due_within`, soonest first,
    over the incidents the caller may see (the coordinator sees no more than that)."""
    require(actor, Action.INCIDENT_READ)
    now = uow.clock.now()
    q = IncidentQuery(owner_org_id=actor.org_id if own_org_only else None, aware_known=True)
    found: list[tuple[Incident, Deadline]] = []
    after = None
    while True:
        batch = uow.incidents.search(viewer_for(uow, actor), q,
                                     Page(after=after, limit=500))
        for incident in batch:
            for deadline in incident.deadlines():
                if deadline.overdue(now) or deadline.due_soon(now, due_within):
                    found.append((incident, deadline))
        if len(batch) < 500:
            break
        after = (batch[-1].created_at, batch[-1].id)
    found.sort(key=lambda pair: pair[1].due)
    return found[:limit]


def _event(action: str, incident: Incident, **detail: Any) -> AuditEvent:
    return AuditEvent(action, object_type="incident", object_id=str(incident.id),
                      detail={"tlp": incident.tlp.value, "version": incident.version, **detail})
