"""MISP events as STIX 2.1, and MISP attributes from what RCSC stores.

MISP → STIX: misp-stix's `MISPtoSTIX21Parser` does the conversion (attributes, objects,
galaxies, the event as a `report`). It keeps MISP's own ids (an attribute's UUID becomes the
id of its indicator, observed-data and SCOs) but not MISP's audience: it writes TLP 1.0
markings from `tlp:*` tags only and drops `distribution` and sharing groups. So each object
is re-marked here with a TLP 2.0 marking (and RCSC's recipients extension where due) by
`audience_of`, the table below; the TLP 1.0 markings misp-stix wrote are removed.

STIX → MISP: exports stream one MISP event of any size, so attributes are written here one
by one (`attribute`), from the type, category and tags misp-stix left in `labels`
(`misp:type="ip-dst"`) when they are there, else from the observable's type.

Sources (CONVENTIONS §7): MISP core format (RFC draft-dulaunoy-misp-core-format §2.2.1
distribution 0-5, §2.3 attribute types and categories); FIRST TLP 2.0; MISP taxonomy `tlp`.
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from rcsc.core.incidents import Recipients
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.errors import FieldError, ValidationFailed
from rcsc.sharing.rule import stricter
from rcsc.stix.common import SCO_TYPES, StixObject
from rcsc.stix.markings import TLP_BY_MARKING_ID, marking_ref
from rcsc.stix.recipients import recipients_extension

# --- distribution and TLP -----------------------------------------------------------------

INHERIT = 5  # an attribute's or object's "inherit event" distribution
SHARING_GROUP = 4
# MISP distribution → TLP 2.0 when no `tlp:*` tag says otherwise. 0 "your organisation
# only" keeps it to the owner; 1 and 2 (this / connected communities) are the community's;
# 3 "all communities" is public; 4 a sharing group, AMBER to the group's known members.
DISTRIBUTION_TLP: dict[int, Tlp] = {
    0: Tlp.AMBER_STRICT, 1: Tlp.GREEN, 2: Tlp.GREEN, 3: Tlp.CLEAR, 4: Tlp.AMBER}
# TLP 2.0 → MISP distribution on export. AMBER would be a sharing group, which an export
# cannot name, so it is 0 with the `tlp:amber` tag saying who may still be told.
TLP_DISTRIBUTION: dict[Tlp, int] = {
    Tlp.CLEAR: 3, Tlp.GREEN: 1, Tlp.AMBER: 0, Tlp.AMBER_STRICT: 0, Tlp.RED: 0}
# The MISP `tlp` taxonomy's tags (TLP 1.0 and 2.0 names) → level.
TLP_TAGS: dict[str, Tlp] = {
    "tlp:clear": Tlp.CLEAR, "tlp:white": Tlp.CLEAR, "tlp:green": Tlp.GREEN,
    "tlp:amber": Tlp.AMBER, "tlp:amber+strict": Tlp.AMBER_STRICT, "tlp:red": Tlp.RED}


def tlp_tag(level: Tlp) -> str:
    """The MISP tag for a level (`tlp:amber+strict`); always written on export."""
    return f"tlp:{level.value}"


@dataclass(frozen=True)
class Audience:
    """The level an item gets and, for AMBER from a sharing group, who it names."""

    tlp: Tlp
    recipients: Recipients = field(default_factory=Recipients)

    def narrowed(self, other: Audience) -> Audience:
        """The stricter of two audiences: an attribute is never wider than its event."""
        return self if stricter(self.tlp, other.tlp) is self.tlp else other


def tag_level(names: Iterable[str]) -> Tlp | None:
    """The strictest `tlp:*` tag among tag names; None when there is none."""
    levels = [TLP_TAGS[n.strip().lower()] for n in names if n.strip().lower() in TLP_TAGS]
    return max(levels, key=lambda t: t.rank, default=None)


# --- reading a MISP event -----------------------------------------------------------------

KnownOrg = Callable[[uuid.UUID], bool]


def _fail(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(FieldError(path, message))


def _dict(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, "must be a JSON object")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(path, "must be a list")
    return value


def _distribution(item: dict[str, Any], path: str, allowed: range) -> int | None:
    """The item's distribution; None when it has none."""
    raw = item.get("distribution")
    if raw is None:
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if value not in allowed or isinstance(raw, bool):
        raise _fail(f"{path}.distribution", f"{raw!r} is not a MISP distribution "
                                            f"({allowed.start}-{allowed.stop - 1})")
    return value


def _uuid(item: dict[str, Any], path: str) -> str:
    try:
        return str(uuid.UUID(str(item.get("uuid"))))
    except ValueError:
        raise _fail(f"{path}.uuid", f"{item.get('uuid')!r} is not a UUID") from None


