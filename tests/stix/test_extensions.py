"""RCSC's extension definitions: fixed ids (other nodes and partners store them), valid
STIX, and JSON schemas that accept what we write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rcsc.core.tlp import Tlp
from rcsc.stix.extensions import (
    EXTENSION_DEFINITIONS,
    INCIDENT_EXTENSION_ID,
    RCSC_IDENTITY,
    RCSC_IDENTITY_ID,
    RECIPIENTS_EXTENSION_ID,
)
from rcsc.stix.identities import identity
from rcsc.stix.recipients import recipients_extension
from rcsc.stix.schemas import SCHEMAS
from tests.stix.support import Verdict, make_organisation, recipients


def test_ids_never_change() -> None:
    # Changing one orphans every object already sent to a peer: a new version gets a new id.
    assert RCSC_IDENTITY_ID == "identity--439bbc2c-ec36-57d4-83ea-3b43409137d5"
    assert RECIPIENTS_EXTENSION_ID == \
        "extension-definition--1fe15e36-e6ad-58f5-81e5-f9a8004f8def"
    assert INCIDENT_EXTENSION_ID == "extension-definition--f4b19a9e-cd82-5a1f-b63a-b742e15511fd"


@pytest.mark.parametrize("extension_id", list(EXTENSION_DEFINITIONS))
def test_extension_definition_validates(
        extension_id: str, validate: Callable[[dict[str, Any]], Verdict]) -> None:
    definition = EXTENSION_DEFINITIONS[extension_id]
    validate(definition).assert_clean()
    assert definition["created_by_ref"] == RCSC_IDENTITY_ID
    assert definition["extension_types"] == ["property-extension"]
    assert definition["schema"].startswith("https://")


def test_publisher_identity_validates(validate: Callable[[dict[str, Any]], Verdict]) -> None:
    validate(RCSC_IDENTITY).assert_clean()


def test_every_extension_has_a_schema() -> None:
    assert set(SCHEMAS) == set(EXTENSION_DEFINITIONS)
    for extension_id, schema in SCHEMAS.items():
        assert schema["$id"] == EXTENSION_DEFINITIONS[extension_id]["schema"]


def test_the_recipients_schema_catches_a_bad_id(
        validate: Callable[[dict[str, Any]], Verdict]) -> None:
    obj = identity(make_organisation(), Tlp.AMBER)
    obj["extensions"] = recipients_extension(Tlp.AMBER, recipients())
    validate(obj).assert_clean()
    obj["extensions"][RECIPIENTS_EXTENSION_ID]["recipients"]["organisations"] = ["CERT-UA"]
    assert any("CERT-UA" in error for error in validate(obj).errors)
