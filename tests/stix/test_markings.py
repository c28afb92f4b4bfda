"""TLP 2.0 marking definitions as OASIS publishes them, and the level of a marked object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rcsc.core.tlp import Tlp
from rcsc.stix.markings import (
    marking_definition,
    marking_definitions,
    marking_ref,
    tlp_of,
    tlp_of_object,
)
from tests.stix.support import Verdict

# Copied from OASIS cti-stix-common-objects, objects/marking-definition/*.json and
# extension-definition-specifications/tlp-2.0/examples (bundle wrappers removed).
OASIS_TLP2 = {
    Tlp.CLEAR: ("94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR", "clear"),
    Tlp.GREEN: ("bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN", "green"),
    Tlp.AMBER: ("55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER", "amber"),
    Tlp.AMBER_STRICT: ("939a9414-2ddd-4d32-a0cd-375ea402b003", "TLP:AMBER+STRICT",
                       "amber+strict"),
    Tlp.RED: ("e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED", "red"),
}


@pytest.mark.parametrize("tlp", list(Tlp))
def test_marking_definition_is_the_oasis_object(tlp: Tlp) -> None:
    uuid_part, name, value = OASIS_TLP2[tlp]
    assert marking_definition(tlp) == {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": f"marking-definition--{uuid_part}",
        "created": "2022-10-01T00:00:00.000Z",
        "name": name,
        "extensions": {
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": value,
            },
        },
    }
    assert marking_ref(tlp) == f"marking-definition--{uuid_part}"


@pytest.mark.parametrize("tlp", list(Tlp))
def test_marking_definition_validates(tlp: Tlp,
                                      validate: Callable[[dict[str, Any]], Verdict]) -> None:
    verdict = validate(marking_definition(tlp))
    verdict.assert_clean()
    assert verdict.warnings == []


def test_five_definitions_clear_to_red() -> None:
    assert [d["name"] for d in marking_definitions()] == [
        "TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"]


MARKING_TABLE = [
    # TLP 2.0 (OASIS)
    ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", Tlp.CLEAR),
    ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", Tlp.GREEN),
    ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", Tlp.AMBER),
    ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", Tlp.AMBER_STRICT),
    ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", Tlp.RED),
    # TLP 1.0 (STIX 2.1 §7.2.1.4): WHITE is CLEAR
    ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", Tlp.CLEAR),
    ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", Tlp.GREEN),
    ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", Tlp.AMBER),
    ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", Tlp.RED),
    # OpenCTI's own AMBER+STRICT
    ("marking-definition--826578e1-40ad-459f-bc73-ede076f81f37", Tlp.AMBER_STRICT),
]


@pytest.mark.parametrize(("ref", "tlp"), MARKING_TABLE)
def test_every_known_marking_id_maps_to_its_level(ref: str, tlp: Tlp) -> None:
    assert tlp_of([ref]) is tlp


STATEMENT = "marking-definition--3cd55916-d34b-4747-a8e0-dedec14b711b"  # a statement marking
OTHER_SCHEME = "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9"  # made up


@pytest.mark.parametrize("refs", [[], [STATEMENT], [STATEMENT, OTHER_SCHEME], ["not-an-id"]])
def test_no_tlp_marking_gives_none(refs: list[str]) -> None:
    assert tlp_of(refs) is None


def test_unknown_markings_are_ignored_beside_a_tlp_one() -> None:
    assert tlp_of([STATEMENT, marking_ref(Tlp.GREEN), OTHER_SCHEME]) is Tlp.GREEN


@pytest.mark.parametrize(("refs", "strictest"), [
    ([marking_ref(Tlp.CLEAR), marking_ref(Tlp.RED)], Tlp.RED),
    ([marking_ref(Tlp.AMBER_STRICT), marking_ref(Tlp.AMBER)], Tlp.AMBER_STRICT),
    # TLP 1.0 AMBER beside OpenCTI's AMBER+STRICT: the stricter one wins
    (["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
      "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"], Tlp.AMBER_STRICT),
    # TLP 1.0 WHITE beside TLP 2.0 GREEN
    (["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", marking_ref(Tlp.GREEN)],
     Tlp.GREEN),
])
def test_strictest_marking_wins(refs: list[str], strictest: Tlp) -> None:
    assert tlp_of(refs) is strictest
    assert tlp_of(reversed(refs)) is strictest


@pytest.mark.parametrize("obj", [{}, {"object_marking_refs": "not a list"},
                                 {"object_marking_refs": [7, None]}])
def test_object_without_usable_markings_has_no_level(obj: dict[str, Any]) -> None:
    assert tlp_of_object(obj) is None
