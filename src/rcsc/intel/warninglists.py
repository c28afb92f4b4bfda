"""MISP warninglists: known-benign values (public resolvers, top sites, RFC 1918 and cloud
ranges …), from the lists the pymispwarninglists package ships (no network at run time).

A list applies to a value only when the list names the value's type among its
`matching_attributes`, as MISP applies it to attributes. Within a list the matching is that
of pymispwarninglists' full search (`slow_search=True`): `string` exact, `hostname` the
value's host or a parent domain of it, `substring` anywhere in the value, `cidr` an address
inside a listed network (else exact); `regex` lists match nothing there, nor here.

pymispwarninglists' full search took about 150 ms a value here and its fast search misses
the CIDR lists, so this module indexes the same lists once per process: a set for exact
values and hostnames, sliding windows over a set for substrings, and merged sorted
intervals searched by bisection for networks. tests/intel/test_warninglists.py holds it to
the full search as the oracle.
"""

from __future__ import annotations

import ipaddress
import threading
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType as T

# The MISP attribute types each of our value types stands for (misp-objects' type names).
MISP_TYPES: dict[T, frozenset[str]] = {
    T.IPV4: frozenset({"ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip"}),
    T.IPV6: frozenset({"ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip"}),
    T.DOMAIN: frozenset({"domain", "hostname", "domain|ip", "hostname|port"}),
    T.URL: frozenset({"url", "uri", "link"}),
    T.EMAIL: frozenset({"email", "email-src", "email-dst", "target-email",
                        "whois-registrant-email", "dns-soa-email"}),
    T.MD5: frozenset({"md5", "filename|md5"}),
    T.SHA1: frozenset({"sha1", "filename|sha1"}),
    T.SHA256: frozenset({"sha256", "filename|sha256"}),
    T.SHA512: frozenset({"sha512", "filename|sha512"}),
    T.FILENAME: frozenset({"filename"}),
    T.CVE: frozenset({"vulnerability"}),
    T.ASN: frozenset({"AS"}),
    T.USER_AGENT: frozenset({"user-agent"}),
}


@dataclass
class _Networks:
    """Merged [first, last] address intervals of one list, sorted by first address."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, spans: list[tuple[int, int]]) -> _Networks:
        merged: list[list[int]] = []
        for low, high in sorted(spans):
            if merged and low <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        return cls([m[0] for m in merged], [m[1] for m in merged])

    def __contains__(self, address: int) -> bool:
        at = bisect_right(self.starts, address) - 1
        return at >= 0 and address <= self.ends[at]


@dataclass
class _List:
    name: str
    kind: str
    applies_to: frozenset[str]
    values: frozenset[str]
    parents: frozenset[str] = frozenset()  # hostname lists: entries without a leading dot
    v4: _Networks = field(default_factory=_Networks)
    v6: _Networks = field(default_factory=_Networks)
    lengths: tuple[int, ...] = ()
    kinds: frozenset[T] = frozenset()  # our value types the list applies to


def _networks(entries: Iterable[str]) -> tuple[_Networks, _Networks]:
    v4: list[tuple[int, int]] = []
    v6: list[tuple[int, int]] = []
    for entry in entries:
        try:
            net = ipaddress.ip_network(entry)  # strict, as pymispwarninglists reads them
        except ValueError:
            continue  # pymispwarninglists skips what does not parse as a network too
        (v4 if net.version == 4 else v6).append(
            (int(net.network_address), int(net.broadcast_address)))
    return _Networks.of(v4), _Networks.of(v6)


def _build(raw: Mapping[str, Any]) -> _List:
    entries = [str(e) for e in raw["list"]]
    applies_to = frozenset(raw.get("matching_attributes") or ())
    made = _List(name=raw["name"], kind=raw["type"], applies_to=applies_to,
                 values=frozenset(entries),
                 kinds=frozenset(k for k, misp in MISP_TYPES.items() if misp & applies_to))
    if made.kind == "cidr":
        made.v4, made.v6 = _networks(entries)
    elif made.kind == "hostname":
        made.parents = frozenset(e.lstrip(".") for e in entries)
    elif made.kind == "substring":
        made.lengths = tuple(sorted({len(e) for e in entries if e}))
    return made


def _host_of(value: str) -> str:
    host = urlsplit(value).hostname
    return host or value


def _parents(host: str) -> Iterable[str]:
    """Every parent domain of the host: for a.b.c, b.c and c."""
    labels = host.split(".")
    return (".".join(labels[i:]) for i in range(1, len(labels)))


def _address(value: str) -> tuple[int, int] | None:
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        return None
    return parsed.version, int(parsed)


@dataclass
class _Probe:
    """A value with its host and address worked out once, not once per list."""

    value: str
    host: str
    address: tuple[int, int] | None

    @classmethod
    def of(cls, value: str) -> _Probe:
        return cls(value, _host_of(value), _address(value))


def _matches(entry: _List, probe: _Probe) -> bool:
    value = probe.value
    if entry.kind == "string":
        return value in entry.values
    if entry.kind == "hostname":  # the host itself, or ends with "." + an entry
        return probe.host in entry.values or any(p in entry.parents
                                                 for p in _parents(probe.host))
    if entry.kind == "substring":
        return "" in entry.values or any(value[i:i + n] in entry.values for n in entry.lengths
                                         for i in range(len(value) - n + 1))
    if entry.kind == "cidr":
        if probe.address is None:
            return value in entry.values
        version, number = probe.address
        return number in (entry.v4 if version == 4 else entry.v6)
    return False  # regex lists: pymispwarninglists' search matches nothing


class Warninglists:
    """The index of a set of warninglists (by default every list the package ships): each
    list keeps its own sets and intervals; a value is checked against the lists that apply
    to its type only, with its host and address worked out once. (One merged dict of all
    2.4 million entries answered in about half the time but took 12 s instead of 5 s to
    build, measured here; lists are built once per process either way.)"""

    def __init__(self, lists: Iterable[Mapping[str, Any]]) -> None:
        self._lists = [_build(raw) for raw in lists]
        self._by_kind = {kind: [e for e in self._lists if kind in e.kinds]
                         for kind in MISP_TYPES}

    def __len__(self) -> int:
        return len(self._lists)

    def names_for(self, value: IndexedValue) -> list[str]:
        """The names of the lists that flag this value, sorted."""
        probe = _Probe.of(value.value)
        return sorted(e.name for e in self._by_kind.get(value.kind, ()) if _matches(e, probe))

    def verdicts(self, values: Iterable[IndexedValue]) -> dict[IndexedValue, list[str]]:
        """The flagged values among these, with the names of the lists that flag each."""
        found = {v: self.names_for(v) for v in values}
        return {v: names for v, names in found.items() if names}


_shipped: Warninglists | None = None
_lock = threading.Lock()


def shipped_lists() -> list[dict[str, Any]]:
    """The raw lists pymispwarninglists ships, as it loads them."""
    from pymispwarninglists.api import WarningLists

    return [wl.warninglist for wl in WarningLists(slow_search=False).values()]


def shipped() -> Warninglists:
    """Every shipped list, indexed once per process (about a second, on first use)."""
    global _shipped
    with _lock:
        if _shipped is None:
            _shipped = Warninglists(shipped_lists())
        return _shipped
