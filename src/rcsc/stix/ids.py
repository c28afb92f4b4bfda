"""Deterministic STIX identifiers, so the same thing exported twice (or by two nodes) has
the same id and a second sync stores nothing new.

- Objects RCSC already names with a UUID keep it: `identity--<organisation id>`,
  `incident--<incident id>`.
- Cyber-observable objects (SCOs) follow STIX 2.1 §2.9: a UUIDv5 in the namespace
  00abedb4-aa42-466c-9c01-fed23315a9b7 over the JSON canonicalisation (RFC 8785) of their
  ID-contributing properties — the same ids stix2 and every other producer computes.
- Objects RCSC derives (indicators, relationships, vulnerabilities, locations, our extension
  definitions) are UUIDv5 in RCSC's own namespace. STIX 2.1 §2.9 says SDOs/SROs SHOULD use
  UUIDv4; other versions are allowed in a namespace that is not the SCO one, which this is.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from stix2.canonicalization.Canonicalize import canonicalize  # type: ignore[import-untyped]

from rcsc.errors import ValidationFailed

SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX 2.1 §2.9
RCSC_NAMESPACE = uuid.UUID("cbaa67de-7316-4a2d-b188-30f0cd805508")  # ours; never change it

# STIX 2.1 §6.7 (file): when several hashes are given, the id uses the first of these.
_HASH_PRECEDENCE = ("MD5", "SHA-1", "SHA-256", "SHA-512")
_ID = re.compile(r"^([a-z0-9][a-z0-9-]*[a-z0-9])--([0-9a-fA-F-]{36})$")


def identity_id(org_id: uuid.UUID) -> str:
    return f"identity--{org_id}"


def incident_id(incident_uuid: uuid.UUID) -> str:
    return f"incident--{incident_uuid}"


def derived_id(stix_type: str, *parts: str) -> str:
    """An id RCSC derives from the parts that make the object what it is."""
    name = "\x1f".join((stix_type, *parts))
    return f"{stix_type}--{uuid.uuid5(RCSC_NAMESPACE, name)}"


def indicator_id(incident_uuid: uuid.UUID, observable_uuid: uuid.UUID) -> str:
    return derived_id("indicator", str(incident_uuid), str(observable_uuid))


def vulnerability_id(incident_uuid: uuid.UUID, observable_uuid: uuid.UUID) -> str:
    return derived_id("vulnerability", str(incident_uuid), str(observable_uuid))


def relationship_id(source_ref: str, relationship_type: str, target_ref: str) -> str:
    return derived_id("relationship", source_ref, relationship_type, target_ref)


def location_id(country: str) -> str:
    return derived_id("location", country.upper())


def _one_hash(hashes: Mapping[str, str]) -> dict[str, str]:
    for algorithm in _HASH_PRECEDENCE:
        if algorithm in hashes:
            return {algorithm: hashes[algorithm]}
    first = next(iter(hashes))
    return {first: hashes[first]}


def sco_id(stix_type: str, contributing: Mapping[str, Any]) -> str:
    """The STIX 2.1 deterministic id of an SCO from its ID-contributing properties
    (e.g. `{"value": "1.2.3.4"}` for ipv4-addr, `{"hashes": {...}}` for file)."""
    present = {key: value for key, value in contributing.items() if value is not None}
    if "hashes" in present:
        present["hashes"] = _one_hash(present["hashes"])
    if not present:
        raise ValueError(f"no ID-contributing property for {stix_type}")
    data = canonicalize(present, utf8=False)
    return f"{stix_type}--{uuid.uuid5(SCO_NAMESPACE, data)}"


def is_stix_id(text: str) -> bool:
    """Whether `text` is `<type>--<UUID>`, of any type."""
    match = _ID.match(text)
    if match is None:
        return False
    try:
        uuid.UUID(match.group(2))
    except ValueError:
        return False
    return True


def uuid_of(stix_id: object, stix_type: str, field: str) -> uuid.UUID:
    """The UUID inside `<stix_type>--<uuid>`, or ValidationFailed naming `field`."""
    match = _ID.match(stix_id) if isinstance(stix_id, str) else None
    if match is None or match.group(1) != stix_type:
        raise ValidationFailed.field(field, f"{stix_id!r} is not a {stix_type}--<uuid> id")
    try:
        return uuid.UUID(match.group(2))
    except ValueError:
        raise ValidationFailed.field(field, f"{stix_id!r} has no valid UUID") from None
