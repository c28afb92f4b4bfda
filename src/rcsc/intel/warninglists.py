"""MISP warninglists: known-benign values (public resolvers, top sites, RFC 1918 and cloud
ranges …), from the lists the pymispwarninglists package ships (no network at run time).

A list applies to a value only when the list names the value's type among its
`matching_attributes`, as MISP applies it to attributes. Within a list the matching is that
of pymispwarninglists' full search (`slow_search=True`): `string` exact, `hostname` the
value's host or a parent domain of it, `substring` anywhere in the value, `cidr` an address
inside a listed network (else exact); `regex` lists match nothing there, nor here.

pymispwarninglists' full search took about 150 ms a value here and its fast search misses
the CIDR lists, so this module indexes the same lists once per process, merged across
lists (see `Warninglists`). tests/intel/test_warninglists.py holds it to the full search as
the oracle.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import pickle
import sys
import tempfile
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rcsc.core.intel import IP_KINDS, IndexedValue
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


Ids = int | tuple[int, ...]  # the lists holding an entry: one (most often) or several


def _add(index: dict[str, Ids], key: str, list_id: int) -> None:
    old = index.get(key)
    if old is None:
        index[key] = list_id
    elif isinstance(old, int):
        if old != list_id:
            index[key] = (old, list_id)
    elif list_id not in old:
        index[key] = (*old, list_id)


def _ids(found: Ids | None) -> tuple[int, ...]:
    if found is None:
        return ()
    return (found,) if isinstance(found, int) else found


@dataclass
class _Segments:
    """Every list's networks of one IP version, cut into disjoint segments, each with the
    lists covering it: one bisection answers for all lists at once."""

    starts: list[int] = field(default_factory=list)
    covering: list[tuple[int, ...]] = field(default_factory=list)

    @classmethod
    def of(cls, spans: list[tuple[int, int, int]]) -> _Segments:
        events: dict[int, list[tuple[int, int]]] = {}
        for low, high, list_id in spans:
            events.setdefault(low, []).append((1, list_id))
            events.setdefault(high + 1, []).append((-1, list_id))
        made, active = cls(), dict[int, int]()
        for at in sorted(events):
            for step, list_id in events[at]:
                active[list_id] = active.get(list_id, 0) + step
            made.starts.append(at)
            made.covering.append(tuple(sorted(i for i, n in active.items() if n > 0)))
        return made

    def lists_at(self, address: int) -> tuple[int, ...]:
        at = bisect_right(self.starts, address) - 1
        return self.covering[at] if at >= 0 else ()


@dataclass
class _List:
    name: str
    kind: str
    applies_to: frozenset[str]
    description: str
    size: int
    kinds: frozenset[T] = frozenset()  # our value types the list applies to
    # substring lists only: entries by their first `shortest` characters
    by_prefix: dict[str, list[str]] = field(default_factory=dict)
    shortest: int = 0
    empty: bool = False
    address_like: bool = False  # some entry could occur inside an address (hex, dots, colons)


def _spans(entries: Iterable[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Merged (first, last) address intervals of one list, by IP version."""
    found: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    for entry in entries:
        try:
            net = ipaddress.ip_network(entry)  # strict, as pymispwarninglists reads them
        except ValueError:
            continue  # pymispwarninglists skips what does not parse as a network too
        found[net.version].append((int(net.network_address), int(net.broadcast_address)))
    return _merged(found[4]), _merged(found[6])


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return [(m[0], m[1]) for m in merged]


def _host_of(value: str) -> str:
    if "//" not in value:  # no netloc, so urlsplit would find no host (and costs 10 µs)
        return value
    host = urlsplit(value).hostname
    return host or value


def _parents(host: str) -> tuple[str, ...]:
    """Every parent domain of the host: for a.b.c, b.c and c."""
    found = []
    at = host.find(".")
    while at >= 0:
        found.append(host[at + 1:])
        at = host.find(".", at + 1)
    return tuple(found)


_ADDRESS_CHARS = frozenset("0123456789abcdefABCDEF:.")


def _address(value: str) -> tuple[int, int] | None:
    # a domain, or a hash (hex, but no dot or colon): no parse, no raise
    if not value or not _ADDRESS_CHARS.issuperset(value) or \
            ("." not in value and ":" not in value):
        return None
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        return None
    return parsed.version, int(parsed)


