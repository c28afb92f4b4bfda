"""Deterministic ids: SCO ids as STIX 2.1 §2.9 computes them (stix2 is the oracle), and the
ids RCSC derives stable across calls and distinct across inputs."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import stix2
from hypothesis import given
from hypothesis import strategies as st

from rcsc.core.incidents import Recipients
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.stix.ids import (
    RCSC_NAMESPACE,
    derived_id,
    identity_id,
    incident_id,
    indicator_id,
    location_id,
    relationship_id,
    sco_id,
    uuid_of,
    vulnerability_id,
)
from rcsc.stix.observables import sco
from tests.stix.support import SAMPLE_VALUES

ORACLE: dict[ObservableType, Any] = {
    ObservableType.IPV4: lambda v: stix2.v21.IPv4Address(value=v),
    ObservableType.IPV6: lambda v: stix2.v21.IPv6Address(value=v),
    ObservableType.DOMAIN: lambda v: stix2.v21.DomainName(value=v),
    ObservableType.URL: lambda v: stix2.v21.URL(value=v),
    ObservableType.EMAIL: lambda v: stix2.v21.EmailAddress(value=v),
    ObservableType.MD5: lambda v: stix2.v21.File(hashes={"MD5": v}),
    ObservableType.SHA1: lambda v: stix2.v21.File(hashes={"SHA-1": v}),
    ObservableType.SHA256: lambda v: stix2.v21.File(hashes={"SHA-256": v}),
    ObservableType.SHA512: lambda v: stix2.v21.File(hashes={"SHA-512": v}),
    ObservableType.FILENAME: lambda v: stix2.v21.File(name=v),
    ObservableType.ASN: lambda v: stix2.v21.AutonomousSystem(number=int(v[2:])),
}


@pytest.mark.parametrize("kind", list(ORACLE))
def test_sco_id_is_the_one_stix2_computes(kind: ObservableType) -> None:
    ours = sco(kind, SAMPLE_VALUES[kind], Tlp.GREEN, Recipients())
    assert ours is not None
    assert ours["id"] == ORACLE[kind](SAMPLE_VALUES[kind]).id


def test_sco_id_uses_the_first_hash_by_precedence_as_stix2_does() -> None:
    hashes = {"SHA-256": SAMPLE_VALUES[ObservableType.SHA256],
              "SHA-1": SAMPLE_VALUES[ObservableType.SHA1]}
    assert sco_id("file", {"hashes": hashes}) == stix2.v21.File(hashes=hashes).id
    assert sco_id("file", {"hashes": hashes}) == \
        sco_id("file", {"hashes": {"SHA-1": hashes["SHA-1"]}})


@given(st.text(min_size=1, max_size=60).filter(lambda s: "\x00" not in s))
def test_filename_sco_ids_match_stix2_for_any_text(name: str) -> None:
    # RFC 8785 canonical JSON of non-ASCII, quotes, control characters: the same bytes.
    assert sco_id("file", {"name": name}) == stix2.v21.File(name=name).id


@given(st.integers(min_value=0, max_value=4_294_967_295))
def test_asn_sco_ids_match_stix2(number: int) -> None:
    assert sco_id("autonomous-system", {"number": number}) == \
        stix2.v21.AutonomousSystem(number=number).id


def test_sco_ids_are_uuid5_in_the_stix_namespace() -> None:
    found = uuid.UUID(sco_id("ipv4-addr", {"value": "192.0.2.1"}).split("--")[1])
    assert found.version == 5


def test_identity_and_incident_keep_rcsc_uuids() -> None:
    org, incident = uuid.uuid4(), uuid.uuid4()
    assert identity_id(org) == f"identity--{org}"
    assert incident_id(incident) == f"incident--{incident}"
    assert uuid_of(identity_id(org), "identity", "created_by_ref") == org


def test_derived_ids_are_stable_and_distinct() -> None:
    incident, first, second = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
    assert indicator_id(incident, first) == indicator_id(incident, first)
    ids = {indicator_id(incident, first), indicator_id(incident, second),
           indicator_id(first, incident), vulnerability_id(incident, first),
           relationship_id("a--1", "related-to", "b--2"),
           relationship_id("b--2", "related-to", "a--1"), location_id("LT"), location_id("UA")}
    assert len(ids) == 8
    assert location_id("lt") == location_id("LT")


def test_derived_ids_use_our_namespace_not_the_sco_one() -> None:
    expected = uuid.uuid5(RCSC_NAMESPACE, "location\x1fLT")
    assert derived_id("location", "LT") == f"location--{expected}"


@pytest.mark.parametrize("value", ["incident--" + str(uuid.UUID(int=1)), "identity--nope",
                                   "identity-" + str(uuid.UUID(int=1)), None, 42])
def test_uuid_of_rejects_other_types_and_shapes(value: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        uuid_of(value, "identity", "created_by_ref")
    assert caught.value.errors[0].field == "created_by_ref"
