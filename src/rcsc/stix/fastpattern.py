"""A fast path for the pattern check: most indicators in feeds carry one comparison such as
`[ipv4-addr:value = '198.51.100.7']` or `[file:hashes.'SHA-256' = '…']`. Parsing those with
the ANTLR grammar of stix2-patterns costs about 2 ms each (≈500 indicators/s); this regular
expression accepts exactly such single comparisons, and anything it does not accept goes to
stix2-patterns, which stays the authority. A test checks, over generated patterns, that
everything accepted here is valid for stix2-patterns too.
"""

from __future__ import annotations

import re

from rcsc.stix.patterns import pattern_errors

_TYPE = r"[a-z0-9][a-z0-9-]*[a-z0-9]"
_STEP = r"(?:[a-z_][a-z0-9_]*|'[A-Za-z0-9_.-]+')"
_PATH = rf"[a-z_][a-z0-9_]*(?:\.{_STEP}|\[(?:\*|\d+)\])*"
_STRING = r"'(?:[^'\\]|\\['\\])*'"
_INTEGER = r"-?(?:0|[1-9]\d{0,17})"
# Equality takes a string or an integer; the string operators take a string only.
SIMPLE = re.compile(rf"\[{_TYPE}:{_PATH} (?:(?:=|!=) (?:{_STRING}|{_INTEGER})|"
                    rf"(?:LIKE|MATCHES|ISSUBSET|ISSUPERSET) {_STRING})\]")
# stix2-patterns checks hash values against their algorithm: the common ones, checked here.
HASH = re.compile(r"\[file:hashes\.'(MD5|SHA-1|SHA-256|SHA-512)' = '([0-9a-fA-F]+)'\]")
HASH_LENGTH = {"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128}


def is_simple(pattern: str) -> bool:
    """True when the pattern is one comparison of the plain forms above."""
    if "hashes" in pattern:
        found = HASH.fullmatch(pattern)
        return found is not None and len(found.group(2)) == HASH_LENGTH[found.group(1)]
    return SIMPLE.fullmatch(pattern) is not None


def pattern_problems(pattern: str) -> list[str]:
    """What is wrong with a STIX 2.1 pattern: nothing for the simple form, otherwise what
    stix2-patterns finds."""
    return [] if is_simple(pattern) else pattern_errors(pattern)
