"""Search over the STIX objects stored on this node (any type: threat actors, malware,
reports, indicators, SCOs …): the newest version of each that the caller may see.

Like every read, it goes through the sharing rule in SQL, and hits at AMBER+STRICT or RED
are audited as `intel.read`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rcsc.accounts.audit import record
from rcsc.core.exchange import ObjectHit, ObjectSearch
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.permissions import Action, require
from rcsc.errors import FieldError, ValidationFailed
from rcsc.exchange import collections
from rcsc.exchange.query import decode_next, encode_next
from rcsc.exchange.taxii import AUDIT_IDS
from rcsc.incidents.service import AUDITED_READS, viewer_for
from rcsc.stix.common import STIX_TYPE
from rcsc.storage import UnitOfWork

MAX_TEXT = 500
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class Hits:
    items: list[ObjectHit]
    next: str | None  # the cursor of the following page, None on the last


def _position(cursor: str) -> tuple[datetime, int]:
    """The (date_added, pk) a cursor holds: the same keyset token as TAXII's `next`."""
    try:
        return decode_next(cursor)
    except ValidationFailed:
        raise ValidationFailed.field("cursor", "is not a cursor this search gave out; start "
                                               "again without it") from None


def query(text: str = "", types: list[str] | None = None, cursor: str = "",
          limit: int = DEFAULT_LIMIT) -> ObjectSearch:
    """The search asked for, or ValidationFailed naming every bad field."""
    errors: list[FieldError] = []
    text = text.strip()
    if len(text) > MAX_TEXT:
        errors.append(FieldError("q", f"at most {MAX_TEXT} characters"))
    kinds = [t.strip() for t in types or [] if t.strip()]
    errors += [FieldError("type", f"{t!r} is not a STIX type") for t in kinds
               if not STIX_TYPE.match(t)]
    if not 1 <= limit <= MAX_LIMIT:
        errors.append(FieldError("limit", f"must be between 1 and {MAX_LIMIT}"))
    before = None
    if cursor:
        try:
            before = _position(cursor)
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    return ObjectSearch(text=text, types=frozenset(kinds), before=before, limit=limit)


def search(uow: UnitOfWork, actor: Principal, q: ObjectSearch,
           collection: str | None = None) -> Hits:
    require(actor, Action.INTEL_READ)
    if collection:
        found = collections.get(uow, actor, collection).collection
        q = ObjectSearch(text=q.text, types=q.types, collection_id=found.id, before=q.before,
                         limit=q.limit)
    items, more = uow.stix_search.search(viewer_for(uow, actor), q)
    restricted = [hit.version.stix_id for hit in items if hit.version.tlp in AUDITED_READS]
    if restricted:
        record(uow, actor, AuditEvent("intel.read", object_type="search", detail={
            "q": q.text, "count": len(restricted), "ids": restricted[:AUDIT_IDS]}))
    last = items[-1].version if more and items else None
    return Hits(items, encode_next(last.date_added, last.pk) if last else None)
