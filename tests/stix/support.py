"""Builders and the validator oracle for the STIX tests (pure: no database)."""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_instance

from rcsc.core.identity import Organisation, OrgKind
from rcsc.core.incidents import (
    Impact,
    Incident,
    Milestone,
    Observable,
    ObservableRole,
    Recipients,
    Severity,
    Status,
    Submission,
    Times,
)
from rcsc.core.observables import ObservableType, normalise
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.stix.schemas import SCHEMAS

T0 = datetime(2026, 11, 20, 8, 30, 15, 123000, tzinfo=UTC)  # millisecond precision, as STIX
OWNER = uuid.UUID("6f1c3c36-2f4e-4c39-9d5b-0d0b3f3f7a01")

# uuid-check (103): STIX 2.1 §2.9 says SDOs and SROs SHOULD use UUIDv4. The ids RCSC derives
# (indicators, relationships, vulnerabilities, locations, our identity and extension
# definitions) are UUIDv5 in RCSC's own namespace on purpose: the same object gets the same
# id on every export and every node. Nothing else is accepted.
ACCEPTED_WARNINGS = frozenset({"103"})
_CODE = re.compile(r"\{(\d{3})\}")


@dataclass(frozen=True)
class Verdict:
    errors: list[str]
    warnings: list[str]

    @property
    def unaccepted(self) -> list[str]:
        return [w for w in self.warnings if not _CODE.search(w)
                or not set(_CODE.findall(w)) <= ACCEPTED_WARNINGS]

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.unaccepted == [], self.unaccepted


def write_schemas(folder: Path) -> Path:
    """RCSC's extension schemas where stix2-validator looks them up: `<extension id>.json`."""
    for extension_id, schema in SCHEMAS.items():
        (folder / f"{extension_id}.json").write_text(json.dumps(schema), encoding="utf-8")
    return folder


def validator(schema_dir: Path) -> Callable[[dict[str, Any]], Verdict]:
    """stix2-validator (STIX 2.1, custom properties refused, refs inside a bundle enforced,
    our extension schemas applied) as a function returning errors and warnings."""
    options = ValidationOptions(version="2.1", schema_dir=str(schema_dir),
                                strict_properties=True, enforce_refs=True)

    def check(instance: dict[str, Any]) -> Verdict:
        result = validate_instance(instance, options)
        return Verdict([str(e) for e in result.errors], [str(w) for w in result.warnings])
    return check


def recipients() -> Recipients:
    return Recipients(
        org_ids=frozenset({uuid.UUID("0a4d1f0e-4a3c-4d8e-9e57-1d9f64b1b001"),
                           uuid.UUID("0a4d1f0e-4a3c-4d8e-9e57-1d9f64b1b002")}),
        community_ids=frozenset({uuid.UUID("1b4d1f0e-4a3c-4d8e-9e57-1d9f64b1b003")}),
        user_ids=frozenset({uuid.UUID("2c4d1f0e-4a3c-4d8e-9e57-1d9f64b1b004")}),
    )


def make_incident(**changes: Any) -> Incident:
    incident = Incident(
        id=uuid.UUID("9d1e8a3c-5b7f-4c2a-8e6d-3f4a5b6c7d8e"),
        title="Phishing wave against energy operators",
        summary="Spear-phishing with invoice lures; two operators compromised.",
        rsit_class="fraud", rsit_type="phishing",
        severity=Severity.HIGH, status=Status.IN_PROGRESS, tlp=Tlp.AMBER,
        owner_org_id=OWNER, author_id=uuid.UUID("3d4d1f0e-4a3c-4d8e-9e57-1d9f64b1b005"),
        recipients=recipients(), countries=frozenset({"LT", "UA", "PL"}),
        sector="energy", subsector="electricity",
        impact=Impact(affected_systems=12, affected_users=None, cross_border=True),
        times=Times(started_at=T0 - timedelta(days=2), detected_at=T0 - timedelta(days=1),
                    aware_at=T0),
        attack_techniques=("T1566.001", "T1204"), cves=("CVE-2024-3094",),
        threat_actors=("APT28",), malware=("Emotet", "Cobalt Strike"),
        exercise_id=None, version=4,
        created_at=T0, updated_at=T0 + timedelta(hours=5, milliseconds=250),
        submissions={Milestone.EARLY_WARNING: Submission(T0 + timedelta(hours=20),
                                                         uuid.uuid5(OWNER, "analyst"))},
    )
    return replace(incident, **changes)


