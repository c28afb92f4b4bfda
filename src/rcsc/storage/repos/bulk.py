"""Batch writes of incidents, their children, observables and timeline entries: one
executemany per table per batch instead of a dozen statements per incident.

For imports, the demo and benchmarks. It writes exactly the rows `IncidentRepo` writes for
the same values (tests file the same incidents both ways and compare); checking the values
is the caller's job, as it is for `IncidentRepo`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from rcsc.core.incidents import Incident, Observable, TimelineEntry
from rcsc.storage.repos.incidents import _fields
from rcsc.storage.tables import (
    IncidentCountryRow,
    IncidentMilestoneRow,
    IncidentRecipientRow,
    IncidentRow,
    ObservableRow,
    TimelineRow,
)

BATCH = 2000


def _recipient_rows(i: Incident) -> Iterable[dict[str, Any]]:
    r = i.recipients
    refs = [("org", o) for o in r.org_ids] + [("community", c) for c in r.community_ids]
    refs += [("user", u) for u in r.user_ids]
    return ({"incident_id": i.id, "kind": kind, "ref_id": ref} for kind, ref in refs)


def _milestone_rows(i: Incident) -> Iterable[dict[str, Any]]:
    return ({"incident_id": i.id, "milestone": m.value, "submitted_at": s.at,
             "submitted_by": s.by} for m, s in i.submissions.items())


def _observable_row(o: Observable) -> dict[str, Any]:
    return {"id": o.id, "incident_id": o.incident_id, "type": o.type.value, "value": o.value,
            "role": o.role.value, "tlp": o.tlp.value if o.tlp else None,
            "first_seen": o.first_seen, "last_seen": o.last_seen, "comment": o.comment,
            "created_at": o.created_at}


def _timeline_row(e: TimelineEntry) -> dict[str, Any]:
    return {"id": e.id, "incident_id": e.incident_id, "at": e.at, "kind": e.kind.value,
            "text": e.text, "author_id": e.author_id, "author_name": e.author_name,
            "from_status": e.from_status.value if e.from_status else None,
            "to_status": e.to_status.value if e.to_status else None}


class BulkIncidentRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _insert(self, model: Any, rows: Iterable[dict[str, Any]]) -> int:
        """Core executemany (not the ORM's bulk path, which costs more per row)."""
        table: Table = model.__table__
        connection = self.s.connection()
        batch: list[dict[str, Any]] = []
        written = 0
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                connection.execute(insert(table), batch)
                written, batch = written + len(batch), []
        if batch:
            connection.execute(insert(table), batch)
        return written + len(batch)

    def add_incidents(self, incidents: Sequence[Incident]) -> None:
        self.s.flush()  # pending ORM writes (e.g. the recipients' rows) go first
        self._insert(IncidentRow, ({"id": i.id, "created_at": i.created_at, **_fields(i)}
                                   for i in incidents))
        self._insert(IncidentRecipientRow, (r for i in incidents for r in _recipient_rows(i)))
        self._insert(IncidentCountryRow, ({"incident_id": i.id, "country": c}
                                          for i in incidents for c in sorted(i.countries)))
        self._insert(IncidentMilestoneRow, (m for i in incidents for m in _milestone_rows(i)))

    def add_observables(self, observables: Sequence[Observable]) -> None:
        self._insert(ObservableRow, (_observable_row(o) for o in observables))

    def add_timeline(self, entries: Sequence[TimelineEntry]) -> None:
        self._insert(TimelineRow, (_timeline_row(e) for e in entries))
