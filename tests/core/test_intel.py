"""Index keys, address spans and the type guess of pasted values."""

from __future__ import annotations

import pytest

from rcsc.core.intel import IndexedValue, detect, ip_range, value_key
from rcsc.core.observables import ObservableType as T


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("198.51.100.7", T.IPV4, "198.51.100.7"),
    ("198.51.100[.]7", T.IPV4, "198.51.100.7"),
    ("10.0.0.0/8", T.IPV4, "10.0.0.0/8"),
    ("2001:DB8::1", T.IPV6, "2001:db8::1"),
    ("hxxps://Evil[.]Example/Path", T.URL, "https://evil.example/Path"),
    ("Evil[.]EXAMPLE", T.DOMAIN, "evil.example"),
    ("ops[@]evil.example", T.EMAIL, "ops@evil.example"),
    ("AB" * 16, T.MD5, "ab" * 16), ("ab" * 20, T.SHA1, "ab" * 20),
    ("ab" * 32, T.SHA256, "ab" * 32), ("ab" * 64, T.SHA512, "ab" * 64),
    ("cve-2024-3400", T.CVE, "CVE-2024-3400"), ("as15169", T.ASN, "AS15169"),
])
def test_detect_guesses_the_type_and_normalises(text: str, kind: T, value: str) -> None:
    assert detect(text) == IndexedValue(kind, value)


@pytest.mark.parametrize("text", ["", "hello world", "10.0.0.1/8", "ab" * 15, "http://"])
def test_detect_refuses_what_is_no_indexed_value(text: str) -> None:
    assert detect(text) is None


def test_keys_are_fixed_width_and_typed() -> None:
    assert len(value_key(T.URL, "https://x.example/" + "a" * 2000)) == 16
    assert value_key(T.DOMAIN, "x.example") != value_key(T.FILENAME, "x.example")


def test_spans_compare_in_numeric_order() -> None:
    low, high = ip_range(T.IPV4, "10.20.0.0/16") or (b"", b"")
    inside = ip_range(T.IPV4, "10.20.255.1")
    assert inside is not None and low <= inside[0] and inside[1] <= high
    assert ip_range(T.IPV4, "9.255.255.255") < (low, high)  # type: ignore[operator]
    six = ip_range(T.IPV6, "2001:db8::/32")
    assert six is not None and len(six[0]) == 16
    assert ip_range(T.DOMAIN, "x.example") is None
    assert not IndexedValue(T.IPV4, "10.0.0.1").is_range
    assert IndexedValue(T.IPV4, "10.0.0.0/8").is_range
