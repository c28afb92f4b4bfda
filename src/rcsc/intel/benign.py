"""Known-benign values: which of some values a MISP warninglist the node applies, or one of
the node's local allow-lists, names — each with a reason a person can read:

    "warninglist: List of known IPv4 public DNS resolvers"
    "allow-list: partner-scanners"

The interface other features use (alerts hold back benign values; correlation does not
count them as reasons; lookups show them):

    verdicts = benign.load(uow)        # one read of the allow-lists and list settings
    verdicts.reasons(value)            # [] when not benign
    verdicts.of(values)                # {value: [reasons]} for the benign ones only
    benign.reasons(uow, values)        # the same in one call; values may be raw strings

Values may be `core.intel.IndexedValue` or raw text (typed, pasted, defanged: it is
recognised as `lookup` does; text that is no value of an indexed type is never benign).
The warninglists are built once per process (about 4 s, thread-safe; `rcsc serve` builds
them before its first request), then a verdict costs a few microseconds a value (measured in
tests/intel/test_benign.py's docstring and bench/intel.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import orjson

from rcsc.core.intel import IndexedValue, detect
from rcsc.core.verdicts import AllowEntry
from rcsc.intel import warninglists
from rcsc.stix.indexing import values_of
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.allowlists import AllowlistRepo

WARNINGLIST = "warninglist: "
ALLOW_LIST = "allow-list: "
V = TypeVar("V", IndexedValue, str, IndexedValue | str)


@dataclass(frozen=True)
class _Range:
    version: int
    low: int
    high: int
    reason: str


@dataclass
class Verdicts:
    """The node's benign-value rules as they stand in one transaction."""

    lists: warninglists.Warninglists
    disabled: frozenset[str] = frozenset()
    exact: dict[bytes, list[str]] = field(default_factory=dict)
    ranges: list[_Range] = field(default_factory=list)

    @classmethod
    def of_entries(cls, lists: warninglists.Warninglists, entries: Iterable[AllowEntry],
                   disabled: frozenset[str] = frozenset()) -> Verdicts:
        made = cls(lists, disabled)
        for entry in entries:
            reason = ALLOW_LIST + entry.list_name
            if entry.value.is_range:
                net = ipaddress.ip_network(entry.value.value)
                made.ranges.append(_Range(net.version, int(net.network_address),
                                          int(net.broadcast_address), reason))
            else:
                made.exact.setdefault(entry.value.key, []).append(reason)
        return made

    def reasons(self, value: IndexedValue) -> list[str]:
        """Why the value is benign (warninglists first, then allow-lists); [] if it is not."""
        found = [WARNINGLIST + name for name in self.lists.names_for(value, self.disabled)]
        found += self.exact.get(value.key, [])
        if self.ranges and value.span is not None:
            found += self._inside(value)
        return found

    def _inside(self, value: IndexedValue) -> list[str]:
        net = ipaddress.ip_network(value.value, strict=False)
        low, high = int(net.network_address), int(net.broadcast_address)
        return [r.reason for r in self.ranges
                if r.version == net.version and r.low <= low and high <= r.high]

    def of(self, values: Iterable[V]) -> dict[V, list[str]]:
        """The benign values among these (raw text recognised first), with their reasons."""
        found: dict[V, list[str]] = {}
        for given in values:
            value = given if isinstance(given, IndexedValue) else detect(given)
            if value is None:
                continue
            why = self.reasons(value)
            if why:
                found[given] = why
        return found


def in_object(verdicts: Verdicts, body: bytes) -> dict[IndexedValue, list[str]]:
    """The benign values a stored STIX object carries (its indexed values), with reasons:
    what search results show beside each object."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return verdicts.of(values_of(obj)) if isinstance(obj, dict) else {}


def load(uow: UnitOfWork) -> Verdicts:
    """The verdicts of this node: shipped warninglists less those turned off, plus the
    local allow-lists (one read of each small table)."""
    repo = AllowlistRepo(uow.session)
    return Verdicts.of_entries(warninglists.shipped(), repo.entries(),
                               repo.disabled_warninglists())


def reasons(uow: UnitOfWork, values: Iterable[V]) -> dict[V, list[str]]:
    """The benign ones among `values`, each with its reasons (see the module docstring)."""
    return load(uow).of(values)
