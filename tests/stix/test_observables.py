"""Observables as SCOs, indicators, vulnerabilities and relationships to their incident."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings

from rcsc.core.incidents import ObservableRole, Recipients
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.stix.common import timestamp
from rcsc.stix.extensions import RECIPIENTS_EXTENSION_ID
from rcsc.stix.ids import identity_id, incident_id, indicator_id
from rcsc.stix.markings import marking_ref, tlp_of_object
from rcsc.stix.observables import observable_objects, observable_tlp, sco
from rcsc.stix.recipients import read_recipients
from tests.stix.support import (
    OWNER,
    SAMPLE_VALUES,
    Verdict,
    make_incident,
    make_observable,
    observable_values,
)

SCO_TYPES = {
    ObservableType.IPV4: "ipv4-addr", ObservableType.IPV6: "ipv6-addr",
    ObservableType.DOMAIN: "domain-name", ObservableType.URL: "url",
    ObservableType.EMAIL: "email-addr", ObservableType.MD5: "file",
    ObservableType.SHA1: "file", ObservableType.SHA256: "file", ObservableType.SHA512: "file",
    ObservableType.ASN: "autonomous-system", ObservableType.FILENAME: "file",
}


def _types(objects: list[dict[str, Any]]) -> list[str]:
    return [obj["type"] for obj in objects]


@pytest.mark.parametrize("kind", list(ObservableType))
def test_each_type_becomes_valid_stix(kind: ObservableType,
                                      validate: Callable[[dict[str, Any]], Verdict]) -> None:
    objects = observable_objects(make_observable(kind), make_incident())
    expected = [SCO_TYPES[kind]] if kind in SCO_TYPES else []
    expected += ["vulnerability" if kind is ObservableType.CVE else "indicator", "relationship"]
    assert _types(objects) == expected
    for obj in objects:
        validate(obj).assert_clean()


def test_indicator_properties() -> None:
    observable = make_observable(ObservableType.IPV4, comment="C2 seen in proxy logs")
    _, indicator, link = observable_objects(observable, make_incident())
    assert indicator["id"] == indicator_id(make_incident().id, observable.id)
    assert indicator["created_by_ref"] == identity_id(OWNER)
    assert indicator["name"] == SAMPLE_VALUES[ObservableType.IPV4]
    assert indicator["description"] == "C2 seen in proxy logs"
    assert indicator["pattern"] == "[ipv4-addr:value = '198.51.100.7']"
    assert (indicator["pattern_type"], indicator["pattern_version"]) == ("stix", "2.1")
    assert indicator["indicator_types"] == ["malicious-activity"]
    assert indicator["valid_from"] == "2026-11-17T08:30:15.123Z"  # first_seen
    assert (link["source_ref"], link["relationship_type"], link["target_ref"]) == \
        (indicator["id"], "related-to", incident_id(make_incident().id))


def test_valid_from_falls_back_to_created() -> None:
    _, indicator, _ = observable_objects(make_observable(ObservableType.IPV4, first_seen=None),
                                         make_incident())
    assert indicator["valid_from"] == "2026-11-20T08:40:15.123Z"


def test_context_observable_is_not_called_malicious() -> None:
    observable = make_observable(ObservableType.IPV4, role=ObservableRole.CONTEXT)
    _, indicator, _ = observable_objects(observable, make_incident())
    assert indicator["indicator_types"] == ["unknown"]
    assert indicator["description"].startswith("Context observable")


def test_cve_becomes_a_vulnerability_with_its_cve_reference() -> None:
    vulnerability, link = observable_objects(make_observable(ObservableType.CVE),
                                             make_incident())
    assert vulnerability["name"] == "CVE-2024-3094"
    assert vulnerability["external_references"] == [
        {"source_name": "cve", "external_id": "CVE-2024-3094"}]
    assert link["source_ref"] == vulnerability["id"]


@pytest.mark.parametrize(("incident_tlp", "own", "expected"), [
    (Tlp.GREEN, None, Tlp.GREEN),
    (Tlp.GREEN, Tlp.RED, Tlp.RED),
    (Tlp.AMBER, Tlp.CLEAR, Tlp.AMBER),  # never wider than the incident
    (Tlp.AMBER_STRICT, Tlp.AMBER, Tlp.AMBER_STRICT),
])
def test_every_object_is_marked_at_the_observable_level(
        incident_tlp: Tlp, own: Tlp | None, expected: Tlp) -> None:
    incident = make_incident(tlp=incident_tlp)
    observable = make_observable(ObservableType.DOMAIN, tlp=own)
    assert observable_tlp(observable, incident) is expected
    for obj in observable_objects(observable, incident):
        assert obj["object_marking_refs"] == [marking_ref(expected)]
        assert tlp_of_object(obj) is expected


@pytest.mark.parametrize("tlp", [Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED])
def test_every_object_carries_the_incident_recipients(tlp: Tlp) -> None:
    incident = make_incident(tlp=tlp)
    for obj in observable_objects(make_observable(ObservableType.SHA256), incident):
        assert RECIPIENTS_EXTENSION_ID in obj["extensions"]
        assert read_recipients(obj) == incident.recipients


def test_clear_objects_carry_no_recipients() -> None:
    incident = make_incident(tlp=Tlp.CLEAR, recipients=Recipients())
    for obj in observable_objects(make_observable(ObservableType.SHA256), incident):
        assert "extensions" not in obj


@pytest.mark.parametrize(("kind", "value"), [
    (ObservableType.URL, "http://evil.example/a path/x"),
    (ObservableType.URL, "http://evil.example/C:\\windows"),
    (ObservableType.EMAIL, "o'brien@evil.example"),
])
def test_values_outside_the_sco_form_get_only_an_indicator(
        kind: ObservableType, value: str, validate: Callable[[dict[str, Any]], Verdict]) -> None:
    assert sco(kind, value, Tlp.GREEN, Recipients()) is None
    objects = observable_objects(make_observable(kind, value), make_incident())
    assert _types(objects) == ["indicator", "relationship"]
    for obj in objects:
        validate(obj).assert_clean()


@pytest.mark.parametrize("value", ["http://[2001:db8::1]:8080/x?y=1", "ftp://user@files.example/"])
def test_urls_with_ipv6_hosts_and_users_keep_their_sco(
        value: str, validate: Callable[[dict[str, Any]], Verdict]) -> None:
    found = sco(ObservableType.URL, value, Tlp.GREEN, Recipients())
    assert found is not None
    validate(found).assert_clean()


def test_relationship_is_created_with_the_observable() -> None:
    incident = make_incident()
    *_, link = observable_objects(make_observable(ObservableType.DOMAIN), incident)
    assert link["created"] == "2026-11-20T08:40:15.123Z"
    assert link["modified"] == max(link["created"], timestamp(incident.updated_at))


def test_an_incident_change_is_a_new_version_of_its_observables_objects() -> None:
    """Their marking comes from the incident: a re-marked incident must not leave a copy
    with the old marking under the same (id, modified) anywhere."""
    observable = make_observable(ObservableType.DOMAIN)
    before = make_incident()
    after = replace(before, tlp=Tlp.RED, updated_at=before.updated_at + timedelta(hours=1))
    old, new = observable_objects(observable, before), observable_objects(observable, after)
    for first, second in zip(old[1:], new[1:], strict=True):  # the SCO has no version
        assert first["id"] == second["id"] and first["modified"] < second["modified"]


@settings(max_examples=80, deadline=None)
@given(pair=observable_values())
def test_any_sco_we_emit_validates(pair: tuple[ObservableType, str],
                                   validate: Callable[[dict[str, Any]], Verdict]) -> None:
    # The SCO-form rules (_sco_form) against the validator's format checks (uri, email,
    # idn-hostname): whatever we emit is accepted.
    kind, value = pair
    found = sco(kind, value, Tlp.AMBER, make_incident().recipients)
    if found is not None:
        validate(found).assert_clean()
