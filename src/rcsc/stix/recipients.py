"""Markings on an object: its TLP 2.0 marking ref and, where TLP names an audience, the
recipients in RCSC's recipients extension.

The extension carries every named recipient the object has (organisations as identity ids,
communities and users as RCSC UUIDs). It is written for AMBER, AMBER+STRICT and RED always
(an empty `recipients` means "the owner and author only") and for GREEN when communities
are named; never for CLEAR, whose audience is everyone. Absent means no named recipients.
"""

from __future__ import annotations

import uuid
from typing import Any

from rcsc.core.incidents import Recipients
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.stix.common import StixObject
from rcsc.stix.extensions import RECIPIENTS_EXTENSION_ID
from rcsc.stix.ids import identity_id, uuid_of
from rcsc.stix.markings import marking_ref

NAMED_AUDIENCE = frozenset({Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED})
NO_RECIPIENTS = Recipients()  # immutable: one for every object that names none
_FIELD = f"extensions.{RECIPIENTS_EXTENSION_ID}.recipients"


def _sorted(ids: frozenset[uuid.UUID]) -> list[str]:
    return sorted(str(one) for one in ids)


def recipients_extension(tlp: Tlp, recipients: Recipients) -> dict[str, StixObject]:
    """`{extension id: extension}` to merge into an object's `extensions`, or `{}`."""
    if tlp is Tlp.CLEAR:
        return {}
    named: dict[str, list[str]] = {}
    if recipients.org_ids:
        named["organisations"] = sorted(identity_id(org) for org in recipients.org_ids)
    if recipients.community_ids:
        named["communities"] = _sorted(recipients.community_ids)
    if recipients.user_ids:
        named["users"] = _sorted(recipients.user_ids)
    if tlp not in NAMED_AUDIENCE and not recipients.community_ids:
        return {}
    return {RECIPIENTS_EXTENSION_ID: {"extension_type": "property-extension",
                                      "recipients": named}}


def mark(obj: StixObject, tlp: Tlp, recipients: Recipients) -> StixObject:
    """`obj` with its TLP 2.0 marking ref and, where due, the recipients extension."""
    obj["object_marking_refs"] = [marking_ref(tlp)]
    extension = recipients_extension(tlp, recipients)
    if extension:
        obj["extensions"] = {**obj.get("extensions", {}), **extension}
    return obj


def _uuids(named: dict[str, Any], key: str, stix_type: str | None) -> frozenset[uuid.UUID]:
    values = named.get(key, [])
    field = f"{_FIELD}.{key}"
    if not isinstance(values, list):
        raise ValidationFailed.field(field, "must be a list of ids")
    found: set[uuid.UUID] = set()
    for index, value in enumerate(values):
        if stix_type is not None:
            found.add(uuid_of(value, stix_type, f"{field}.{index}"))
            continue
        try:
            found.add(uuid.UUID(str(value)))
        except ValueError:
            raise ValidationFailed.field(f"{field}.{index}", f"{value!r} is not a UUID") \
                from None
    return frozenset(found)


def read_recipients(obj: StixObject) -> Recipients:
    """The named recipients of `obj` from our extension; none when it is absent."""
    extension = (obj.get("extensions") or {}).get(RECIPIENTS_EXTENSION_ID)
    if extension is None:
        return NO_RECIPIENTS
    named = extension.get("recipients") if isinstance(extension, dict) else None
    if not isinstance(named, dict):
        raise ValidationFailed.field(_FIELD, "must be an object of id lists")
    return Recipients(
        org_ids=_uuids(named, "organisations", "identity"),
        community_ids=_uuids(named, "communities", None),
        user_ids=_uuids(named, "users", None),
    )
