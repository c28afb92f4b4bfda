"""Correlation: for an incident, a STIX object or a list of values, the items of any
organisation or country that carry the same values (or addresses inside each other's CIDR
ranges), through the sharing rule: a viewer learns of a match only with an item it may see,
and the number of matches it may not see is never told.

A value carried by more than `limit` objects (of anyone) is over-correlating: it is named
as such and not expanded, as MISP does with its correlation limit; never silently dropped.

A benign value (a MISP warninglist the node applies, or a local allow-list, names it) is no
reason for two items to be related: in an item's correlation it is named in `benign` with
its reasons and not expanded, and a match found through a benign value (an address inside
an allow-listed range) is dropped. A lookup is different: the analyst asked about the value,
so every item carrying it is shown, with the verdict beside it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Principal
from rcsc.core.intel import IndexedValue, Match, MatchedObject, detect
from rcsc.core.permissions import Action, require
from rcsc.core.tlp import Tlp
from rcsc.errors import NotFound, ValidationFailed
from rcsc.incidents import service
from rcsc.incidents.service import AUDITED_READS, viewer_for
from rcsc.intel import benign, sightings
from rcsc.stix.ids import is_stix_id
from rcsc.storage import UnitOfWork

DEFAULT_LIMIT = 100  # objects per value before it counts as over-correlating
MAX_MATCHES = 5000  # postings read per request
MAX_VALUES = 10_000  # values per lookup
INCIDENT_PREFIX = "incident:"


@dataclass
class Related:
    """One related item: an incident (all its published objects) or one STIX object, with
    the values it shares (asked, found)."""

    kind: str  # "incident" or "object"
    ref: str  # the incident's UUID or the object's STIX id
    title: str
    tlp: Tlp
    owner_org_id: uuid.UUID
    countries: tuple[str, ...] = ()
    shared: list[tuple[IndexedValue, IndexedValue]] = field(default_factory=list)


@dataclass(frozen=True)
class Correlation:
    values: list[IndexedValue]  # what the item carries
    related: list[Related]
    over_correlating: list[IndexedValue]
    benign: dict[IndexedValue, list[str]] = field(default_factory=dict)  # value -> reasons
    matches: list[Match] = field(default_factory=list)  # what `related` was grouped from


def _incident_of(obj: MatchedObject) -> uuid.UUID | None:
    if obj.source_key and obj.source_key.startswith(INCIDENT_PREFIX):
        try:
            return uuid.UUID(obj.source_key.removeprefix(INCIDENT_PREFIX))
        except ValueError:
            return None
    return None


def _group(uow: UnitOfWork, actor: Principal, matches: list[Match]) -> list[Related]:
    items: dict[str, Related] = {}
    for match in matches:
        obj = match.obj
        incident_id = _incident_of(obj)
        key = str(incident_id) if incident_id else obj.stix_id
        item = items.get(key)
        if item is None:
            item = _item(uow, actor, obj, incident_id)
            if item is None:
                continue
            items[key] = item
        pair = (match.asked, match.found)
        if pair not in item.shared:
            item.shared.append(pair)
    return list(items.values())


def _item(uow: UnitOfWork, actor: Principal, obj: MatchedObject,
          incident_id: uuid.UUID | None) -> Related | None:
    if incident_id is None:
        return Related("object", obj.stix_id, obj.name or obj.stix_id, obj.tlp,
                       obj.owner_org_id)
    try:  # the incident's own rule, once more: never show more than the incident API would
        incident = service.get(uow, actor, incident_id)
    except NotFound:
        return None
    return Related("incident", str(incident.id), incident.title, incident.tlp,
                   incident.owner_org_id, tuple(sorted(incident.countries)))


def _correlate(uow: UnitOfWork, actor: Principal, values: list[IndexedValue],
               exclude: set[str], limit: int, *, expand_benign: bool = False) -> Correlation:
    verdicts = benign.load(uow)
    flagged = verdicts.of(values)
    spread = uow.intel.spread([v.key for v in values], limit)
    hot = [v for v in values if spread.get(v.key, 0) > limit]
    skip = set(hot) if expand_benign else set(hot) | set(flagged)
    cool = [v for v in values if v not in skip]
    # `spread` counted the postings of every key: one with none need not be looked up
    matches = uow.intel.matches(viewer_for(uow, actor), cool, MAX_MATCHES,
                                present=spread.keys()) if cool else []
    kept = [m for m in matches if m.obj.stix_id not in exclude
            and (m.obj.source_key or "") not in exclude
            and spread.get(m.found.key, 0) <= limit]
    if not expand_benign:
        found_flagged = verdicts.of({m.found for m in kept} - set(values))
        kept = [m for m in kept if m.found not in found_flagged]
    related = _group(uow, actor, kept)
    restricted = [r.ref for r in related if r.tlp in AUDITED_READS]
    if restricted:
        record(uow, actor, AuditEvent("intel.read", object_type="correlation",
                                      detail={"count": len(restricted),
                                              "refs": restricted[:100]}))
    return Correlation(values, related, hot, flagged, kept)


def for_incident(uow: UnitOfWork, actor: Principal, incident_id: uuid.UUID,
                 limit: int = DEFAULT_LIMIT) -> Correlation:
    require(actor, Action.INTEL_READ)
    incident = service.get(uow, actor, incident_id)  # 404 for one the caller may not see
    source = f"{INCIDENT_PREFIX}{incident.id}"
    pks = uow.intel.object_pks(viewer_for(uow, actor), source_key=source)
    return _correlate(uow, actor, uow.intel.values_of(pks), {source}, limit)


def for_object(uow: UnitOfWork, actor: Principal, stix_id: str,
               limit: int = DEFAULT_LIMIT) -> Correlation:
    require(actor, Action.INTEL_READ)
    if not is_stix_id(stix_id):
        raise ValidationFailed.field("stix_id", f"{stix_id!r} is not a STIX id such as "
                                                "indicator--<UUID>")
    pks = uow.intel.object_pks(viewer_for(uow, actor), stix_id=stix_id)
    if not pks:
        raise NotFound("object", stix_id)
    return _correlate(uow, actor, uow.intel.values_of(pks), {stix_id}, limit)


@dataclass(frozen=True)
class ValueReport:
    """What the viewer may know of one value asked: the verdict, how many visible items
    carry it, what the visible sightings say, and when it was first and last seen (the
    items' storing times widened by the sightings)."""

    value: IndexedValue
    benign: list[str]
    over_correlating: bool
    items: int
    sightings: sightings.Summary
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True)
class Lookup:
    values: list[IndexedValue]
    unrecognised: list[str]  # what was given that is no value of an indexed type
    correlation: Correlation
    reports: list[ValueReport] = field(default_factory=list)


