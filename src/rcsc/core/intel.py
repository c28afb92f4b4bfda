"""Values in the correlation index: one posting per (value, object), never one row per
matching pair, so the index grows with the number of values (MISP's pair table grows with
their square).

A value is looked up by a fixed-width key (the first 16 bytes of SHA-256 over its type and
normalised form), so a 2 KB URL costs an index entry as small as an IPv4 address's.
Addresses and CIDR ranges also carry the first and last address they cover, as fixed-width
big-endian bytes (4 for IPv4, 16 for IPv6), which compare in numeric order in SQLite and
PostgreSQL alike: containment is two comparisons.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from socket import inet_aton
from typing import Any, Generic, TypeVar, overload

from rcsc.core.observables import HASH_LENGTHS, ObservableType, normalise, plain_domain, refang
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed

KEY_BYTES = 16
IP_KINDS = frozenset({ObservableType.IPV4, ObservableType.IPV6})
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_HASH_BY_LENGTH = {length: kind for kind, length in HASH_LENGTHS.items()}
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$", re.I)
_ASN = re.compile(r"^AS\d{1,10}$", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
# Every character an address or CIDR range can be written with (an IPv6 zone after `%`
# aside): text with any other is no address, and a failed parse costs ~10 us.
_IP_CHARS = frozenset("0123456789abcdefABCDEF.:/")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"^{_OCTET}(?:\.{_OCTET}){{3}}$")  # dotted quad as ipaddress accepts it


def value_key(kind: ObservableType, value: str) -> bytes:
    """The index key of a normalised value of this type."""
    return hashlib.sha256(f"{kind.value}\x1f{value}".encode()).digest()[:KEY_BYTES]


def ip_range(kind: ObservableType, value: str) -> tuple[bytes, bytes] | None:
    """(first, last) address an address or CIDR range covers; None for other types."""
    if kind not in IP_KINDS:
        return None
    if "/" not in value and "%" not in value:  # one address: first and last are itself
        packed = ipaddress.ip_address(value).packed
        return packed, packed
    network = ipaddress.ip_network(value, strict=False)
    return network.network_address.packed, network.broadcast_address.packed


R = TypeVar("R")


class _once(Generic[R]):  # noqa: N801 - used as a decorator, like cached_property
    """Worked out on first use, then kept in the instance's __dict__ (which a frozen
    dataclass allows; being a non-data descriptor, the kept value wins from then on).
    functools.cached_property does the same under a lock (Python 3.11), which cost a
    1,000-value lookup ~10 ms over its 2,500 first reads."""

    def __init__(self, compute: Callable[[Any], R]) -> None:
        self.compute = compute
        self.name = compute.__name__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _once[R]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> R: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> R | _once[R]:
        if instance is None:
            return self
        made = self.compute(instance)
        instance.__dict__[self.name] = made
        return made


@dataclass(frozen=True)
class IndexedValue:
    """A normalised value of one observable type."""

    kind: ObservableType
    value: str

    def __hash__(self) -> int:
        """The text's hash alone (str keeps its own): the generated hash built a tuple and
        called the enum's Python-level `__hash__` on every dict or set operation, ~7,000 a
        1,000-value lookup. Equal values have equal texts; equality still compares kinds."""
        return hash(self.value)

    # Worked out once per value (a lookup of 1,000 values reads each several times).
    @_once
    def key(self) -> bytes:
        return value_key(self.kind, self.value)

    @_once
    def span(self) -> tuple[bytes, bytes] | None:
        return ip_range(self.kind, self.value)

    @property
    def is_range(self) -> bool:
        span = self.span
        return span is not None and span[0] != span[1]


def _guess(text: str) -> ObservableType | None:
    if _CVE.match(text):
        return ObservableType.CVE
    if _ASN.match(text):
        return ObservableType.ASN
    if _HEX.match(text) and len(text) in _HASH_BY_LENGTH:
        return _HASH_BY_LENGTH[len(text)]
    if "%" in text or _IP_CHARS.issuperset(text):  # else no address: no parse, no raise
        try:  # without a prefix, ip_network accepts exactly what ip_address does
            parsed = (ipaddress.ip_address(text) if "/" not in text
                      else ipaddress.ip_network(text, strict=False))
        except ValueError:
            pass
        else:
            return ObservableType.IPV4 if parsed.version == 4 else ObservableType.IPV6
    if _SCHEME.match(text):
        return ObservableType.URL
    if "@" in text:
        return ObservableType.EMAIL
    if "." in text and not any(c.isspace() for c in text) and "/" not in text:
        return ObservableType.DOMAIN
    return None


def stored(kind: ObservableType, value: str, key: bytes) -> IndexedValue:
    """A value read back from the index, with its key as stored (not worked out again)."""
    made = IndexedValue(kind, value)
    made.__dict__["key"] = key
    return made


def _with_span(made: IndexedValue, packed: bytes) -> IndexedValue:
    made.__dict__["span"] = (packed, packed)  # what `span` would work out, parsing again
    return made


def _quick(text: str) -> IndexedValue | None:
    """The common cases of a lookup, each recognised, normalised and spanned at once (as
    `_guess`, `normalise` and `ip_range` would each parse an address: three parses for
    one): a single address, a plain ASCII domain; None for anything else (left to them).
    tests/core/test_intel.py holds it to `_guess` + `normalise` as the oracle."""
    if _IPV4.match(text):  # canonical as written: ASCII digits, no leading zeros
        return _with_span(IndexedValue(ObservableType.IPV4, text),
                          inet_aton(text))
    if ":" in text and "/" not in text and "%" not in text and _IP_CHARS.issuperset(text):
        try:
            parsed = ipaddress.ip_address(text)
        except ValueError:
            return None
        kind = ObservableType.IPV4 if parsed.version == 4 else ObservableType.IPV6
        return _with_span(IndexedValue(kind, str(parsed)), parsed.packed)
    if "." not in text or _IP_CHARS.issuperset(text):  # a hash, an address-like name …
        return None
    domain = plain_domain(text)
    return IndexedValue(ObservableType.DOMAIN, domain) if domain is not None else None


def detect(text: str, kind: ObservableType | None = None) -> IndexedValue | None:
    """The value someone typed or pasted (defanged forms such as `hxxp://evil[.]lt`
    understood), normalised, with its type guessed when not given; None when it is not
    a value of any indexed type."""
    cleaned = refang(text)
    if kind is None:
        quick = _quick(cleaned)
        if quick is not None:
            return quick
    found = kind or _guess(cleaned)
    if found is None:
        return None
    try:
        return IndexedValue(found, normalise(found, cleaned))
    except ValidationFailed:
        return None


@dataclass(frozen=True)
class MatchedObject:
    """A stored STIX object version that carries a matching value (the newest version of
    it the viewer may see)."""

    pk: int
    stix_id: str
    type: str
    name: str | None
    tlp: Tlp
    owner_org_id: uuid.UUID
    source_key: str | None  # "incident:<id>" for an incident's published objects
    collection_alias: str
    date_added: datetime


@dataclass(frozen=True)
class Match:
    """`found` (a value an object carries) matches `asked` (equal, or one inside the
    other's CIDR range)."""

    asked: IndexedValue
    found: IndexedValue
    obj: MatchedObject
