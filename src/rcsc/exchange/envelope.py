"""Checking incoming STIX 2.1 objects, one at a time, before anything is stored.

The checks are the common properties every consumer relies on (STIX 2.1 §3: `type`, `id`,
`spec_version`, `created`/`modified` and their order) plus the pattern of each STIX-pattern
indicator (stix2-patterns). A bad object becomes a failure with a reason that names the
property; the good ones beside it are unaffected.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from rcsc.core.incidents import Recipients
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.stix.common import SCO_TYPES, STIX_TYPE, parse_timestamp
from rcsc.stix.fastpattern import pattern_problems
from rcsc.stix.markings import TLP_BY_MARKING_ID, tlp_of
from rcsc.stix.recipients import NO_RECIPIENTS, read_recipients

# The canonical forms, checked without the general parsers (their results are identical;
# tests/exchange/test_envelope_fast_paths.py holds them to it): an RFC 4122 UUID as STIX
# writes it, and a timestamp of up to six fractional digits. Anything else takes the
# general path, which also words the error.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII)
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z", re.ASCII)
# STIX 2.1 §7: meta objects whose versions are not tracked by `modified`.
UNVERSIONED_META = frozenset({"marking-definition"})
NAME_LENGTH = 300
# Types that passed the STIX_TYPE rule, so the next object of the type skips the pattern
# (bounded: types are few, but they come from the poster).
TYPES_REMEMBERED = 1024
_TYPES_SEEN: set[str] = set()


class Rejected(Exception):
    """One object is not acceptable; `message` names the property and the rule."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class Checked:
    """An acceptable object: where it sits, what it is, how it is marked. (Not frozen: one
    per object of an envelope; see `NewVersion`.)"""

    stix_id: str
    type: str
    spec_version: str
    version: datetime | None  # None: unversioned (an SCO); the time it is added stands in
    version_text: str
    name: str | None
    tlp: Tlp | None  # None: no TLP marking; the collection's default level applies
    recipients: Recipients
    created_by_ref: str | None
    body: bytes


def check(obj: Any) -> Checked:
    """The object as it will be stored, or Rejected. The common shapes (a known type, one
    timestamp for created and modified, no extensions, one marking ref) take a short path
    through the same rules: a thousand objects an envelope, each check counts."""
    if not isinstance(obj, dict):
        raise Rejected("is not a JSON object")
    kind = obj.get("type")
    if type(kind) is not str or kind not in _TYPES_SEEN:
        kind = _type(obj)
    stix_id = _id(obj, kind)
    spec = obj.get("spec_version", "2.1" if kind in SCO_TYPES else None)
    if spec != "2.1":
        raise Rejected(f"spec_version: {spec!r} is not supported; this server stores STIX 2.1"
                       if spec is not None else "spec_version: required (\"2.1\")")
    version, text = _version(obj, kind)
    if kind == "indicator":
        _indicator(obj)
    recipients = _recipients(obj)
    name = obj.get("name")
    by = obj.get("created_by_ref")
    return Checked(stix_id, kind, spec, version, text,
                   name[:NAME_LENGTH] if isinstance(name, str) else None, _marking(obj),
                   recipients, by if isinstance(by, str) else None, orjson.dumps(obj))


def _recipients(obj: dict[str, Any]) -> Recipients:
    extensions = obj.get("extensions")
    if not extensions:
        return NO_RECIPIENTS
    if not isinstance(extensions, dict):
        raise Rejected("extensions: must be an object of extensions by their ids")
    try:
        return read_recipients(obj)
    except ValidationFailed as exc:
        raise Rejected("; ".join(f"{e.field}: {e.message}" for e in exc.errors)) from None


def label(obj: Any, index: int) -> tuple[str, str]:
    """(id, version) to name an object in a status, as well as it can be named."""
    if isinstance(obj, dict):
        given = obj.get("id")
        ident = given if isinstance(given, str) else f"objects[{index}]"
        version = obj.get("modified") or obj.get("created") or ""
        return ident, version if isinstance(version, str) else ""
    return f"objects[{index}]", ""


def _type(obj: dict[str, Any]) -> str:
    kind = obj.get("type")
    if not isinstance(kind, str) or not STIX_TYPE.match(kind):
        raise Rejected(f"type: {kind!r} is not a STIX type (3-250 characters: a-z, 0-9, -)")
    if len(_TYPES_SEEN) < TYPES_REMEMBERED:
        _TYPES_SEEN.add(kind)
    return kind


