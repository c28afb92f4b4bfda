"""The observable values a stored STIX object carries, for the correlation index.

- An `indicator` with a STIX pattern: the value of each equality (or CIDR `ISSUBSET`)
  comparison on an object path RCSC knows (`[ipv4-addr:value = '…']`,
  `[file:hashes.'SHA-256' = '…']`, `[domain-name:value = '…']`, …). The common single
  comparison is read by a regular expression; anything else by stix2-patterns
  (`patterns.observables_in`), which a test uses as the oracle of the fast path.
- A cyber-observable: its value (addresses, domains, URLs, e-mail addresses), its hashes
  and name (files), its number (autonomous systems).
- A `vulnerability`: its CVE id (its name, or a `cve` external reference).

Values are normalised as observables are (defanged forms refanged, hashes lower-case …);
a value that does not normalise is left out, never stored raw.
"""

from __future__ import annotations

import re
from typing import Any

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType, normalise
from rcsc.errors import ValidationFailed
from rcsc.stix.patterns import observables_in, unquote

_STRING = r"'((?:[^'\\]|\\['\\])*)'"
# One comparison of a value-bearing path: `[type:path = 'value']` or ISSUBSET for CIDR.
_SIMPLE = re.compile(
    r"\[(ipv4-addr|ipv6-addr|domain-name|url|email-addr):value (=|ISSUBSET) " + _STRING + r"\]"
    r"|\[file:hashes\.(MD5|'SHA-1'|'SHA-256'|'SHA-512') = " + _STRING + r"\]"
    r"|\[file:name = " + _STRING + r"\]")
_VALUE_TYPES = {"ipv4-addr": ObservableType.IPV4, "ipv6-addr": ObservableType.IPV6,
                "domain-name": ObservableType.DOMAIN, "url": ObservableType.URL,
                "email-addr": ObservableType.EMAIL}
_HASHES = {"MD5": ObservableType.MD5, "SHA-1": ObservableType.SHA1,
           "SHA-256": ObservableType.SHA256, "SHA-512": ObservableType.SHA512}


def _value(kind: ObservableType, raw: object) -> IndexedValue | None:
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return None
    try:
        return IndexedValue(kind, normalise(kind, str(raw)))
    except ValidationFailed:
        return None


def _simple(pattern: str) -> list[IndexedValue] | None:
    """The value of a single plain comparison; None when the pattern is not one."""
    found = _SIMPLE.fullmatch(pattern)
    if found is None:
        return None
    sco_type, operator, text, algorithm, hashed, name = found.groups()
    if sco_type is not None:
        kind = _VALUE_TYPES[sco_type]
        if operator == "ISSUBSET" and kind not in (ObservableType.IPV4, ObservableType.IPV6):
            return []
        value = _value(kind, unquote(f"'{text}'"))
    elif algorithm is not None:
        value = _value(_HASHES[algorithm.strip("'")], unquote(f"'{hashed}'"))
    else:
        value = _value(ObservableType.FILENAME, unquote(f"'{name}'"))
    return [value] if value else []


def pattern_values(pattern: str) -> list[IndexedValue]:
    fast = _simple(pattern)
    if fast is not None:
        return fast
    try:
        return [IndexedValue(kind, value) for kind, value in observables_in(pattern)]
    except ValidationFailed:
        return []


def _sco_values(obj: dict[str, Any], kind: str) -> list[IndexedValue | None]:
    if kind in _VALUE_TYPES:
        return [_value(_VALUE_TYPES[kind], obj.get("value"))]
    if kind == "file":
        hashes = obj.get("hashes")
        found = [_value(_HASHES[name], value) for name, value in hashes.items()
                 if name in _HASHES] if isinstance(hashes, dict) else []
        return [*found, _value(ObservableType.FILENAME, obj.get("name"))]
    if kind == "autonomous-system":
        return [_value(ObservableType.ASN, obj.get("number"))]
    return []


def _cves(obj: dict[str, Any]) -> list[IndexedValue | None]:
    found = [_value(ObservableType.CVE, obj.get("name"))]
    references = obj.get("external_references")
    if isinstance(references, list):
        found += [_value(ObservableType.CVE, ref.get("external_id")) for ref in references
                  if isinstance(ref, dict) and ref.get("source_name") == "cve"]
    return found


def values_of(obj: dict[str, Any]) -> list[IndexedValue]:
    """Every indexed value the object carries, in order, without repeats."""
    kind = obj.get("type")
    found: list[IndexedValue | None] = []
    if kind == "indicator" and obj.get("pattern_type", "stix") == "stix":
        pattern = obj.get("pattern")
        found += pattern_values(pattern) if isinstance(pattern, str) else []
    elif kind == "vulnerability":
        found += _cves(obj)
    elif isinstance(kind, str):
        found += _sco_values(obj, kind)
    return list(dict.fromkeys(v for v in found if v is not None))