def _tags(item: dict[str, Any], path: str) -> list[str]:
    names = []
    for index, tag in enumerate(_list(item.get("Tag"), f"{path}.Tag")):
        name = _dict(tag, f"{path}.Tag.{index}").get("name")
        if not isinstance(name, str) or not name.strip():
            raise _fail(f"{path}.Tag.{index}.name", "must be a non-empty string")
        names.append(name)
    return names


@dataclass
class _Levels:
    """The audience of the event and of each attribute and object, by MISP UUID."""

    event: Audience
    group: Audience
    by_uuid: dict[str, Audience] = field(default_factory=dict)


def _group_audience(event: dict[str, Any], known: KnownOrg) -> Audience:
    """AMBER for a sharing group: its organisations this node knows become recipients."""
    group = event.get("SharingGroup")
    found: set[uuid.UUID] = set()
    if isinstance(group, dict):
        orgs = [group.get("Organisation")] + [
            entry.get("Organisation") for entry in _list(group.get("SharingGroupOrg"),
                                                         "Event.SharingGroup.SharingGroupOrg")
            if isinstance(entry, dict)]
        for org in orgs:
            try:
                org_id = uuid.UUID(str(org.get("uuid"))) if isinstance(org, dict) else None
            except ValueError:
                org_id = None
            if org_id is not None and known(org_id):
                found.add(org_id)
    return Audience(Tlp.AMBER, Recipients(org_ids=frozenset(found)))


def _own(item: dict[str, Any], path: str, parent: Audience, group: Audience,
         *, top: bool = False) -> Audience:
    """A `tlp:*` tag wins; else the distribution (5 or none: the parent's, which for the
    event is the collection's default). Never wider than the parent, except for the event
    itself, whose parent is only that default."""
    tagged = tag_level(_tags(item, path))
    distribution = _distribution(item, path, range(0, 5) if top else range(0, 6))
    if tagged is not None:
        own = group if tagged is Tlp.AMBER and distribution == SHARING_GROUP else \
            Audience(tagged)
    elif distribution is None or distribution == INHERIT:
        return parent
    elif distribution == SHARING_GROUP:
        own = group
    else:
        own = Audience(DISTRIBUTION_TLP[distribution])
    return own if top else parent.narrowed(own)


def _attributes(levels: _Levels, items: list[Any], path: str, parent: Audience) -> None:
    for index, raw in enumerate(items):
        where = f"{path}.{index}"
        attribute = _dict(raw, where)
        for key in ("type", "value"):
            if not isinstance(attribute.get(key), str) or not attribute[key]:
                raise _fail(f"{where}.{key}", "must be a non-empty string")
        levels.by_uuid[_uuid(attribute, where)] = _own(attribute, where, parent, levels.group)


def event_levels(event: dict[str, Any], known: KnownOrg, default: Audience) -> _Levels:
    """Check the parts of the event RCSC relies on and work out every audience."""
    group = _group_audience(event, known)
    top = _own(event, "Event", default, group, top=True)
    levels = _Levels(top, group)
    _attributes(levels, _list(event.get("Attribute"), "Event.Attribute"), "Event.Attribute",
                top)
    for index, raw in enumerate(_list(event.get("Object"), "Event.Object")):
        where = f"Event.Object.{index}"
        obj = _dict(raw, where)
        own = _own(obj, where, top, group)
        levels.by_uuid[_uuid(obj, where)] = own
        _attributes(levels, _list(obj.get("Attribute"), f"{where}.Attribute"),
                    f"{where}.Attribute", own)
    return levels


def event_of(document: Any, path: str = "") -> dict[str, Any]:
    """The event inside `{"Event": {...}}` (MISP's export and feed files) or a bare one."""
    inner = document.get("Event") if isinstance(document, dict) else None
    event = _dict(inner if inner is not None else document, path or "Event")
    for key in ("uuid", "info"):
        if not isinstance(event.get(key), str) or not event[key].strip():
            raise _fail(f"Event.{key}", "is required")
    _uuid(event, "Event")
    return event


# --- MISP → STIX --------------------------------------------------------------------------


def _uuid_part(stix_id: object) -> str:
    return stix_id.partition("--")[2] if isinstance(stix_id, str) else ""


