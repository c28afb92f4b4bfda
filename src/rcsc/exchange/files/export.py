"""Exports of a TAXII collection as a STIX 2.1 bundle, one MISP event, CSV or a plain list
of values, of any size.

Permission, format, filters and the audit row (`intel.export`) are settled in the caller's
unit of work before the first byte; the objects are then read a page at a time inside a
read-only transaction of the stream's own (start it after that unit of work committed), with
the caller's viewer, so the sharing rule applies to every object in SQL as in TAXII reads
(and the federation boundary, for a peer node's account).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import orjson

from rcsc.accounts.audit import record
from rcsc.core.exchange import Collection, ObjectQuery, ObjectVersion
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.incidents import ObservableRole
from rcsc.core.permissions import Action, require
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.exchange import collections
from rcsc.exchange.files.csv_in import COLUMNS as CSV_COLUMNS
from rcsc.exchange.files.csv_in import FORMULA_START
from rcsc.exchange.files.items import Item, Walk, pages
from rcsc.exchange.taxii import for_caller
from rcsc.incidents.service import viewer_for
from rcsc.sharing import Viewer
from rcsc.stix.common import STIX_TYPE
from rcsc.stix.ids import RCSC_NAMESPACE
from rcsc.stix.misp import (
    EventHead,
    MispAttribute,
    category_of,
    event_end,
    event_start,
    misp_type,
)
from rcsc.storage import Database, UnitOfWork

EXPORT_FORMATS = ("stix", "misp", "csv", "values")
MEDIA_TYPES = {"stix": "application/stix+json;version=2.1", "misp": "application/json",
               "csv": "text/csv; charset=utf-8", "values": "text/plain; charset=utf-8"}
SUFFIXES = {"stix": "json", "misp": "misp.json", "csv": "csv", "values": "txt"}
MAX_TYPES = 50
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ExportRequest:
    format: str = "stix"
    collection: str = collections.SHARED
    types: frozenset[str] = frozenset()  # STIX types, as TAXII's match[type]
    added_after: datetime | None = None


@dataclass(frozen=True)
class _Plan:
    request: ExportRequest
    collection: Collection
    viewer: Viewer | None
    query: ObjectQuery
    head: EventHead


def check(request: ExportRequest) -> None:
    if request.format not in EXPORT_FORMATS:
        raise ValidationFailed.field("format", f"{request.format!r} is not one of "
                                               f"{', '.join(EXPORT_FORMATS)}")
    bad = [t for t in request.types if not STIX_TYPE.match(t)]
    if bad or len(request.types) > MAX_TYPES:
        raise ValidationFailed.field("type", f"{bad[0]!r} is not a STIX type" if bad else
                                     f"at most {MAX_TYPES} types")


def visible_count(uow: UnitOfWork, actor: Principal, key: str) -> int:
    """How many objects of the collection the caller may see (a progress bar's total)."""
    collection = collections.get(uow, actor, key).collection
    return uow.stix.count(viewer_for(uow, actor), collection.id)


def export(uow: UnitOfWork, db: Database, actor: Principal, request: ExportRequest,
           progress: Progress | None = None) -> Iterator[bytes]:
    """Check, audit and return the stream; nothing is read for it until it is iterated."""
    require(actor, Action.INTEL_READ)
    check(request)
    collection = collections.get(uow, actor, request.collection).collection
    query = for_caller(actor, ObjectQuery(added_after=request.added_after,
                                          types=request.types))
    record(uow, actor, AuditEvent("intel.export", object_type="collection",
                                  object_id=str(collection.id), detail={
                                      "format": request.format, "collection": collection.alias,
                                      "types": sorted(request.types),
                                      "added_after": request.added_after.isoformat()
                                      if request.added_after else None}))
    plan = _Plan(request, collection, viewer_for(uow, actor), query,
                 _head(uow, actor, collection, request))
    return _stream(db, plan, progress)


def _head(uow: UnitOfWork, actor: Principal, collection: Collection,
          request: ExportRequest) -> EventHead:
    """The MISP event an export becomes: the same UUID for the same account, collection and
    filters, so loading a newer export into MISP updates the event instead of adding one."""
    org = uow.orgs.get(actor.org_id) if actor.org_id else None
    key = f"rcsc-export/{collection.id}/{actor.user_id}/{sorted(request.types)}/" \
          f"{request.added_after}"
    return EventHead(uuid=str(uuid.uuid5(RCSC_NAMESPACE, key)),
                     info=f"RCSC export: {collection.title}", created=uow.clock.now(),
                     org_name=org.name if org else "RCSC",
                     org_uuid=str(org.id) if org else str(uuid.uuid5(RCSC_NAMESPACE, "rcsc")))


def _stream(db: Database, plan: _Plan, progress: Progress | None) -> Iterator[bytes]:
    with db.transaction(readonly=True) as uow:
        walk = pages(uow, plan.viewer, plan.collection.id, progress)
        if plan.request.format == "stix":
            yield from _bundle(walk(plan.query))
            return

        def fetch(ids: frozenset[str]) -> list[ObjectVersion]:
            return uow.stix.page(plan.viewer, plan.collection.id, ObjectQuery(
                ids=ids, limit=len(ids), boundary=plan.query.boundary))[0]
        passes = Walk(walk, plan.query, fetch)
        items = iter(passes)
        if plan.request.format == "misp":
            yield from _misp(items, plan, passes)
        elif plan.request.format == "csv":
            yield from _csv(items)
        else:
            yield from _values(items)


def _bundle(walk: Iterator[list[ObjectVersion]]) -> Iterator[bytes]:
    """A STIX 2.1 bundle whose objects are the stored bodies, byte for byte."""
    yield b'{"type":"bundle","id":"bundle--' + str(uuid.uuid4()).encode() + b'"'
    first = True
    for page in walk:
        yield (b',"objects":[' if first else b",") + b",".join(v.body for v in page)
        first = False
    yield b"}\n" if first else b"]}\n"


def _misp(items: Iterator[Item], plan: _Plan, passes: Walk) -> Iterator[bytes]:
    yield event_start(plan.head)
    widest: Tlp | None = None
    for index, item in enumerate(items):
        kind = misp_type(item.kind, item.misp.type)
        attribute = MispAttribute(
            uuid=item.uuid, type=kind, category=category_of(kind, item.misp.category),
            value=item.value, to_ids=item.from_indicator and item.role is ObservableRole.IOC,
            tlp=item.tlp, modified=item.modified, comment=item.description,
            tags=item.misp.tags)
        widest = item.tlp if widest is None or item.tlp.rank < widest.rank else widest
        yield (b"," if index else b"") + orjson.dumps(attribute.as_json())
    yield event_end(widest or plan.collection.default_tlp, passes.event_tags)


def defuse(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(items: Iterator[Item]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        writer.writerow([defuse(cell) for cell in (
            item.kind.value, item.value, item.tlp.value, item.role.value,
            ";".join(item.misp.tags), item.first_seen, item.last_seen, item.description)])
        if buffer.tell() > 64_000:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _values(items: Iterator[Item]) -> Iterator[bytes]:
    """One value a line; a value holding a line break (a user agent, say) is left out, as
    it cannot be told from two values."""
    batch: list[str] = []
    for item in items:
        if "\n" not in item.value and "\r" not in item.value:
            batch.append(item.value)
        if len(batch) >= 1000:
            yield ("\n".join(batch) + "\n").encode()
            batch = []
    if batch:
        yield ("\n".join(batch) + "\n").encode()
