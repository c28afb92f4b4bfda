"""The RCSC observables a STIX object carries, for exports that speak in values (CSV, plain
value lists, MISP attributes): the comparisons of an indicator's STIX pattern, the value of a
cyber-observable object, the CVE a vulnerability names.

Beyond `rcsc.stix.patterns.observables_in` this reads the paths misp-stix writes for MISP's
ip-src / ip-dst and e-mail attributes (`network-traffic:dst_ref.value`,
`email-message:from_ref.value`), where the type of the value is told by the value itself.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from rcsc.core.observables import ObservableType, normalise
from rcsc.errors import ValidationFailed
from rcsc.stix.common import StixObject
from rcsc.stix.patterns import Comparison, comparisons, observable_of

Found = tuple[ObservableType, str]
# object type → (property, observable type) for the SCOs whose value is one observable
_SCO_VALUES: dict[str, tuple[str, ObservableType | None]] = {
    "ipv4-addr": ("value", ObservableType.IPV4), "ipv6-addr": ("value", ObservableType.IPV6),
    "domain-name": ("value", ObservableType.DOMAIN), "url": ("value", ObservableType.URL),
    "email-addr": ("value", ObservableType.EMAIL),
    "autonomous-system": ("number", ObservableType.ASN),
}
_FILE_HASHES: dict[str, ObservableType] = {
    "MD5": ObservableType.MD5, "SHA1": ObservableType.SHA1, "SHA256": ObservableType.SHA256,
    "SHA512": ObservableType.SHA512}
# Paths whose value is an address of either family (network-traffic ends) or a mailbox.
_REF_PATHS: dict[tuple[str, tuple[str, ...]], ObservableType | None] = {
    ("network-traffic", ("dst_ref", "value")): None,
    ("network-traffic", ("src_ref", "value")): None,
    ("email-message", ("from_ref", "value")): ObservableType.EMAIL,
    ("email-message", ("sender_ref", "value")): ObservableType.EMAIL,
    ("email-message", ("to_refs", "[*]", "value")): ObservableType.EMAIL,
}


def _checked(kind: ObservableType, value: str) -> Found | None:
    try:
        return kind, normalise(kind, value)
    except ValidationFailed:
        return None


def _address(value: str) -> Found | None:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    kind = ObservableType.IPV4 if network.version == 4 else ObservableType.IPV6
    return _checked(kind, value)


def _by_ref(comparison: Comparison) -> Found | None:
    key = (comparison.object_type, tuple(str(step) for step in comparison.path))
    if key not in _REF_PATHS or comparison.operator != "=" or \
            not isinstance(comparison.value, str):
        return None
    kind = _REF_PATHS[key]
    return _address(comparison.value) if kind is None else _checked(kind, comparison.value)


def in_pattern(pattern: str) -> list[Found]:
    """The observables a STIX pattern tests for, in order, without repeats; [] when the
    pattern does not parse (nothing to export from it)."""
    try:
        found = comparisons(pattern)
    except ValidationFailed:
        return []
    seen: dict[Found, None] = {}
    for comparison in found:
        pair = observable_of(comparison) or _by_ref(comparison)
        if pair is not None:
            seen[pair] = None
    return list(seen)


def in_sco(obj: StixObject) -> list[Found]:
    """The observables of one cyber-observable object (a file: each hash and its name)."""
    kind = obj.get("type")
    if kind == "file":
        return _file(obj)
    if kind not in _SCO_VALUES:
        return []
    prop, observable = _SCO_VALUES[str(kind)]
    value = obj.get(prop)
    if observable is None or value is None or isinstance(value, bool):
        return []
    pair = _checked(observable, str(value))
    return [pair] if pair else []


def _file(obj: StixObject) -> list[Found]:
    found: list[Found] = []
    hashes = obj.get("hashes")
    for name, value in (hashes.items() if isinstance(hashes, dict) else ()):
        kind = _FILE_HASHES.get(str(name).replace("-", "").upper())
        pair = _checked(kind, value) if kind and isinstance(value, str) else None
        if pair:
            found.append(pair)
    name = obj.get("name")
    pair = _checked(ObservableType.FILENAME, name) if isinstance(name, str) else None
    return found + ([pair] if pair else [])


def in_vulnerability(obj: StixObject) -> list[Found]:
    """The CVE a vulnerability names: its `cve` external reference, else its name."""
    for ref in obj.get("external_references") or []:
        if isinstance(ref, dict) and ref.get("source_name") == "cve" and \
                isinstance(ref.get("external_id"), str):
            pair = _checked(ObservableType.CVE, ref["external_id"])
            if pair:
                return [pair]
    name = obj.get("name")
    pair = _checked(ObservableType.CVE, name) if isinstance(name, str) else None
    return [pair] if pair else []


def observables(obj: Any) -> list[Found]:
    """What `obj` carries that RCSC reads as observables; [] for anything else."""
    if not isinstance(obj, dict):
        return []
    kind = obj.get("type")
    if kind == "indicator":
        pattern = obj.get("pattern")
        stix = obj.get("pattern_type", "stix") == "stix"
        return in_pattern(pattern) if stix and isinstance(pattern, str) else []
    if kind == "vulnerability":
        return in_vulnerability(obj)
    return in_sco(obj)
