"""STIX 2.1 bundles (§8) of RCSC objects, with the definitions they refer to.

The TLP 2.0 marking definitions a bundle uses and RCSC's extension definitions (with the
identity that publishes them) travel with the objects, so a consumer that never saw RCSC can
resolve every marking and every RCSC extension id. The owner organisation's identity
(`rcsc.stix.identities`) is the caller's to add: only it knows the organisation and the
level its directory entry is shared at.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from rcsc.core.incidents import Incident, Observable
from rcsc.stix.common import StixObject
from rcsc.stix.extensions import EXTENSION_DEFINITIONS, RCSC_IDENTITY
from rcsc.stix.incidents import incident_object
from rcsc.stix.markings import TLP2_MARKING_IDS, marking_definition, tlp_of_object
from rcsc.stix.observables import observable_objects


def bundle(objects: Iterable[StixObject], bundle_id: str | None = None) -> StixObject:
    """A bundle of `objects` (STIX 2.1 bundles carry no spec_version of their own)."""
    return {"type": "bundle", "id": bundle_id or f"bundle--{uuid.uuid4()}",
            "objects": list(objects)}


def definitions_for(objects: Iterable[StixObject]) -> list[StixObject]:
    """The TLP 2.0 marking definitions and RCSC extension definitions `objects` refer to
    (with RCSC's identity, which publishes the extensions), in a stable order."""
    objects = list(objects)
    extensions = sorted({key for obj in objects for key in obj.get("extensions", {})
                         if key in EXTENSION_DEFINITIONS})
    ours = [RCSC_IDENTITY, *(EXTENSION_DEFINITIONS[key] for key in extensions)] \
        if extensions else []
    refs = {ref for obj in [*objects, *ours] for ref in obj.get("object_marking_refs", ())}
    markings = [marking_definition(tlp) for tlp, ref in TLP2_MARKING_IDS.items() if ref in refs]
    return [*markings, *ours]


def _rank(obj: StixObject) -> int:
    tlp = tlp_of_object(obj)
    return -1 if tlp is None else tlp.rank


def distinct(objects: Iterable[StixObject]) -> list[StixObject]:
    """One object per id, first come first kept — except that of two copies of an SCO (which
    has no version) the more strictly marked one wins: a bundle never widens a value."""
    kept: dict[str, StixObject] = {}
    for obj in objects:
        current = kept.get(obj["id"])
        if current is None or _rank(obj) > _rank(current):
            kept[obj["id"]] = obj
    return list(kept.values())


def incident_objects(incident: Incident, observables: Iterable[Observable]) -> list[StixObject]:
    """The incident and everything its observables become, without definitions."""
    objects = [incident_object(incident)]
    for observable in observables:
        objects += observable_objects(observable, incident)
    return distinct(objects)


def incident_bundle(incident: Incident, observables: Iterable[Observable],
                    bundle_id: str | None = None) -> StixObject:
    """A self-contained bundle of one incident, its observables and their definitions."""
    objects = incident_objects(incident, observables)
    return bundle([*definitions_for(objects), *objects], bundle_id)