def _address_of(value: IndexedValue) -> tuple[int, int] | None:
    """`_address` of the value's text, from the span its type guess already worked out
    for a single address (parsing the text again cost most of an address's verdict)."""
    text = value.value
    if value.kind in IP_KINDS and "/" not in text and "%" not in text:
        try:
            span = value.span
        except ValueError:  # built by hand with no address in it: no list's address
            span = None
        if span is not None:
            return (4 if len(span[0]) == 4 else 6), int.from_bytes(span[0], "big")
    return _address(text)


@dataclass
class _Grams:
    """The `substring` entries of every list applying to one type, by their first `n`
    characters (n: the shortest entry): the value's n-grams are looked up once for all the
    lists, and only the entries behind a gram found are searched for (walking each list
    position by position took most of a domain's verdict)."""

    n: int
    by_gram: dict[str, list[tuple[str, int]]]  # gram -> (entry, list)
    always: set[int]  # lists with an empty entry: inside every value

    @classmethod
    def of(cls, lists: list[tuple[int, _List]]) -> _Grams:
        entries = [(entry, list_id) for list_id, e in lists
                   for bucket in e.by_prefix.values() for entry in bucket]
        n = min((len(entry) for entry, _ in entries), default=1)
        made = cls(n, {}, {i for i, e in lists if e.empty})
        for entry, list_id in entries:
            made.by_gram.setdefault(entry[:n], []).append((entry, list_id))
        return made

    def inside(self, value: str) -> set[int]:
        """The lists with an entry inside the value."""
        found = set(self.always)
        n, by_gram = self.n, self.by_gram
        grams = {value[i:i + n] for i in range(len(value) - n + 1)}
        for gram in filter(by_gram.__contains__, grams):  # (keys() & grams copies the keys)
            found.update(list_id for entry, list_id in by_gram[gram] if entry in value)
        return found


class Warninglists:
    """The index of a set of warninglists (by default every list the package ships), merged
    across lists: one dict of the `string` entries, two of the `hostname` entries (as
    listed, and without a leading dot for parent domains), one of the `cidr` entries that
    are no network, and the networks cut into segments per IP version; each key names the
    lists holding it. A value costs a few dict lookups and one bisection, whatever the
    number of lists (checking each of ~90 lists in turn took ~80-270 ms per 1,000 values
    here; merged, a few ms). Only the three `substring` lists are still walked in turn."""

    def __init__(self, lists: Iterable[Mapping[str, Any]]) -> None:
        self._lists: list[_List] = []
        self._exact: dict[str, Ids] = {}
        self._cidr_exact: dict[str, Ids] = {}
        self._host_self: dict[str, Ids] = {}
        self._host_parent: dict[str, Ids] = {}
        spans: dict[int, list[tuple[int, int, int]]] = {4: [], 6: []}
        for raw in lists:
            self._add_list(raw, spans)
        self._v4, self._v6 = _Segments.of(spans[4]), _Segments.of(spans[6])
        self._kinds = frozenset(k for e in self._lists for k in e.kinds)
        self._substring_by_kind = {kind: [e for e in self._lists
                                          if e.kind == "substring" and kind in e.kinds]
                                   for kind in MISP_TYPES}
        # by (type, whether the value is address-like: no letter past f): such a value can
        # hold an entry only of the lists with address-like entries (none shorter than an
        # IPv4 address, so a dotted quad has no gram to look up at all)
        self._grams = {(kind, address): _Grams.of([(self._lists.index(e), e) for e in lists
                                                   if e.address_like or not address])
                       for kind, lists in self._substring_by_kind.items() if lists
                       for address in (False, True)}

    def _add_list(self, raw: Mapping[str, Any], spans: dict[int, list[tuple[int, int, int]]]
                  ) -> None:
        entries = [str(e) for e in raw["list"]]
        applies_to = frozenset(raw.get("matching_attributes") or ())
        made = _List(name=raw["name"], kind=raw["type"], applies_to=applies_to,
                     description=str(raw.get("description") or ""), size=len(entries),
                     kinds=frozenset(k for k, misp in MISP_TYPES.items() if misp & applies_to))
        list_id = len(self._lists)
        self._lists.append(made)
        if made.kind == "string":
            for entry in entries:
                _add(self._exact, entry, list_id)
        elif made.kind == "hostname":
            for entry in entries:
                _add(self._host_self, entry, list_id)
                _add(self._host_parent, entry.lstrip("."), list_id)
        elif made.kind == "cidr":
            for entry in entries:
                _add(self._cidr_exact, entry, list_id)
            v4, v6 = _spans(entries)
            spans[4] += [(low, high, list_id) for low, high in v4]
            spans[6] += [(low, high, list_id) for low, high in v6]
        elif made.kind == "substring":
            made.empty = "" in entries
            made.address_like = any(_ADDRESS_CHARS.issuperset(e) for e in entries)
            made.shortest = min((len(e) for e in entries if e), default=1)
            for entry in sorted(set(entries) - {""}):
                made.by_prefix.setdefault(entry[:made.shortest], []).append(entry)

    def __len__(self) -> int:
        return len(self._lists)

    def _candidates(self, value: str, address: tuple[int, int] | None) -> set[int]:
        """The lists that would flag the value if they applied to its type."""
        host = _host_of(value)
        hits = [self._exact.get(value), self._host_self.get(host)]
        hits += map(self._host_parent.get, _parents(host))
        found: set[int] = set()
        if address is None:
            hits.append(self._cidr_exact.get(value))
        else:
            version, number = address
            found.update((self._v4 if version == 4 else self._v6).lists_at(number))
        for hit in hits:  # most are None; one list id is an int, several a tuple
            if hit is not None:
                found.update(_ids(hit))
        return found

    def names_for(self, value: IndexedValue,
                  skip: frozenset[str] = frozenset()) -> list[str]:
        """The names of the lists that flag this value, sorted (lists named in `skip`, which
        the node turned off, are not consulted)."""
        kind = value.kind
        if kind not in self._kinds:  # hashes, CVEs …: no list names them (saves the probe)
            return []
        found = self._candidates(value.value, _address_of(value))
        grams = self._grams.get((kind, _ADDRESS_CHARS.issuperset(value.value)))
        if grams is not None:
            found |= grams.inside(value.value)
        hits = [self._lists[i] for i in found]
        return sorted(e.name for e in hits if kind in e.kinds and e.name not in skip)

    def verdicts(self, values: Iterable[IndexedValue],
                 skip: frozenset[str] = frozenset()) -> dict[IndexedValue, list[str]]:
        """The flagged values among these, with the names of the lists that flag each."""
        found = {v: self.names_for(v, skip) for v in values}
        return {v: names for v, names in found.items() if names}

    def summary(self) -> list[tuple[str, str, str, int]]:
        """(name, description, matching kind, entry count) of every list, by name."""
        return sorted((e.name, e.description, e.kind, e.size) for e in self._lists)


