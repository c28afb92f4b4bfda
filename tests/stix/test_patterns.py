"""STIX patterns for every observable type: valid per stix2-patterns, and read back."""

from __future__ import annotations

import pytest
from hypothesis import given

from rcsc.core.observables import ObservableType
from rcsc.errors import ValidationFailed
from rcsc.stix.patterns import (
    OBJECT_PATHS,
    STAR,
    Comparison,
    comparisons,
    observables_in,
    pattern_errors,
    pattern_for,
    quote,
    unquote,
)
from tests.stix.support import SAMPLE_VALUES, observable_values

EXPECTED = {
    ObservableType.IPV4: "[ipv4-addr:value = '198.51.100.7']",
    ObservableType.IPV6: "[ipv6-addr:value = '2001:db8::7']",
    ObservableType.DOMAIN: "[domain-name:value = 'invoice-portal.example']",
    ObservableType.URL: "[url:value = 'https://invoice-portal.example/pay?id=7']",
    ObservableType.EMAIL: "[email-addr:value = 'billing@invoice-portal.example']",
    ObservableType.MD5: "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
    ObservableType.SHA1: "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
    ObservableType.SHA256: "[file:hashes.'SHA-256' = "
                           "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
    ObservableType.SHA512: f"[file:hashes.'SHA-512' = '{SAMPLE_VALUES[ObservableType.SHA512]}']",
    ObservableType.ASN: "[autonomous-system:number = 64500]",
    ObservableType.FILENAME: "[file:name = 'invoice_2026.pdf.exe']",
    ObservableType.USER_AGENT: "[network-traffic:extensions.'http-request-ext'.request_header."
                               "'User-Agent' = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)']",
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_pattern_per_type(kind: ObservableType) -> None:
    pattern = pattern_for(kind, SAMPLE_VALUES[kind])
    assert pattern == EXPECTED[kind]
    assert pattern_errors(pattern) == []
    assert observables_in(pattern) == [(kind, SAMPLE_VALUES[kind])]


def test_cve_has_no_pattern() -> None:
    assert pattern_for(ObservableType.CVE, "CVE-2024-3094") is None


@pytest.mark.parametrize(("kind", "cidr"), [(ObservableType.IPV4, "10.0.0.0/8"),
                                            (ObservableType.IPV6, "2001:db8::/32")])
def test_cidr_ranges_use_issubset(kind: ObservableType, cidr: str) -> None:
    pattern = pattern_for(kind, cidr)
    assert pattern == f"[{OBJECT_PATHS[kind]} ISSUBSET '{cidr}']"
    assert pattern_errors(pattern) == []
    assert observables_in(pattern) == [(kind, cidr)]


@pytest.mark.parametrize(("text", "literal"), [
    ("it's", r"'it\'s'"),
    ("C:\\Users\\x.exe", r"'C:\\Users\\x.exe'"),
    ("\\'", r"'\\\''"),
    ("", "''"),
])
def test_quote_escapes_backslash_and_apostrophe(text: str, literal: str) -> None:
    assert quote(text) == literal
    assert unquote(literal) == text


def test_escaped_values_validate_and_come_back_unchanged() -> None:
    value = "C:\\Temp\\o'brien's invoice.exe"
    pattern = pattern_for(ObservableType.FILENAME, value)
    assert pattern is not None
    assert pattern_errors(pattern) == []
    assert observables_in(pattern) == [(ObservableType.FILENAME, value)]


def test_comparisons_of_a_foreign_pattern() -> None:
    pattern = ("([file:hashes.'SHA-256' = 'ab' OR file:size > 3] FOLLOWEDBY "
               "[network-traffic:dst_ref.value NOT = '1.2.3.4' AND "
               "email-message:to_refs[*].value = 'a@b.example']) WITHIN 300 SECONDS")
    found = {(c.object_path, c.operator, c.value) for c in comparisons(pattern)}
    assert found == {
        ("file:hashes.'SHA-256'", "=", "ab"),
        ("file:size", ">", 3),
        ("network-traffic:dst_ref.value", "NOT =", "1.2.3.4"),
        ("email-message:to_refs[*].value", "=", "a@b.example"),
    }
    star = next(c for c in comparisons(pattern) if c.object_type == "email-message")
    assert star.path == ("to_refs", STAR, "value")


def test_non_string_literals_keep_their_raw_text() -> None:
    (binary,) = comparisons("[artifact:payload_bin = h'ff00']")
    assert binary == Comparison("artifact", ("payload_bin",), "=", "h'ff00'", None)
    (flag,) = comparisons("[x-thing:flag = true]")
    assert flag.value is True
    (index,) = comparisons("[x-thing:items[2] = 1.5]")
    assert (index.object_path, index.value) == ("x-thing:items[2]", 1.5)


@pytest.mark.parametrize(("pattern", "found"), [
    # other producers' spellings of hash names, case and un-normalised values
    ("[file:hashes.SHA256 = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
     [(ObservableType.SHA256, SAMPLE_VALUES[ObservableType.SHA256])]),
    ("[file:hashes.'sha-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
     [(ObservableType.SHA1, SAMPLE_VALUES[ObservableType.SHA1])]),
    ("[domain-name:value = 'Evil.EXAMPLE.'] OR [ipv4-addr:value = '192.0.2.1']",
     [(ObservableType.DOMAIN, "evil.example"), (ObservableType.IPV4, "192.0.2.1")]),
    # negations, ranges, unknown paths and invalid values correlate nothing
    ("[ipv4-addr:value != '192.0.2.1']", []),
    ("[domain-name:value LIKE '%.example']", []),
    ("[ipv4-addr:value = 'not an address']", []),
    ("[process:name = 'cmd.exe']", []),
    # the same value twice is one pair
    ("[url:value = 'http://a.example/'] AND [url:value = 'http://a.example/']",
     [(ObservableType.URL, "http://a.example/")]),
])
def test_observables_in_foreign_patterns(
        pattern: str, found: list[tuple[ObservableType, str]]) -> None:
    assert pattern_errors(pattern) == []
    assert observables_in(pattern) == found


@pytest.mark.parametrize("pattern", ["ipv4-addr:value = '1.2.3.4'", "[ipv4-addr:value = ]",
                                     "[file:hashes.MD5 = 'zz'"])
def test_invalid_patterns_are_rejected(pattern: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        comparisons(pattern)
    assert caught.value.errors[0].field == "pattern"
    assert pattern_errors(pattern) != []


def test_wrong_hash_length_is_a_pattern_error() -> None:
    assert pattern_errors("[file:hashes.'SHA-256' = 'abc']") != []


# -- property: random valid values of every type give valid patterns that read back -------
@given(observable_values())
def test_every_valid_observable_gives_a_valid_pattern_that_reads_back(
        pair: tuple[ObservableType, str]) -> None:
    kind, value = pair
    pattern = pattern_for(kind, value)
    assert pattern is not None
    assert pattern_errors(pattern) == []
    assert observables_in(pattern) == [(kind, value)]
