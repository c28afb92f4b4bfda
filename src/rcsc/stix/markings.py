"""TLP 2.0 as STIX 2.1 marking definitions, and the TLP level of a marked object.

Sources (CONVENTIONS §7):
- TLP 2.0 marking definitions: OASIS cti-stix-common-objects,
  extension-definition-specifications/tlp-2.0 (objects/marking-definition/*.json). The
  published objects carry no `created_by_ref`; ours are byte-for-byte the same properties.
- TLP 1.0: STIX 2.1 §7.2.1.4, the four predefined TLP marking definitions.
- OpenCTI writes TLP:AMBER+STRICT under an id of its own (826578e1-…), accepted on import.
"""

from __future__ import annotations

from collections.abc import Iterable

from rcsc.core.tlp import Tlp
from rcsc.stix.common import SPEC_VERSION, StixObject

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"

TLP2_MARKING_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP1_MARKING_IDS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,  # TLP:WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
OPENCTI_MARKING_IDS: dict[str, Tlp] = {
    "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": Tlp.AMBER_STRICT,
}
# Every marking id RCSC understands as a TLP level: what we write, and what others write.
TLP_BY_MARKING_ID: dict[str, Tlp] = {
    **{ref: tlp for tlp, ref in TLP2_MARKING_IDS.items()},
    **TLP1_MARKING_IDS,
    **OPENCTI_MARKING_IDS,
}


def marking_ref(tlp: Tlp) -> str:
    """The TLP 2.0 marking-definition id RCSC writes for `tlp`."""
    return TLP2_MARKING_IDS[tlp]


def marking_definition(tlp: Tlp) -> StixObject:
    """The TLP 2.0 marking-definition object exactly as OASIS publishes it."""
    return {
        "type": "marking-definition",
        "spec_version": SPEC_VERSION,
        "id": TLP2_MARKING_IDS[tlp],
        "created": TLP2_CREATED,
        "name": tlp.label,
        "extensions": {
            TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": tlp.value},
        },
    }


def marking_definitions() -> list[StixObject]:
    """The five TLP 2.0 marking definitions, CLEAR to RED."""
    return [marking_definition(tlp) for tlp in Tlp]


def tlp_of(object_marking_refs: Iterable[str]) -> Tlp | None:
    """The strictest TLP level among the refs; None when none of them is a TLP marking.

    Unknown refs (statements, other schemes) are ignored here: a caller that finds None
    applies the collection's or node's default level, never CLEAR by accident.
    """
    levels = [TLP_BY_MARKING_ID[ref] for ref in object_marking_refs if ref in TLP_BY_MARKING_ID]
    return max(levels, key=lambda tlp: tlp.rank, default=None)


def tlp_of_object(obj: StixObject) -> Tlp | None:
    refs = obj.get("object_marking_refs")
    if not isinstance(refs, list):
        return None
    return tlp_of(ref for ref in refs if isinstance(ref, str))
