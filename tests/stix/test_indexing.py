"""Values of stored STIX objects for the index: the fast path for single comparisons agrees
with stix2-patterns (`patterns.observables_in`, the oracle) on generated patterns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType as T
from rcsc.stix.indexing import _simple, pattern_values, values_of
from rcsc.stix.patterns import observables_in, quote

PATHS = ["ipv4-addr:value", "ipv6-addr:value", "domain-name:value", "url:value",
         "email-addr:value", "file:hashes.MD5", "file:hashes.'SHA-1'",
         "file:hashes.'SHA-256'", "file:hashes.'SHA-512'", "file:name"]
VALUES = st.one_of(
    st.sampled_from(["198.51.100.7", "10.0.0.0/8", "2001:db8::1", "evil.example",
                     "Evil.Example", "https://evil.example/a'b", "ops@evil.example",
                     "ab" * 16, "AB" * 20, "ab" * 32, "cd" * 64, "payload.exe", "a\\b'c",
                     "not valid", "hxxp://evil[.]example"]),
    st.text(min_size=1, max_size=20))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PATHS), st.sampled_from(["=", "ISSUBSET"]), VALUES)
def test_fast_path_agrees_with_stix2_patterns(path: str, operator: str, value: str) -> None:
    pattern = f"[{path} {operator} {quote(value)}]"
    fast = _simple(pattern)
    oracle = [IndexedValue(kind, found) for kind, found in observables_in(pattern)]
    if fast is not None:
        assert fast == oracle, pattern
    assert pattern_values(pattern) == oracle


def test_values_of_scos_indicators_and_vulnerabilities() -> None:
    assert values_of({"type": "file", "hashes": {"SHA-256": "AB" * 32, "MD5": "cd" * 16},
                      "name": "drop.exe"}) == [
        IndexedValue(T.SHA256, "ab" * 32), IndexedValue(T.MD5, "cd" * 16),
        IndexedValue(T.FILENAME, "drop.exe")]
    assert values_of({"type": "autonomous-system", "number": 15169}) == [
        IndexedValue(T.ASN, "AS15169")]
    assert values_of({"type": "vulnerability", "name": "x", "external_references": [
        {"source_name": "cve", "external_id": "CVE-2024-3400"}]}) == [
        IndexedValue(T.CVE, "CVE-2024-3400")]
    compound = ("[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'evil.example']"
                " OR [url:value LIKE 'http://%']")
    assert values_of({"type": "indicator", "pattern_type": "stix", "pattern": compound}) == [
        IndexedValue(T.IPV4, "198.51.100.7"), IndexedValue(T.DOMAIN, "evil.example")]
    assert values_of({"type": "indicator", "pattern_type": "sigma", "pattern": "x"}) == []
    assert values_of({"type": "ipv4-addr", "value": "not an address"}) == []
    assert values_of({"type": "threat-actor", "name": "198.51.100.7"}) == []
