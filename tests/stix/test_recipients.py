"""The recipients extension: written where TLP names an audience, read back unchanged."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from rcsc.core.incidents import Recipients
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.stix.extensions import RECIPIENTS_EXTENSION_ID
from rcsc.stix.markings import marking_ref
from rcsc.stix.recipients import mark, read_recipients, recipients_extension
from tests.stix.support import recipients

EMPTY = Recipients()
COMMUNITY_ONLY = Recipients(community_ids=frozenset({uuid.UUID(int=7)}))


def _marked(tlp: Tlp, named: Recipients) -> dict[str, Any]:
    return mark({"type": "indicator", "id": "indicator--" + str(uuid.UUID(int=1))}, tlp, named)


@pytest.mark.parametrize("tlp", [Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED])
def test_named_audience_levels_round_trip_their_recipients(tlp: Tlp) -> None:
    obj = _marked(tlp, recipients())
    assert obj["object_marking_refs"] == [marking_ref(tlp)]
    assert read_recipients(obj) == recipients()


def test_organisations_travel_as_identity_ids_sorted() -> None:
    named = recipients_extension(Tlp.AMBER, recipients())[RECIPIENTS_EXTENSION_ID]["recipients"]
    assert named["organisations"] == sorted(f"identity--{org}" for org in recipients().org_ids)
    assert named["communities"] == [str(c) for c in recipients().community_ids]
    assert named["users"] == [str(u) for u in recipients().user_ids]


@pytest.mark.parametrize("tlp", [Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED])
def test_named_audience_without_recipients_says_so_explicitly(tlp: Tlp) -> None:
    obj = _marked(tlp, EMPTY)
    assert obj["extensions"][RECIPIENTS_EXTENSION_ID] == {
        "extension_type": "property-extension", "recipients": {}}
    assert read_recipients(obj) == EMPTY


def test_clear_never_carries_recipients() -> None:
    obj = _marked(Tlp.CLEAR, recipients())
    assert "extensions" not in obj
    assert read_recipients(obj) == EMPTY


def test_green_carries_recipients_only_when_communities_are_named() -> None:
    assert "extensions" not in _marked(Tlp.GREEN, Recipients(org_ids=recipients().org_ids))
    obj = _marked(Tlp.GREEN, COMMUNITY_ONLY)
    assert read_recipients(obj) == COMMUNITY_ONLY


def test_marking_keeps_other_extensions() -> None:
    obj = mark({"type": "incident", "extensions": {"extension-definition--x": {}}},
               Tlp.RED, recipients())
    assert set(obj["extensions"]) == {"extension-definition--x", RECIPIENTS_EXTENSION_ID}


@pytest.mark.parametrize(("named", "field"), [
    ("everyone", "recipients"),
    ({"organisations": "identity--x"}, "recipients.organisations"),
    ({"organisations": ["organisation--" + str(uuid.UUID(int=1))]},
     "recipients.organisations.0"),
    ({"users": [str(uuid.UUID(int=1)), "bob"]}, "recipients.users.1"),
])
def test_bad_recipients_are_rejected_naming_the_field(named: object, field: str) -> None:
    obj = {"extensions": {RECIPIENTS_EXTENSION_ID: {"extension_type": "property-extension",
                                                    "recipients": named}}}
    with pytest.raises(ValidationFailed) as caught:
        read_recipients(obj)
    assert caught.value.errors[0].field == f"extensions.{RECIPIENTS_EXTENSION_ID}.{field}"
