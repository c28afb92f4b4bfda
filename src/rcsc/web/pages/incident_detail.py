"""What the incident detail page shows: the incident, its people by name, timeline,
observables, NIS2 deadlines with their state at the current time, and the related items
of any organisation sharing a value with it (through the sharing rule: intel.correlate)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rcsc.accounts import communities, organisations
from rcsc.core.identity import Principal
from rcsc.core.incidents import Deadline, Incident
from rcsc.incidents import service
from rcsc.intel import correlate
from rcsc.storage import UnitOfWork
from rcsc.web.pages import incident_views as views

DUE_SOON = timedelta(hours=24)


@dataclass(frozen=True)
class DeadlineRow:
    deadline: Deadline
    state: str  # submitted | overdue | due-soon | open: a CSS class and a label
    submitted_by: str


def deadline_state(deadline: Deadline, now: datetime) -> str:
    if deadline.submitted is not None:
        return "submitted"
    if deadline.overdue(now):
        return "overdue"
    return "due-soon" if deadline.due_soon(now, DUE_SOON) else "open"


def user_label(uow: UnitOfWork, user_id: uuid.UUID | None) -> str:
    user = uow.users.get(user_id) if user_id else None
    return f"{user.name} <{user.email}>" if user else ""


def user_emails(uow: UnitOfWork, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    found = {i: uow.users.get(i) for i in ids}
    return {i: u.email for i, u in found.items() if u is not None}


def _recipients(uow: UnitOfWork, actor: Principal, incident: Incident) -> dict[str, list[str]]:
    orgs = views.org_names(organisations.list_all(uow, actor))
    groups = {c.id: c.name for c in communities.list_all(uow, actor)}
    r = incident.recipients
    return {
        "organisations": sorted(orgs.get(i, str(i)) for i in r.org_ids),
        "communities": sorted(groups.get(i, str(i)) for i in r.community_ids),
        "users": sorted(user_label(uow, i) or str(i) for i in r.user_ids),
    }


def context(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID) -> dict[str, Any]:
    """Visibility is decided once, by service.get (which also audits a read of AMBER+STRICT
    or RED); the timeline and observables are then read for that one incident, the
    observables through the sharing filter for their own, possibly stricter, level."""
    incident = service.get(uow, actor, incident_id)
    now = uow.clock.now()
    owner = uow.orgs.get(incident.owner_org_id)
    rows = [DeadlineRow(d, deadline_state(d, now),
                        user_label(uow, d.submitted.by) if d.submitted else "")
            for d in incident.deadlines()]
    return dict(
        incident=incident, owner_name=owner.name if owner else "",
        author=user_label(uow, incident.author_id), recipients=_recipients(uow, actor, incident),
        timeline=uow.incidents.timeline(incident.id),
        observables=uow.incidents.observables(service.viewer_for(uow, actor),
                                              incident_id=incident.id),
        deadlines=rows, now=now, editable=views.may_edit(actor, incident),
        next_statuses=views.next_statuses(incident.status),
        sector_name=views.sector_label(incident.sector, incident.subsector),
        correlation=correlate.for_incident(uow, actor, incident.id),
    )
