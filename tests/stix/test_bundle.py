"""Whole bundles: self-contained, valid, parseable by stix2, free of duplicate ids."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import stix2

from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.stix.bundle import (
    bundle,
    definitions_for,
    distinct,
    incident_bundle,
    incident_objects,
)
from rcsc.stix.extensions import (
    INCIDENT_EXTENSION_ID,
    RCSC_IDENTITY_ID,
    RECIPIENTS_EXTENSION_ID,
)
from rcsc.stix.identities import organisation_objects
from rcsc.stix.markings import marking_ref
from tests.stix.support import (
    OWNER,
    Verdict,
    make_incident,
    make_observable,
    make_organisation,
)


def _full_bundle() -> dict[str, Any]:
    """An incident with one observable of every type, and its owner organisation."""
    incident = make_incident()
    objects = incident_objects(incident, [make_observable(kind) for kind in ObservableType])
    objects += organisation_objects(make_organisation(), Tlp.GREEN)
    return bundle([*definitions_for(objects), *objects],
                  "bundle--0d6e0c3c-0a51-4d3f-9a9d-2b1a7c2d4e10")


def test_full_bundle_validates_with_refs_enforced(
        validate: Callable[[dict[str, Any]], Verdict]) -> None:
    verdict = validate(_full_bundle())
    verdict.assert_clean()
    # the accepted warnings name only ids RCSC derives, never the incident or an organisation
    assert [w for w in verdict.warnings if "incident--" in w or f"identity--{OWNER}" in w] == []


def test_bundle_carries_the_definitions_it_refers_to() -> None:
    ids = [obj["id"] for obj in incident_bundle(make_incident(), [])["objects"]]
    assert ids[:2] == [marking_ref(Tlp.CLEAR), marking_ref(Tlp.AMBER)]
    assert set(ids[2:5]) == {RCSC_IDENTITY_ID, RECIPIENTS_EXTENSION_ID, INCIDENT_EXTENSION_ID}
    assert ids[5].startswith("incident--")


def test_stix2_parses_the_bundle_without_custom_content() -> None:
    text = json.dumps(_full_bundle())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = stix2.parse(text, allow_custom=False)
    assert len(parsed.objects) == len(_full_bundle()["objects"])


def test_distinct_keeps_the_strictest_copy_of_an_sco() -> None:
    green = make_incident(tlp=Tlp.GREEN)
    red_observable = make_observable(ObservableType.DOMAIN, tlp=Tlp.RED)
    green_observable = make_observable(ObservableType.DOMAIN, tlp=None,
                                       id=make_observable(ObservableType.IPV4).id)
    found = incident_bundle(green, [green_observable, red_observable])["objects"]
    domains = [obj for obj in found if obj["type"] == "domain-name"]
    assert len(domains) == 1
    assert domains[0]["object_marking_refs"] == [marking_ref(Tlp.RED)]


def test_distinct_keeps_the_first_of_equal_copies() -> None:
    first, second = {"id": "x--1", "n": 1}, {"id": "x--1", "n": 2}
    assert distinct([first, second]) == [first]


def test_bundle_without_id_gets_a_fresh_uuid4() -> None:
    one, two = bundle([]), bundle([])
    assert one["id"] != two["id"]
    assert one["id"].startswith("bundle--")
    assert one["type"] == "bundle" and one["objects"] == []