SAMPLE_VALUES: dict[ObservableType, str] = {
    ObservableType.IPV4: "198.51.100.7",
    ObservableType.IPV6: "2001:db8::7",
    ObservableType.DOMAIN: "invoice-portal.example",
    ObservableType.URL: "https://invoice-portal.example/pay?id=7",
    ObservableType.EMAIL: "billing@invoice-portal.example",
    ObservableType.MD5: "d41d8cd98f00b204e9800998ecf8427e",
    ObservableType.SHA1: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    ObservableType.SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ObservableType.SHA512: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                           "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    ObservableType.CVE: "CVE-2024-3094",
    ObservableType.ASN: "AS64500",
    ObservableType.FILENAME: "invoice_2026.pdf.exe",
    ObservableType.USER_AGENT: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
}


def make_observable(kind: ObservableType, value: str | None = None, **changes: Any) -> Observable:
    observable = Observable(
        id=uuid.uuid5(OWNER, f"{kind.value}:{value}"), incident_id=make_incident().id,
        type=kind, value=SAMPLE_VALUES[kind] if value is None else value,
        role=ObservableRole.IOC, tlp=None, first_seen=T0 - timedelta(days=3),
        last_seen=T0, comment="", created_at=T0 + timedelta(minutes=10),
    )
    return replace(observable, **changes)


def make_organisation() -> Organisation:
    return Organisation(OWNER, "CERT-LT", "LT", OrgKind.NATIONAL_CSIRT, T0 - timedelta(days=400))


# -- hypothesis: random valid observable values, normalised as RCSC stores them ------------

_LABEL = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?\Z")
_DOMAIN = st.builds(lambda labels, tld: ".".join([*labels, tld]),
                    st.lists(_LABEL, min_size=1, max_size=3),
                    st.from_regex(r"\A[a-z]{2,6}\Z"))
_TEXT = st.text(min_size=1, max_size=80)
# text made of what RFC 3986 allows in a path or query (with %-escapes, good and bad)
_URI_TEXT = st.from_regex(r"\A(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2}|%){0,40}\Z")


def _network(version: int) -> st.SearchStrategy[str]:
    bits = 32 if version == 4 else 128
    return st.builds(
        lambda ip, prefix: str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False)),
        st.ip_addresses(v=version), st.integers(min_value=0, max_value=bits))


RAW_VALUES: dict[ObservableType, st.SearchStrategy[str]] = {
    ObservableType.IPV4: st.one_of(st.ip_addresses(v=4).map(str), _network(4)),
    ObservableType.IPV6: st.one_of(st.ip_addresses(v=6).map(str), _network(6)),
    ObservableType.DOMAIN: st.one_of(_DOMAIN, st.builds(str.upper, _DOMAIN)),
    ObservableType.URL: st.builds(lambda scheme, host, path, query: f"{scheme}://{host}/{path}"
                                  + (f"?{query}" if query else ""),
                                  st.sampled_from(["http", "https", "ftp", "HTTPS"]), _DOMAIN,
                                  st.one_of(_TEXT, _URI_TEXT), st.one_of(st.text(max_size=30),
                                                                         _URI_TEXT)),
    ObservableType.EMAIL: st.builds(lambda local, domain: f"{local}@{domain}",
                                    st.one_of(st.text(min_size=1, max_size=30),
                                              st.from_regex(r"\A[A-Za-z0-9_.+-]{1,30}\Z")
                                              ).filter(lambda s: "@" not in s), _DOMAIN),
    ObservableType.MD5: st.from_regex(r"\A[0-9a-fA-F]{32}\Z"),
    ObservableType.SHA1: st.from_regex(r"\A[0-9a-fA-F]{40}\Z"),
    ObservableType.SHA256: st.from_regex(r"\A[0-9a-fA-F]{64}\Z"),
    ObservableType.SHA512: st.from_regex(r"\A[0-9a-fA-F]{128}\Z"),
    ObservableType.ASN: st.integers(min_value=0, max_value=4_294_967_295).map(
        lambda n: f"AS{n}"),
    ObservableType.FILENAME: _TEXT,
    ObservableType.USER_AGENT: st.text(min_size=1, max_size=300),
}


@st.composite
def observable_values(draw: st.DrawFn) -> tuple[ObservableType, str]:
    kind = draw(st.sampled_from(list(RAW_VALUES)))
    raw = draw(RAW_VALUES[kind])
    try:
        value = normalise(kind, raw)
    except ValidationFailed:
        assume(False)
        raise
    return kind, value
