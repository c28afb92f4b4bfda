"""Export of the incidents a caller may see, as CSV or a JSON array, of any size.

Permission, format and the audit row are settled in the request's unit of work before the
first byte; the rows are then read in batches inside their own read-only transaction
(start the stream after that unit of work has committed), through the same sharing filter
as every other read, so an export never holds more than one batch in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.incidents import Incident
from rcsc.core.permissions import Action, require
from rcsc.errors import NotFound, ValidationFailed
from rcsc.incidents import service
from rcsc.incidents.filters import describe
from rcsc.sharing import PUBLIC, Viewer
from rcsc.storage import Database, UnitOfWork
from rcsc.storage.repos.incidents import IncidentQuery, Page

EXPORT_FORMATS = ("csv", "json")
BATCH = 500
FIELDS = (
    "id", "title", "summary", "rsit_class", "rsit_type", "severity", "status", "tlp",
    "owner_org_id", "author_id", "countries", "sector", "subsector", "affected_systems",
    "affected_users", "cross_border", "critical_infrastructure", "started_at", "detected_at",
    "aware_at", "contained_at", "ended_at", "attack_techniques", "cves", "threat_actors",
    "malware", "recipient_org_ids", "recipient_community_ids", "recipient_user_ids",
    "exercise_id", "version", "created_at", "updated_at",
)
# Internal references an anonymous reader has no use for (and should not learn).
PUBLIC_FIELDS = tuple(name for name in FIELDS if name not in {
    "author_id", "recipient_org_ids", "recipient_community_ids", "recipient_user_ids",
    "exercise_id"})
# A cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP):
# incidents come from other organisations, so such cells are prefixed with an apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_dict(incident: Incident) -> dict[str, Any]:
    """The incident as JSON-ready values, keyed like the API's fields."""
    i, r = incident, incident.recipients
    values: dict[str, Any] = {
        "id": i.id, "title": i.title, "summary": i.summary, "rsit_class": i.rsit_class,
        "rsit_type": i.rsit_type, "severity": i.severity.value, "status": i.status.value,
        "tlp": i.tlp.value, "owner_org_id": i.owner_org_id, "author_id": i.author_id,
        "countries": sorted(i.countries), "sector": i.sector, "subsector": i.subsector,
        "affected_systems": i.impact.affected_systems,
        "affected_users": i.impact.affected_users, "cross_border": i.impact.cross_border,
        "critical_infrastructure": i.impact.critical_infrastructure,
        **{name: getattr(i.times, name) for name in service.TIME_FIELDS},
        "attack_techniques": list(i.attack_techniques), "cves": list(i.cves),
        "threat_actors": list(i.threat_actors), "malware": list(i.malware),
        "recipient_org_ids": sorted(r.org_ids, key=str),
        "recipient_community_ids": sorted(r.community_ids, key=str),
        "recipient_user_ids": sorted(r.user_ids, key=str),
        "exercise_id": i.exercise_id, "version": i.version, "created_at": i.created_at,
        "updated_at": i.updated_at,
    }
    return values


def export(uow: UnitOfWork, db: Database, actor: Principal, q: IncidentQuery,
           fmt: str) -> Iterator[bytes]:
    """Check, audit (action `incident.export`, with the filter and the count) and return the
    stream; nothing is read for the stream until it is iterated."""
    require(actor, Action.INCIDENT_READ)
    _check_format(fmt)
    total = service.count(uow, actor, q)
    record(uow, actor, AuditEvent("incident.export", object_type="incident", detail={
        "format": fmt, "filter": describe(q), "count": total}))
    return _stream(db, service.viewer_for(uow, actor), q, fmt, FIELDS)


def export_public(uow: UnitOfWork, db: Database, actor: Principal, q: IncidentQuery,
                  fmt: str, *, enabled: bool) -> Iterator[bytes]:
    """The TLP:CLEAR incidents for anyone, without credentials, when the node enables it
    (`RCSC_ANONYMOUS_CLEAR_EXPORT`): the sharing rule read for a viewer with no relation
    to anything, real incidents only, no internal references. Audited like any export."""
    if not enabled:
        raise NotFound("export", "for anonymous readers (not enabled on this node)")
    _check_format(fmt)
    public = replace(q, exercise=False)
    total = uow.incidents.count(PUBLIC, public)
    record(uow, actor, AuditEvent("incident.export", object_type="incident", detail={
        "format": fmt, "filter": describe(public), "count": total, "anonymous": True}))
    return _stream(db, PUBLIC, public, fmt, PUBLIC_FIELDS)


def _check_format(fmt: str) -> None:
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed.field("format", f"must be one of: {', '.join(EXPORT_FORMATS)}")


def _stream(db: Database, viewer: Viewer | None, q: IncidentQuery, fmt: str,
            fields: tuple[str, ...]) -> Iterator[bytes]:
    with db.transaction(readonly=True) as uow:
        incidents = _visible(uow, viewer, q)
        yield from (_csv(incidents, fields) if fmt == "csv" else _json(incidents, fields))


def _visible(uow: UnitOfWork, viewer: Viewer | None, q: IncidentQuery) -> Iterator[Incident]:
    """Oldest first, in batches, by keyset (created_at, id): no row twice, none skipped."""
    after = None
    while True:
        batch = uow.incidents.search(viewer, q, Page(descending=False, after=after,
                                                     limit=BATCH))
        yield from batch
        if len(batch) < BATCH:
            return
        after = (batch[-1].created_at, batch[-1].id)


def _json(incidents: Iterator[Incident], fields: tuple[str, ...]) -> Iterator[bytes]:
    yield b"["
    for index, incident in enumerate(incidents):
        row = as_dict(incident)
        yield (b"," if index else b"") + orjson.dumps({name: row[name] for name in fields},
                                                      option=orjson.OPT_UTC_Z)
    yield b"]\n"


def _cell(value: Any) -> str:
    """Lists are joined with "; "; times are ISO 8601 in UTC; formulas are defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # UTC, written as the API writes it
        return value.isoformat().replace("+00:00", "Z")
    text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(incidents: Iterator[Incident], fields: tuple[str, ...]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    for incident in incidents:
        row = as_dict(incident)
        writer.writerow([_cell(row[name]) for name in fields])
        if buffer.tell() > 64_000:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
