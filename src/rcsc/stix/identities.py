"""Organisations as STIX 2.1 `identity` objects (identity_class `organization`, STIX 2.1
§4.5), their country as a `location` (§4.11) they are `located-at` — the relationship the
STIX relationship summary defines for identity → location."""

from __future__ import annotations

from rcsc.core.countries import country_name
from rcsc.core.identity import Organisation
from rcsc.core.incidents import Recipients
from rcsc.core.tlp import Tlp
from rcsc.stix.common import SPEC_VERSION, StixObject, timestamp
from rcsc.stix.extensions import DEFINED_AT, RCSC_IDENTITY_ID
from rcsc.stix.ids import identity_id, location_id
from rcsc.stix.observables import relationship
from rcsc.stix.recipients import mark


def identity(org: Organisation, tlp: Tlp) -> StixObject:
    """The organisation's identity; its kind (national CSIRT, government, ...) is its role."""
    obj: StixObject = {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": identity_id(org.id),
        "created": timestamp(org.created_at),
        "modified": timestamp(org.created_at),
        "name": org.name,
        "identity_class": "organization",
        "roles": [org.kind.value],
    }
    return mark(obj, tlp, Recipients())


def country_location(country: str) -> StixObject:
    """A country as a `location`: the same object on every node, public (TLP:CLEAR)."""
    code = country.upper()
    obj: StixObject = {
        "type": "location",
        "spec_version": SPEC_VERSION,
        "id": location_id(code),
        "created_by_ref": RCSC_IDENTITY_ID,
        "created": DEFINED_AT,
        "modified": DEFINED_AT,
        "name": country_name(code) or code,
        "country": code,
    }
    return mark(obj, Tlp.CLEAR, Recipients())


def organisation_objects(org: Organisation, tlp: Tlp) -> list[StixObject]:
    """The identity, its country's location and the `located-at` link, at level `tlp`."""
    place = country_location(org.country)
    located = relationship(identity_id(org.id), "located-at", place["id"],
                           created=org.created_at, created_by_ref=identity_id(org.id),
                           tlp=tlp, recipients=Recipients())
    return [identity(org, tlp), place, located]