_shipped: Warninglists | None = None
_cache_dir: Path | None = None
_lock = threading.Lock()
log = logging.getLogger(__name__)


def use_cache(folder: Path | None) -> None:
    """Keep the built index in this folder (the node's own cache: `rcsc serve` and every
    CLI command set it from the settings), so that the next process loads it in a fraction
    of the build time instead of indexing every list again."""
    global _cache_dir
    with _lock:
        _cache_dir = folder


def shipped_lists() -> list[dict[str, Any]]:
    """The raw lists pymispwarninglists ships, as it loads them."""
    from pymispwarninglists.api import WarningLists

    return [wl.warninglist for wl in WarningLists(slow_search=False).values()]


def cache_key() -> str:
    """What the cached index depends on: the package's lists (its version), this module's
    code and the Python version (the pickle's classes and protocol). Any change: a new
    file, built afresh."""
    digest = hashlib.sha256()
    digest.update(metadata.version("pymispwarninglists").encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:20]


def _build() -> Warninglists:
    return Warninglists(shipped_lists())


def cached(folder: Path, build: Callable[[], Warninglists] = _build) -> Warninglists:
    """The index kept in `folder` if it is there and whole, else `build()` stored there."""
    path = folder / f"warninglists-{cache_key()}.pickle"
    try:
        # The file is the node's own (its data or cache directory, which also holds its
        # database and secret key): whoever can write it already owns the node.
        loaded = pickle.loads(path.read_bytes())  # noqa: S301 - see above
    except FileNotFoundError:
        loaded = None
    except Exception:  # a damaged or foreign file: rebuilt below, never trusted
        log.warning("warninglist cache %s unreadable; rebuilding it", path, exc_info=True)
        loaded = None
    if isinstance(loaded, Warninglists):
        return loaded
    built = build()
    _store(built, path)
    return built


def _store(built: Warninglists, path: Path) -> None:
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".warninglists-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            pickle.dump(built, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a concurrent reader sees no file or a whole one
    except OSError:
        log.warning("warninglist cache %s not written", path, exc_info=True)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def shipped() -> Warninglists:
    """Every shipped list, indexed once per process: loaded from the cache folder if one is
    set and holds it (about a second), else built (several seconds) and stored there."""
    global _shipped
    with _lock:
        if _shipped is None:
            _shipped = _build() if _cache_dir is None else cached(_cache_dir)
        return _shipped
