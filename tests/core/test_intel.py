"""Index keys, address spans and the type guess of pasted values."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rcsc.core.intel import IndexedValue, detect, ip_range, value_key
from rcsc.core.observables import ObservableType as T
from rcsc.core.observables import normalise
from rcsc.errors import ValidationFailed


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


# What the fast paths of the type guess, the address normaliser, the span and refang skip
# to: the general parsers, as oracles. Text drawn from address-like and defanged alphabets.
_ADDRESSY = st.one_of(
    st.ip_addresses().map(str),
    st.tuples(st.ip_addresses(v=4), st.integers(0, 32)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.tuples(st.ip_addresses(v=6), st.integers(0, 128)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.text(alphabet="0123456789abcdefABCDEF.:/%xyz-[]() ", max_size=24),
    st.ip_addresses(v=4).map(lambda a: f" {str(a).replace('.', '[.]')} "),
    st.sampled_from(["fe80::1%eth0", "10.0.0.0/255.0.0.0", "010.1.2.3", "1", "::ffff:1.2.3.4",
                     "hxxp://a[.]b", "FXP://x", "Hxxps://y(.)z", "a{.}b", "ops[at]x.lt"]),
)


def _network_guess(text: str) -> T | None:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return T.IPV4 if network.version == 4 else T.IPV6


@settings(max_examples=3000, deadline=None)
@given(_ADDRESSY)
def test_the_address_fast_paths_agree_with_the_network_parser(text: str) -> None:
    from rcsc.core.intel import _guess
    from rcsc.core.observables import _REFANG, refang

    slow = text.strip()
    for pattern, replacement in _REFANG:
        slow = pattern.sub(replacement, slow)
    assert refang(text) == slow
    guessed = _guess(text)
    if guessed in (T.IPV4, T.IPV6) or _network_guess(text) is not None:
        assert guessed == _network_guess(text)
    for kind in (T.IPV4, T.IPV6):
        try:
            strict = ipaddress.ip_network(slow, strict=True)  # normalise refangs first
        except ValueError:
            strict = None
        try:
            made: str | None = normalise(kind, text)
        except ValidationFailed:
            made = None
        if strict is None or strict.version != (4 if kind is T.IPV4 else 6):
            assert made is None
        else:
            assert made == (str(strict.network_address) if strict.num_addresses == 1
                            else strict.with_prefixlen)
            loose = ipaddress.ip_network(made, strict=False)
            assert ip_range(kind, made) == (loose.network_address.packed,
                                            loose.broadcast_address.packed)


def _slow_detect(text: str) -> IndexedValue | None:
    """What detect did before its fused fast path: refang, guess, normalise."""
    from rcsc.core.intel import _guess
    from rcsc.core.observables import refang

    cleaned = refang(text)
    kind = _guess(cleaned)
    if kind is None:
        return None
    try:
        return IndexedValue(kind, normalise(kind, cleaned))
    except ValidationFailed:
        return None


_NAMEY = st.one_of(
    _ADDRESSY,
    st.text(alphabet="abcxyzXYZ0159.-:[]@/ ", max_size=24),
    st.lists(st.text(alphabet="aZ09-", min_size=1, max_size=6), min_size=1, max_size=4)
    .map(".".join),
    st.sampled_from(["1.2.3", "1.2.3.4.", "dead.beef", "256.1.1.1", "1.2.3.04", "Host1.Ex.",
                     "CVE-2024-1234", "AS15169", "::", "1::", "a.b c", "٣.1.1.1"]),
)


@settings(max_examples=3000, deadline=None)
@given(_NAMEY)
def test_detect_fast_path_agrees_with_guess_and_normalise(text: str) -> None:
    """The fused path (a dotted quad, an address, a plain domain recognised at once) gives
    exactly the value, and for addresses the span, that the general path gives."""
    fast, slow = detect(text), _slow_detect(text)
    assert fast == slow
    if fast is not None:
        assert fast.span == ip_range(fast.kind, fast.value)
        assert fast.key == value_key(fast.kind, fast.value)
