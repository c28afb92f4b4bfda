"""Organisations as identities located in their country."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rcsc.core.tlp import Tlp
from rcsc.stix.bundle import bundle, definitions_for
from rcsc.stix.identities import country_location, organisation_objects
from rcsc.stix.markings import marking_ref
from tests.stix.support import OWNER, Verdict, make_organisation


def test_organisation_is_an_identity_located_in_its_country(
        validate: Callable[[dict[str, Any]], Verdict]) -> None:
    identity, location, located = organisation_objects(make_organisation(), Tlp.GREEN)
    assert identity["id"] == f"identity--{OWNER}"
    assert (identity["name"], identity["identity_class"]) == ("CERT-LT", "organization")
    assert identity["roles"] == ["national-csirt"]
    assert identity["object_marking_refs"] == [marking_ref(Tlp.GREEN)]
    assert (location["country"], location["name"]) == ("LT", "Lithuania")
    assert location["object_marking_refs"] == [marking_ref(Tlp.CLEAR)]
    assert (located["source_ref"], located["relationship_type"], located["target_ref"]) == \
        (identity["id"], "located-at", location["id"])
    objects = [identity, location, located]
    validate(bundle([*definitions_for(objects), *objects])).assert_clean()


def test_a_country_is_the_same_location_everywhere() -> None:
    assert country_location("lt") == country_location("LT")
    assert country_location("UA")["id"] != country_location("LT")["id"]
