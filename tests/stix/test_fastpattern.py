"""The fast pattern check against stix2-patterns as the oracle: whatever the fast path
accepts, stix2-patterns accepts too; what it does not recognise is left to stix2-patterns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rcsc.stix.fastpattern import is_simple, pattern_problems
from rcsc.stix.patterns import pattern_errors

TYPES = st.sampled_from(["ipv4-addr", "ipv6-addr", "domain-name", "url", "file",
                         "email-addr", "x-custom-thing", "autonomous-system", "a1"])
HASHES = st.builds(lambda alg, hexed: f"[file:hashes.'{alg}' = '{hexed}']",
                   st.sampled_from(["MD5", "SHA-1", "SHA-256", "SHA-512", "SHA-384"]),
                   st.from_regex(r"[0-9a-fA-F]{30,130}", fullmatch=True))
STEPS = st.one_of(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
                  st.from_regex(r"'[A-Za-z0-9_.-]{1,10}'", fullmatch=True),
                  st.sampled_from(["[*]", "[0]", "[12]"]))
PATHS = st.builds(lambda head, steps: head + "".join(
    s if s.startswith("[") else "." + s for s in steps),
    st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), st.lists(STEPS, max_size=3))
STRINGS = st.text(max_size=30).map(
    lambda t: "'" + t.replace("\\", "\\\\").replace("'", "\\'") + "'")
VALUES = st.one_of(STRINGS, st.integers(-10**9, 10**9).map(str),
                   st.floats(allow_nan=False, allow_infinity=False, width=32).map(
                       lambda f: f"{f:.3f}"), st.sampled_from(["true", "false"]))
OPERATORS = st.sampled_from(["=", "!=", "<", ">", "<=", ">=", "LIKE", "MATCHES",
                             "ISSUBSET", "ISSUPERSET"])


@settings(max_examples=400, deadline=None)
@given(TYPES, PATHS, OPERATORS, VALUES)
def test_every_pattern_the_fast_path_accepts_is_valid_for_stix2_patterns(
    kind: str, path: str, operator: str, value: str
) -> None:
    pattern = f"[{kind}:{path} {operator} {value}]"
    if is_simple(pattern):
        assert pattern_errors(pattern) == [], pattern


@settings(max_examples=200, deadline=None)
@given(HASHES)
def test_hash_patterns_the_fast_path_accepts_are_valid(pattern: str) -> None:
    if is_simple(pattern):
        assert pattern_errors(pattern) == [], pattern


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_the_fast_path_accepts_is_valid(text: str) -> None:
    if is_simple(text):
        assert pattern_errors(text) == [], text


def test_common_feed_patterns_take_the_fast_path() -> None:
    for pattern in ("[ipv4-addr:value = '198.51.100.7']",
                    "[file:hashes.'SHA-256' = '" + "aa11" * 16 + "']",
                    "[file:hashes.'MD5' = '" + "0f" * 16 + "']",
                    "[url:value = 'http://evil.example/a?b=c']",
                    "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
                    "[autonomous-system:number = 64500]",
                    "[email-addr:value = 'o\\'brien@example.org']"):
        assert is_simple(pattern), pattern
        assert pattern_errors(pattern) == []


def test_anything_else_is_judged_by_stix2_patterns() -> None:
    compound = "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.example']"
    assert not is_simple(compound) and pattern_problems(compound) == []
    assert pattern_problems("[ipv4-addr:value = '1.2.3.4'") != []
    assert pattern_problems("ipv4-addr:value = 1") != []
    short_hash = "[file:hashes.'SHA-256' = 'aa11']"
    assert not is_simple(short_hash) and pattern_problems(short_hash) != []