def _parser() -> Any:
    """misp-stix, imported on first use: importing it (through python-stix 1, mixbox and
    lxml) makes `six` raise ImportWarnings, which are noise here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        from misp_stix_converter import MISPtoSTIX21Parser  # type: ignore[import-untyped]
    return MISPtoSTIX21Parser()


def _convert(event: dict[str, Any]) -> list[StixObject]:
    parser = _parser()
    try:
        parser.parse_misp_event({"Event": event})
    except Exception as exc:  # misp-stix raises many kinds of errors on odd input
        raise _fail("Event", f"misp-stix cannot convert this event ({exc})") from None
    bundle = orjson.loads(parser.bundle.serialize())
    objects: list[StixObject] = bundle.get("objects", [])
    return objects


def _is_tlp_definition(obj: StixObject) -> bool:
    return obj.get("type") == "marking-definition" and (
        obj.get("id") in TLP_BY_MARKING_ID or obj.get("definition_type") == "tlp")


def _container_levels(objects: list[StixObject], levels: _Levels) -> dict[str, Audience]:
    """An object misp-stix named by something other than an attribute UUID (an SCO of a
    MISP object, say) takes the strictest level of the observed-data that holds it."""
    found: dict[str, Audience] = {}
    for obj in objects:
        if obj.get("type") != "observed-data":
            continue
        own = levels.by_uuid.get(_uuid_part(obj.get("id")), levels.event)
        for ref in obj.get("object_refs", []):
            if isinstance(ref, str):
                found[ref] = found[ref].narrowed(own) if ref in found else own
    return found


def _audience(obj: StixObject, levels: _Levels, held: dict[str, Audience],
              by_id: dict[str, Audience]) -> Audience:
    ident = obj.get("id")
    mine = levels.by_uuid.get(_uuid_part(ident))
    if mine is not None:
        return mine
    if obj.get("type") in SCO_TYPES and isinstance(ident, str) and ident in held:
        return held[ident]
    if obj.get("type") in ("relationship", "sighting"):
        ends = [obj.get(k) for k in ("source_ref", "target_ref", "sighting_of_ref")]
        found = levels.event
        for end in ends:
            if isinstance(end, str):
                found = found.narrowed(by_id.get(end) or levels.by_uuid.get(
                    _uuid_part(end), levels.event))
        return found
    return levels.event


def _remark(obj: StixObject, audience: Audience) -> StixObject:
    refs = [r for r in obj.get("object_marking_refs", []) if r not in TLP_BY_MARKING_ID]
    obj["object_marking_refs"] = [*refs, marking_ref(audience.tlp)]
    extension = recipients_extension(audience.tlp, audience.recipients)
    if extension:
        obj["extensions"] = {**obj.get("extensions", {}), **extension}
    labels = [label for label in obj.get("labels", []) if label.lower() not in TLP_TAGS]
    if labels:
        obj["labels"] = labels
    else:
        obj.pop("labels", None)
    return obj


def _narrow_report(obj: StixObject, audience: Audience, by_id: dict[str, Audience]) -> None:
    """The event's report lists only what its own readers may see; when that is nothing,
    the report is as strict as the strictest thing it holds."""
    refs = [r for r in obj.get("object_refs", []) if isinstance(r, str)]
    keep = [r for r in refs if by_id.get(r, audience).tlp.rank <= audience.tlp.rank]
    if keep:
        obj["object_refs"] = keep
        return
    strictest = audience
    for ref in refs:
        strictest = strictest.narrowed(by_id.get(ref, audience))
    by_id[obj["id"]] = strictest


def event_to_stix(document: Any, known: KnownOrg, default: Audience) -> list[StixObject]:
    """A MISP event (as MISP exports it) as STIX 2.1 objects, each marked TLP 2.0 by the
    mapping above; an event with neither a `tlp:*` tag nor a distribution takes `default`
    (the collection's). ValidationFailed names the first bad part of the event."""
    event = event_of(document)
    levels = event_levels(event, known, default)
    objects = [o for o in _convert(event) if not _is_tlp_definition(o)]
    held = _container_levels(objects, levels)
    by_id: dict[str, Audience] = {}
    for obj in objects:
        by_id[obj["id"]] = _audience(obj, levels, held, by_id)
    for obj in objects:
        if obj.get("type") in ("report", "grouping"):
            _narrow_report(obj, by_id[obj["id"]], by_id)
    return [_remark(obj, by_id[obj["id"]]) for obj in objects]


# --- STIX → MISP attributes ---------------------------------------------------------------

# The MISP type RCSC writes for each observable type, and the category it goes in.
MISP_TYPES: dict[ObservableType, str] = {
    ObservableType.IPV4: "ip-dst", ObservableType.IPV6: "ip-dst",
    ObservableType.DOMAIN: "domain", ObservableType.URL: "url",
    ObservableType.EMAIL: "email-src", ObservableType.MD5: "md5",
    ObservableType.SHA1: "sha1", ObservableType.SHA256: "sha256",
    ObservableType.SHA512: "sha512", ObservableType.CVE: "vulnerability",
    ObservableType.ASN: "AS", ObservableType.FILENAME: "filename",
    ObservableType.USER_AGENT: "user-agent",
}
# MISP types that say the same thing as an observable type, more precisely: a label
# `misp:type="ip-src"` on an IPv4 indicator keeps it ip-src on the way back.
SAME_MEANING: dict[str, ObservableType] = {
    "ip-src": ObservableType.IPV4, "ip-dst": ObservableType.IPV4,
    "domain": ObservableType.DOMAIN, "hostname": ObservableType.DOMAIN,
    "url": ObservableType.URL, "link": ObservableType.URL, "uri": ObservableType.URL,
    "email": ObservableType.EMAIL, "email-src": ObservableType.EMAIL,
    "email-dst": ObservableType.EMAIL, "email-reply-to": ObservableType.EMAIL,
    "md5": ObservableType.MD5, "sha1": ObservableType.SHA1,
    "sha256": ObservableType.SHA256, "sha512": ObservableType.SHA512,
    "vulnerability": ObservableType.CVE, "AS": ObservableType.ASN,
    "filename": ObservableType.FILENAME, "user-agent": ObservableType.USER_AGENT,
}
_IP_TYPES = frozenset({"ip-src", "ip-dst"})
CATEGORIES: dict[str, str] = {
    "ip-src": "Network activity", "ip-dst": "Network activity", "domain": "Network activity",
    "hostname": "Network activity", "url": "Network activity", "link": "External analysis",
    "uri": "Network activity", "email": "Social network", "email-src": "Payload delivery",
    "email-dst": "Network activity", "email-reply-to": "Payload delivery",
    "md5": "Payload delivery", "sha1": "Payload delivery", "sha256": "Payload delivery",
    "sha512": "Payload delivery", "vulnerability": "External analysis",
    "AS": "Network activity", "filename": "Payload delivery",
    "user-agent": "Network activity",
}
_MISP_LABEL = re.compile(r'^misp:(type|category)="(.+)"$')
# Labels misp-stix adds of its own (not MISP tags): the report type of an event.
_CONVERTER_LABELS = frozenset({"Threat-Report"})


@dataclass(frozen=True)
class MispHints:
    """What misp-stix left in an object's labels: the MISP type and category it came
    from, and its other tags."""

    type: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()


def hints(labels: Any) -> MispHints:
    found: dict[str, str] = {}
    tags: list[str] = []
    for label in labels if isinstance(labels, list) else []:
        if not isinstance(label, str):
            continue
        match = _MISP_LABEL.match(label)
        if match:
            found[match.group(1)] = match.group(2)
        elif not label.startswith("misp:") and label.lower() not in TLP_TAGS and \
                label not in _CONVERTER_LABELS:
            tags.append(label)
    return MispHints(found.get("type"), found.get("category"), tuple(tags))


def misp_type(kind: ObservableType, hinted: str | None) -> str:
    """The hinted MISP type when it means the observable's type, else RCSC's default."""
    if hinted is not None and SAME_MEANING.get(hinted) is kind:
        return hinted
    if hinted in _IP_TYPES and kind is ObservableType.IPV6:
        return hinted
    return MISP_TYPES[kind]


@dataclass(frozen=True)
class MispAttribute:
    uuid: str
    type: str
    category: str
    value: str
    to_ids: bool
    tlp: Tlp
    modified: datetime
    comment: str = ""
    tags: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """MISP core format §2.3, with the TLP always stated as a tag and a distribution."""
        return {
            "uuid": self.uuid, "type": self.type, "category": self.category,
            "value": self.value, "to_ids": self.to_ids,
            "distribution": str(TLP_DISTRIBUTION[self.tlp]), "comment": self.comment,
            "timestamp": str(int(self.modified.timestamp())), "disable_correlation": False,
            "Tag": [{"name": name} for name in (*self.tags, tlp_tag(self.tlp))],
        }


def category_of(misp_type_name: str, hinted: str | None) -> str:
    return hinted or CATEGORIES.get(misp_type_name, "Other")


@dataclass(frozen=True)
class EventHead:
    uuid: str
    info: str
    created: datetime
    org_name: str
    org_uuid: str


def event_start(head: EventHead) -> bytes:
    """The start of a streamed MISP event, up to its open `Attribute` list."""
    body = {"uuid": head.uuid, "info": head.info, "date": head.created.strftime("%Y-%m-%d"),
            "timestamp": str(int(head.created.timestamp())), "published": False,
            "analysis": "2", "threat_level_id": "4",
            "Orgc": {"name": head.org_name, "uuid": head.org_uuid}}
    return b'{"Event":' + orjson.dumps(body)[:-1] + b',"Attribute":['


def event_end(widest: Tlp, tags: Iterable[str] = ()) -> bytes:
    """The end of a streamed event: its distribution and TLP tag are those of its widest
    attribute (each attribute states its own, which MISP applies within the event's); `tags`
    are the tags of the events (STIX reports) it was made from."""
    names = [*(t for t in tags if t.lower() not in TLP_TAGS), tlp_tag(widest)]
    tail = {"distribution": str(TLP_DISTRIBUTION[widest]),
            "Tag": [{"name": name} for name in names]}
    return b"]," + orjson.dumps(tail)[1:] + b"}\n"