def recognise(texts: list[str]) -> tuple[list[IndexedValue], list[str]]:
    """The values among the texts (type guessed, defanged forms understood), without
    repeats, and the texts that are no value of an indexed type."""
    if len(texts) > MAX_VALUES:
        raise ValidationFailed.field("values", f"at most {MAX_VALUES:,} values at once")
    values: dict[IndexedValue, None] = {}
    unknown: list[str] = []
    for text in texts:
        if not text.strip():
            continue
        found = detect(text)
        if found is None:
            unknown.append(text)
        else:
            values[found] = None
    return list(values), unknown


def lookup(uow: UnitOfWork, actor: Principal, texts: list[str],
           limit: int = DEFAULT_LIMIT) -> Lookup:
    """Every visible item carrying any of the given values (defanged forms understood),
    with each value's verdict, sightings and first/last seen: the value search."""
    require(actor, Action.INTEL_READ)
    asked, unknown = recognise(texts)
    found = _correlate(uow, actor, asked, set(), limit, expand_benign=True)
    return Lookup(asked, unknown, found, _reports(uow, actor, found))


def _reports(uow: UnitOfWork, actor: Principal, found: Correlation) -> list[ValueReport]:
    by_value: dict[IndexedValue, list[Match]] = {}
    for match in found.matches:
        by_value.setdefault(match.asked, []).append(match)
    seen = sightings.visible(uow, actor, values=found.values,
                             stix_ids=sorted({m.obj.stix_id for m in found.matches}))
    # each sighting by its value and by its object: a value's own ones are looked up, not
    # searched for among all (a 1,000-value lookup compared every pair)
    by_key: dict[IndexedValue | str, list[int]] = {}
    for n, one in enumerate(seen):
        for ref in (one.value, one.stix_id):
            if ref is not None:
                by_key.setdefault(ref, []).append(n)
    hot = set(found.over_correlating)
    none = sightings.summarise([])
    reports = []
    for value in found.values:
        mine = by_value.get(value, [])
        if not mine and value not in by_key:  # nothing visible carries or saw it
            reports.append(ValueReport(value, found.benign.get(value, []), value in hot,
                                       0, none, None, None))
            continue
        refs: list[IndexedValue | str] = [value, *{m.obj.stix_id for m in mine}]
        own = [seen[n] for n in sorted({n for ref in refs for n in by_key.get(ref, [])})]
        summary = sightings.summarise(own) if own else none
        times = [m.obj.date_added for m in mine]
        times += [t for t in (summary.first_seen, summary.last_seen) if t is not None]
        items = {str(_incident_of(m.obj) or m.obj.stix_id) for m in mine}
        reports.append(ValueReport(value, found.benign.get(value, []), value in hot,
                                   len(items), summary, min(times, default=None),
                                   max(times, default=None)))
    return reports


def over_correlating(uow: UnitOfWork, actor: Principal, limit: int = DEFAULT_LIMIT,
                     top: int = 100) -> list[tuple[IndexedValue, int]]:
    """The values carried by more than `limit` items, most first (node admins: the count is
    over every item, seen or not, so only the admins of the node read it)."""
    require(actor, Action.COLLECTION_MANAGE)
    return uow.intel.busiest(limit, top)
