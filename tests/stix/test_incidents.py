"""Incident → STIX `incident` → incident fields: valid STIX, and nothing lost."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rcsc.core.incidents import (
    Impact,
    Incident,
    Milestone,
    Recipients,
    Severity,
    Status,
    Submission,
    Times,
)
from rcsc.core.taxonomy import NIS2_SECTORS, RSIT
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.stix.common import millis
from rcsc.stix.extensions import INCIDENT_EXTENSION_ID, RECIPIENTS_EXTENSION_ID
from rcsc.stix.incidents import IncidentFields, incident_fields, incident_object
from rcsc.stix.markings import marking_ref
from tests.stix.support import OWNER, T0, Verdict, make_incident

EXT = f"extensions.{INCIDENT_EXTENSION_ID}"


def _original_fields(incident: Incident) -> dict[str, Any]:
    return {name: getattr(incident, name) for name in IncidentFields.__annotations__}


def test_incident_fields_are_incident_fields_but_version() -> None:
    assert set(IncidentFields.__annotations__) == \
        {f.name for f in fields(Incident)} - {"version"}


def test_incident_object_carries_the_standard_properties() -> None:
    obj = incident_object(make_incident())
    assert obj["type"] == "incident"
    assert obj["id"] == "incident--9d1e8a3c-5b7f-4c2a-8e6d-3f4a5b6c7d8e"
    assert obj["created_by_ref"] == f"identity--{OWNER}"
    assert obj["created"] == "2026-11-20T08:30:15.123Z"
    assert obj["modified"] == "2026-11-20T13:30:15.373Z"
    assert obj["name"] == "Phishing wave against energy operators"
    assert obj["object_marking_refs"] == [marking_ref(Tlp.AMBER)]
    assert obj["external_references"] == [
        {"source_name": "cve", "external_id": "CVE-2024-3094"},
        {"source_name": "mitre-attack", "external_id": "T1566.001"},
        {"source_name": "mitre-attack", "external_id": "T1204"},
    ]
    assert set(obj["extensions"]) == {INCIDENT_EXTENSION_ID, RECIPIENTS_EXTENSION_ID}


def test_incident_extension_content() -> None:
    extension = incident_object(make_incident())["extensions"][INCIDENT_EXTENSION_ID]
    assert extension == {
        "extension_type": "property-extension",
        "rsit_class": "fraud", "rsit_type": "phishing",
        "severity": "high", "status": "in-progress",
        "impact": {"cross_border": True, "critical_infrastructure": False,
                   "affected_systems": 12},
        "sector": "energy", "subsector": "electricity",
        "countries": ["LT", "PL", "UA"],
        "times": {"started_at": "2026-11-18T08:30:15.123Z",
                  "detected_at": "2026-11-19T08:30:15.123Z",
                  "aware_at": "2026-11-20T08:30:15.123Z"},
        "nis2_milestones": [
            {"milestone": "early-warning", "due": "2026-11-21T08:30:15.123Z",
             "submitted_at": "2026-11-21T04:30:15.123Z",
             "submitted_by": str(uuid.uuid5(OWNER, "analyst"))},
            {"milestone": "notification", "due": "2026-11-23T08:30:15.123Z"},
            {"milestone": "final-report", "due": "2026-12-23T08:30:15.123Z"},
        ],
        "threat_actors": ["APT28"], "malware": ["Emotet", "Cobalt Strike"],
        "author_id": "3d4d1f0e-4a3c-4d8e-9e57-1d9f64b1b005",
    }


@pytest.mark.parametrize("tlp", list(Tlp))
def test_incident_object_validates(tlp: Tlp,
                                   validate: Callable[[dict[str, Any]], Verdict]) -> None:
    incident = make_incident(tlp=tlp, recipients=Recipients() if tlp is Tlp.CLEAR
                             else make_incident().recipients)
    validate(incident_object(incident)).assert_clean()


def test_minimal_incident_validates(validate: Callable[[dict[str, Any]], Verdict]) -> None:
    incident = make_incident(summary="", countries=frozenset(), sector=None, subsector=None,
                             times=Times(), attack_techniques=(), cves=(), threat_actors=(),
                             malware=(), author_id=None, submissions={}, tlp=Tlp.GREEN,
                             recipients=Recipients(), impact=Impact())
    obj = incident_object(incident)
    assert set(obj["extensions"][INCIDENT_EXTENSION_ID]) == {
        "extension_type", "rsit_class", "rsit_type", "severity", "status", "impact"}
    validate(obj).assert_clean()
    assert incident_fields(obj, default_tlp=Tlp.RED) == _original_fields(incident)


def test_the_extension_schema_catches_a_bad_value(
        validate: Callable[[dict[str, Any]], Verdict]) -> None:
    obj = incident_object(make_incident())
    obj["extensions"][INCIDENT_EXTENSION_ID]["severity"] = "apocalyptic"
    assert any("apocalyptic" in error for error in validate(obj).errors)


def test_round_trip_keeps_every_field() -> None:
    incident = make_incident()
    found = incident_fields(incident_object(incident), default_tlp=Tlp.GREEN)
    assert found == _original_fields(incident)
    assert Incident(**found, version=incident.version) == incident


def test_round_trip_truncates_times_to_the_millisecond() -> None:
    precise = T0 + timedelta(microseconds=456789)
    incident = make_incident(created_at=precise, updated_at=precise,
                             times=Times(aware_at=precise), submissions={})
    found = incident_fields(incident_object(incident), default_tlp=Tlp.GREEN)
    assert found["created_at"] == millis(precise) == T0 + timedelta(milliseconds=456)
    assert found["times"].aware_at == millis(precise)


def test_unmarked_incident_takes_the_default_level_never_clear() -> None:
    obj = incident_object(make_incident())
    del obj["object_marking_refs"]
    assert incident_fields(obj, default_tlp=Tlp.GREEN)["tlp"] is Tlp.GREEN


def test_tlp_1_marking_is_read_as_its_tlp_2_level() -> None:
    obj = incident_object(make_incident(tlp=Tlp.GREEN, recipients=Recipients()))
    obj["object_marking_refs"] = ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]
    assert incident_fields(obj, default_tlp=Tlp.GREEN)["tlp"] is Tlp.RED


@pytest.mark.parametrize(("change", "field"), [
    (lambda o: o.update(type="report"), "type"),
    (lambda o: o.update(id="incident--nope"), "id"),
    (lambda o: o.update(created_by_ref="organization--" + str(uuid.UUID(int=1))),
     "created_by_ref"),
    (lambda o: o.update(name=""), "name"),
    (lambda o: o.update(modified="yesterday"), "modified"),
    (lambda o: o["extensions"].pop(INCIDENT_EXTENSION_ID), EXT),
    (lambda o: o["extensions"][INCIDENT_EXTENSION_ID].update(severity="apocalyptic"),
     f"{EXT}.severity"),
    (lambda o: o["extensions"][INCIDENT_EXTENSION_ID].pop("rsit_class"), f"{EXT}.rsit_class"),
    (lambda o: o["extensions"][INCIDENT_EXTENSION_ID]["impact"].update(affected_systems=-1),
     f"{EXT}.impact.affected_systems"),
    (lambda o: o["extensions"][INCIDENT_EXTENSION_ID]["impact"].update(cross_border="yes"),
     f"{EXT}.impact.cross_border"),
    (lambda o: o["extensions"][INCIDENT_EXTENSION_ID]["times"].update(aware_at="soon"),
     f"{EXT}.times.aware_at"),
    (lambda o: o["extensions"][INCIDENT_EXTENSION_ID]["nis2_milestones"][0].update(
        milestone="late-report"), f"{EXT}.nis2_milestones.0.milestone"),
    (lambda o: o["extensions"][INCIDENT_EXTENSION_ID].update(countries="LT"),
     f"{EXT}.countries"),
    (lambda o: o["extensions"][INCIDENT_EXTENSION_ID].update(exercise_id="drill-1"),
     f"{EXT}.exercise_id"),
])
def test_bad_input_is_rejected_naming_the_field(change: Callable[[dict[str, Any]], Any],
                                                field: str) -> None:
    obj = incident_object(make_incident())
    change(obj)
    with pytest.raises(ValidationFailed) as caught:
        incident_fields(obj, default_tlp=Tlp.GREEN)
    assert caught.value.errors[0].field == field


# -- property: random incidents survive the round trip -------------------------------------

_MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1),
                        timezones=st.just(UTC)).map(millis)
_IDS = st.frozensets(st.uuids(version=4), max_size=3)
_NAMES = st.lists(st.text(min_size=1, max_size=20), max_size=3, unique=True).map(tuple)
_RSIT = st.sampled_from([(c, t) for c, types in RSIT.items() for t in types])
# The CVE id syntax (cve.org): four digits may start with 0, five or more may not.
_CVE = r"\ACVE-[0-9]{4}-(0[0-9]{3}|[1-9][0-9]{3,6})\Z"
_SECTOR = st.sampled_from([(s.key, None) for s in NIS2_SECTORS]
                          + [(s.key, sub) for s in NIS2_SECTORS for sub, _ in s.subsectors])


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    tlp = draw(st.sampled_from(list(Tlp)))
    named = Recipients(draw(_IDS), draw(_IDS), draw(_IDS))
    if tlp is Tlp.CLEAR:
        named = Recipients()
    elif tlp is Tlp.GREEN:
        named = Recipients(community_ids=named.community_ids) if named.community_ids \
            else Recipients()
    rsit_class, rsit_type = draw(_RSIT)
    sector, subsector = draw(st.one_of(st.just((None, None)), _SECTOR))
    optional_moment = st.one_of(st.none(), _MOMENTS)
    created = draw(_MOMENTS)
    edited = draw(st.integers(0, 10**10).map(lambda ms: timedelta(milliseconds=ms)))
    submitted = draw(st.dictionaries(st.sampled_from(list(Milestone)), st.builds(
        Submission, _MOMENTS, st.one_of(st.none(), st.uuids(version=4)))))
    return replace(
        make_incident(), id=draw(st.uuids(version=4)), title=draw(st.text(min_size=1)),
        summary=draw(st.text()), rsit_class=rsit_class, rsit_type=rsit_type,
        severity=draw(st.sampled_from(list(Severity))),
        status=draw(st.sampled_from(list(Status))), tlp=tlp, recipients=named,
        owner_org_id=draw(st.uuids(version=4)),
        author_id=draw(st.one_of(st.none(), st.uuids(version=4))),
        countries=draw(st.frozensets(st.sampled_from(["LT", "UA", "PL", "EE", "LV"]))),
        sector=sector, subsector=subsector,
        impact=Impact(draw(st.one_of(st.none(), st.integers(0, 10**6))),
                      draw(st.one_of(st.none(), st.integers(0, 10**9))),
                      draw(st.booleans()), draw(st.booleans())),
        times=Times(*(draw(optional_moment) for _ in range(5))),
        attack_techniques=draw(st.lists(st.from_regex(r"\AT[0-9]{4}(\.[0-9]{3})?\Z"), max_size=3,
                                        unique=True).map(tuple)),
        cves=draw(st.lists(st.from_regex(_CVE), max_size=3,
                           unique=True).map(tuple)),
        threat_actors=draw(_NAMES), malware=draw(_NAMES),
        exercise_id=draw(st.one_of(st.none(), st.uuids(version=4))),
        created_at=created, updated_at=created + edited, submissions=submitted,
    )


@settings(max_examples=60, deadline=None)
@given(incident=incidents())
def test_any_incident_round_trips_and_validates(
        incident: Incident, validate: Callable[[dict[str, Any]], Verdict]) -> None:
    obj = incident_object(incident)
    assert Incident(**incident_fields(obj, default_tlp=Tlp.GREEN),
                    version=incident.version) == incident
    validate(obj).assert_clean()
