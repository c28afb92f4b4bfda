"""The warninglist index against pymispwarninglists' full search (`slow_search=True`) as the
oracle, over every shipped list of fewer than 5,000 entries (all four matching kinds) and
values drawn from them, inside them and beside them; and the shipped lists on known values."""

from __future__ import annotations

import ipaddress
import random
from typing import Any

import pytest
from pymispwarninglists.api import WarningLists

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType as T
from rcsc.intel.warninglists import MISP_TYPES, Warninglists, shipped, shipped_lists

SMALL = 5_000


@pytest.fixture(scope="module")
def small_lists() -> list[dict[str, Any]]:
    return [raw for raw in shipped_lists() if len(raw["list"]) < SMALL]


def _probes(raw: dict[str, Any], rng: random.Random) -> list[str]:
    """Values a list should and should not flag: its entries, addresses inside its networks,
    hosts under its domains, values around its substrings."""
    entries = [str(e) for e in raw["list"]]
    found: list[str] = []
    for entry in rng.sample(entries, min(8, len(entries))):
        found += [entry, entry.upper(), f"x{entry}", f"{entry}x"]
        try:
            net = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            host = entry.lstrip(".")
            found += [f"www.{host}", f"https://a.{host}/path", f"user@{host}", f"not{host}"]
        else:
            found += [str(net.network_address), str(net.broadcast_address),
                      str(net.network_address + net.num_addresses // 2),
                      str(net.broadcast_address + 1) if net.broadcast_address.max_prefixlen
                      and int(net.broadcast_address) < 2 ** net.max_prefixlen - 1 else entry]
    return found


def test_the_index_agrees_with_the_full_search(small_lists: list[dict[str, Any]]) -> None:
    assert {raw["type"] for raw in small_lists} >= {"cidr", "string", "hostname", "substring"}
    oracle = WarningLists(slow_search=True, lists=small_lists)
    ours = Warninglists(small_lists)
    rng = random.Random(1)
    values = {v for raw in small_lists for v in _probes(raw, rng)}
    values |= {"8.8.8.8", "10.1.2.3", "2001:db8::1", "evil.example", "ab" * 32, ""}
    checked = flagged = 0
    for value in sorted(values):
        hits = oracle.search(value)
        for kind, misp_types in MISP_TYPES.items():
            want = sorted(wl.name for wl in hits
                          if set(wl.warninglist.get("matching_attributes") or ()) & misp_types)
            assert ours.names_for(IndexedValue(kind, value)) == want, (value, kind)
            checked += 1
            flagged += bool(want)
    assert flagged > 50 and checked > flagged  # both outcomes were exercised


@pytest.mark.parametrize(("kind", "value", "flagged_by"), [
    (T.IPV4, "8.8.8.8", "List of known IPv4 public DNS resolvers"),
    (T.IPV4, "10.1.2.3", "List of RFC 1918 CIDR blocks"),
    (T.DOMAIN, "google.com", "Top 1000 website from Alexa"),
])
def test_the_shipped_lists_flag_known_benign_values(kind: T, value: str,
                                                    flagged_by: str) -> None:
    assert flagged_by in shipped().names_for(IndexedValue(kind, value))


def test_a_malicious_looking_value_is_not_flagged() -> None:
    lists = shipped()
    assert lists.names_for(IndexedValue(T.DOMAIN, "c2-relay.evil.example")) == []
    assert lists.names_for(IndexedValue(T.SHA256, "ab" * 32)) == []
    assert lists.verdicts([IndexedValue(T.IPV4, "5.188.10.3"),
                           IndexedValue(T.IPV4, "8.8.8.8")]).keys() == {
        IndexedValue(T.IPV4, "8.8.8.8")}
    # documentation ranges are flagged (RFC 5735), as MISP flags them
    assert "List of RFC 5735 CIDR blocks" in lists.names_for(IndexedValue(T.IPV4,
                                                                          "198.51.100.7"))
