"""RCSC's own STIX extension definitions (STIX 2.1 §7.3) and the identity that publishes them.

Two property extensions, each with its `extension-definition` object:
- recipients: who may receive an AMBER, AMBER+STRICT or RED object (and GREEN with named
  communities) — TLP itself has no place for names, and a peer must not widen the audience;
- incident: the fields of an RCSC incident report STIX 2.1's `incident` stub has no
  properties for (RSIT class, severity, sector, NIS2 milestones, ...).

Ids and timestamps are fixed: the definitions are the same on every node and every export.
Their JSON schemas are `rcsc.stix.schemas`; the `schema` URL names where the docs publish
them — nothing fetches it at run time.
"""

from __future__ import annotations

from rcsc.core.tlp import Tlp
from rcsc.stix.common import SPEC_VERSION, StixObject
from rcsc.stix.ids import derived_id
from rcsc.stix.markings import marking_ref

DEFINED_AT = "2026-11-01T00:00:00.000Z"
SCHEMA_BASE_URL = "https://rcsc.invalid/docs/stix/"  # placeholder host: RFC 2606 `.invalid`
CLEAR_MARKING_REF = marking_ref(Tlp.CLEAR)

RCSC_IDENTITY_ID = derived_id("identity", "rcsc")
RECIPIENTS_EXTENSION_ID = derived_id("extension-definition", "rcsc", "recipients", "1")
INCIDENT_EXTENSION_ID = derived_id("extension-definition", "rcsc", "incident", "1")

RCSC_IDENTITY: StixObject = {
    "type": "identity",
    "spec_version": SPEC_VERSION,
    "id": RCSC_IDENTITY_ID,
    "created": DEFINED_AT,
    "modified": DEFINED_AT,
    "name": "RCSC",
    "description": "Regional Cyber Security Centre platform: the publisher of RCSC's STIX "
                   "extension definitions.",
    "identity_class": "system",
    "object_marking_refs": [CLEAR_MARKING_REF],
}


def _definition(extension_id: str, name: str, description: str, schema: str) -> StixObject:
    return {
        "type": "extension-definition",
        "spec_version": SPEC_VERSION,
        "id": extension_id,
        "created_by_ref": RCSC_IDENTITY_ID,
        "created": DEFINED_AT,
        "modified": DEFINED_AT,
        "name": name,
        "description": description,
        "schema": SCHEMA_BASE_URL + schema,
        "version": "1.0.0",
        "extension_types": ["property-extension"],
        "object_marking_refs": [CLEAR_MARKING_REF],
    }


RECIPIENTS_EXTENSION = _definition(
    RECIPIENTS_EXTENSION_ID, "RCSC recipients",
    "The named recipients of a TLP:AMBER, TLP:AMBER+STRICT or TLP:RED object (and of "
    "TLP:GREEN when limited to named communities): organisations as identity ids, "
    "communities and users as RCSC UUIDs. Nobody outside them, the owner organisation and "
    "the author may receive the object.",
    "recipients-extension.schema.json",
)
INCIDENT_EXTENSION = _definition(
    INCIDENT_EXTENSION_ID, "RCSC incident",
    "An RCSC incident report: ENISA RSIT v1003 class and type, severity, status, NIS2 sector "
    "and subsector, affected countries, impact, timeline, NIS2 Art. 23(4) milestones, threat "
    "actor and malware names, and the exercise it belongs to.",
    "incident-extension.schema.json",
)
EXTENSION_DEFINITIONS: dict[str, StixObject] = {
    RECIPIENTS_EXTENSION_ID: RECIPIENTS_EXTENSION,
    INCIDENT_EXTENSION_ID: INCIDENT_EXTENSION,
}