def _id(obj: dict[str, Any], kind: str) -> str:
    ident = obj.get("id")
    if not isinstance(ident, str):
        raise Rejected("id: required, such as indicator--<UUID>")
    prefix, _, tail = ident.partition("--")
    if prefix != kind:
        raise Rejected(f"id: {ident!r} must start with its type, {kind}--")
    if _UUID.fullmatch(tail):
        return ident
    try:
        uuid.UUID(tail)
    except ValueError:
        raise Rejected(f"id: {ident!r} does not end in a UUID") from None
    return ident


@lru_cache(maxsize=4096)
def _parsed(text: str, name: str) -> datetime | str:
    """A timestamp, or why it is not one. Objects of one feed share a handful of times, so
    each distinct text is parsed once."""
    try:
        return parse_timestamp(text, name)
    except ValidationFailed as exc:
        return exc.errors[0].field + ": " + exc.errors[0].message


def fast_timestamp(text: str) -> datetime | None:
    """`parse_timestamp(text)` for the canonical forms, None for anything else."""
    if _STAMP.fullmatch(text) is None:
        return None
    try:
        return datetime.fromisoformat(text)  # "Z" is UTC itself (datetime.UTC)
    except ValueError:  # a day or hour out of range: the general path says which
        return None


def _time(obj: dict[str, Any], name: str) -> datetime | None:
    if name not in obj:
        return None
    text = obj[name]
    if isinstance(text, str):
        fast = fast_timestamp(text)
        if fast is not None:
            return fast
    found = _parsed(text, name) if isinstance(text, str) else \
        f"{name}: {text!r} is not a STIX timestamp"
    if isinstance(found, str):
        raise Rejected(found)
    return found


def _version(obj: dict[str, Any], kind: str) -> tuple[datetime | None, str]:
    """STIX 2.1 §3.6: an object's version is its `modified` (SDOs, SROs), else `created`;
    SCOs have neither."""
    created = obj.get("created")
    if type(created) is str and obj.get("modified") == created:
        found = fast_timestamp(created)
        if found is not None:  # the usual object: one canonical time for both
            return found, created
    return _created_modified(obj, kind)


def _created_modified(obj: dict[str, Any], kind: str) -> tuple[datetime | None, str]:
    created = _time(obj, "created")
    same = created is not None and obj.get("modified") == obj["created"]
    modified = created if same else _time(obj, "modified")
    versioned = kind not in SCO_TYPES and kind not in UNVERSIONED_META
    if versioned and created is None:
        raise Rejected("created: required on a STIX domain or relationship object")
    if versioned and modified is None and not kind.startswith("x-"):
        raise Rejected("modified: required on a STIX domain or relationship object")
    if created and modified and modified < created:
        raise Rejected("modified: must not be earlier than created")
    if modified is not None:
        return modified, str(obj["modified"])
    if created is not None:
        return created, str(obj["created"])
    return None, ""


def _indicator(obj: dict[str, Any]) -> None:
    pattern = obj.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise Rejected("pattern: required on an indicator")
    if obj.get("pattern_type") == "stix":
        problems = pattern_problems(pattern)
        if problems:
            raise Rejected(f"pattern: not a valid STIX pattern ({problems[0]})")


def _marking(obj: dict[str, Any]) -> Tlp | None:
    """The strictest TLP marking on the object or on any of its parts (granular markings):
    an object is shown only to those who may see all of it. A marking property of the wrong
    shape refuses the object: read loosely, it could turn RED into the default level."""
    refs = obj.get("object_marking_refs", [])
    if type(refs) is list and len(refs) == 1 and type(refs[0]) is str and \
            "granular_markings" not in obj:
        return TLP_BY_MARKING_ID.get(refs[0])  # one ref: its level is the strictest
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise Rejected("object_marking_refs: must be a list of marking-definition ids")
    found = list(refs)
    granular = obj.get("granular_markings", [])
    if not isinstance(granular, list):
        raise Rejected("granular_markings: must be a list of granular markings")
    for index, item in enumerate(granular):
        ref = item.get("marking_ref") if isinstance(item, dict) else None
        lang = item.get("lang") if isinstance(item, dict) else None
        if not (isinstance(ref, str) or isinstance(lang, str)) or not isinstance(
                item.get("selectors"), list):
            raise Rejected(f"granular_markings.{index}: needs selectors and a marking_ref "
                           "(or lang)")
        if isinstance(ref, str):
            found.append(ref)
    return _strictest(tuple(found))


@lru_cache(maxsize=1024)
def _strictest(refs: tuple[str, ...]) -> Tlp | None:
    return tlp_of(refs)
