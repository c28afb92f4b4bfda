"""MISP ↔ STIX mapping (rcsc.stix.misp), pure: the distribution / tag → TLP table, the way
an attribute is never wider than its event, and the MISP JSON we stream loads in PyMISP."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pymisp import MISPEvent

from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.stix.markings import marking_ref, tlp_of_object
from rcsc.stix.misp import (
    DISTRIBUTION_TLP,
    TLP_DISTRIBUTION,
    Audience,
    EventHead,
    MispAttribute,
    event_end,
    event_start,
    event_to_stix,
    hints,
    misp_type,
    tag_level,
)

EVENT = json.loads((Path(__file__).parents[1] / "exchange/files/data/misp_event.json")
                   .read_text())
GREEN = Audience(Tlp.GREEN)


def _nobody(_org: uuid.UUID) -> bool:
    return False


def _levels(event: dict[str, Any]) -> dict[str, Tlp]:
    return {o["id"]: tlp_of_object(o) for o in event_to_stix(event, _nobody, GREEN)}


def test_distribution_table_is_the_documented_one() -> None:
    assert DISTRIBUTION_TLP == {0: Tlp.AMBER_STRICT, 1: Tlp.GREEN, 2: Tlp.GREEN,
                                3: Tlp.CLEAR, 4: Tlp.AMBER}
    assert TLP_DISTRIBUTION == {Tlp.CLEAR: 3, Tlp.GREEN: 1, Tlp.AMBER: 0,
                                Tlp.AMBER_STRICT: 0, Tlp.RED: 0}


@pytest.mark.parametrize(("names", "level"), [
    (["tlp:white"], Tlp.CLEAR), (["TLP:CLEAR"], Tlp.CLEAR), (["tlp:green"], Tlp.GREEN),
    (["tlp:amber+strict"], Tlp.AMBER_STRICT), (["tlp:green", "tlp:red"], Tlp.RED),
    (["admiralty-scale:source-reliability=\"a\""], None), ([], None)])
def test_the_strictest_tlp_tag_counts(names: list[str], level: Tlp | None) -> None:
    assert tag_level(names) is level


@pytest.mark.parametrize(("event_dist", "attr_dist", "attr_tags", "expected"), [
    ("1", "5", [], Tlp.GREEN),  # inherits
    ("1", "0", [], Tlp.AMBER_STRICT),  # narrower
    ("1", "3", [], Tlp.GREEN),  # never wider than the event
    ("3", "5", [], Tlp.CLEAR),
    ("3", "5", ["tlp:red"], Tlp.RED),  # its own tag wins
    ("0", "3", ["tlp:clear"], Tlp.AMBER_STRICT),  # ... but never wider either
])
def test_an_attribute_is_never_wider_than_its_event(
        event_dist: str, attr_dist: str, attr_tags: list[str], expected: Tlp) -> None:
    event = copy.deepcopy(EVENT)
    event["Event"].update(distribution=event_dist, Tag=[])
    first = event["Event"]["Attribute"][0]
    first.update(distribution=attr_dist, Tag=[{"name": t} for t in attr_tags])
    found = _levels(event)
    assert found[f"indicator--{first['uuid']}"] is expected
    assert found[f"ipv4-addr--{first['uuid']}"] is expected
    assert found["report--5f0d3c4a-8a1b-4f2e-9c3d-2b7e1a6f4d10"] is DISTRIBUTION_TLP[
        int(event_dist)]


def test_relationships_are_as_strict_as_their_ends() -> None:
    objects = event_to_stix(EVENT, _nobody, GREEN)
    relationships = [o for o in objects if o["type"] == "relationship"]
    strict = [r for r in relationships if r["source_ref"].endswith("1b24")]
    assert [tlp_of_object(r) for r in strict] == [Tlp.AMBER_STRICT]
    assert all(marking_ref(Tlp.GREEN) in r["object_marking_refs"] for r in relationships
               if r not in strict)


@pytest.mark.parametrize(("path", "patch"), [
    ("Event.uuid", {"uuid": "not-a-uuid"}),
    ("Event.distribution", {"distribution": "5"}),  # an event cannot inherit
    ("Event.Tag.0.name", {"Tag": [{"name": ""}]}),
    ("Event.Attribute", {"Attribute": {"a": 1}}),
])
def test_bad_events_name_the_field(path: str, patch: dict[str, Any]) -> None:
    event = copy.deepcopy(EVENT)
    event["Event"].update(patch)
    with pytest.raises(ValidationFailed) as caught:
        event_to_stix(event, _nobody, GREEN)
    assert caught.value.errors[0].field == path


def test_hints_read_misp_stix_labels_and_keep_other_tags() -> None:
    found = hints(['misp:type="ip-src"', 'misp:category="Network activity"', "tlp:green",
                   "Threat-Report", 'kill-chain:"C2"'])
    assert (found.type, found.category, found.tags) == ("ip-src", "Network activity",
                                                        ('kill-chain:"C2"',))
    assert misp_type(ObservableType.IPV4, found.type) == "ip-src"
    assert misp_type(ObservableType.DOMAIN, found.type) == "domain"  # a hint that lies


def test_streamed_event_loads_in_pymisp_with_the_tlp_of_each_attribute() -> None:
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    head = EventHead(str(uuid.uuid4()), "RCSC export", moment, "CERT-LT", str(uuid.uuid4()))
    attributes = [MispAttribute(str(uuid.uuid4()), "ip-dst", "Network activity",
                                "203.0.113.17", True, Tlp.AMBER, moment, "C2", ("c2",)),
                  MispAttribute(str(uuid.uuid4()), "domain", "Network activity",
                                "evil.example", False, Tlp.CLEAR, moment)]
    data = event_start(head) + b",".join(orjson.dumps(a.as_json()) for a in attributes) + \
        event_end(Tlp.CLEAR, ["rsit:fraud=\"phishing\""])
    event = MISPEvent()
    event.load(data)
    assert event.info == "RCSC export" and int(event.distribution) == 3
    assert [t.name for t in event.tags] == ['rsit:fraud="phishing"', "tlp:clear"]
    first, second = event.attributes
    assert (first.type, first.value, bool(first.to_ids), int(first.distribution)) == (
        "ip-dst", "203.0.113.17", True, 0)
    assert [t.name for t in first.tags] == ["c2", "tlp:amber"]
    assert int(second.distribution) == 3 and [t.name for t in second.tags] == ["tlp:clear"]
