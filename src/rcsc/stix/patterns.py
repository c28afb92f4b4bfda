"""STIX 2.1 patterning (§9) for RCSC observables, and the comparisons inside any pattern.

`pattern_for` writes the pattern an indicator carries; `comparisons` reads every
`object path OPERATOR value` out of a pattern someone else wrote, and `observables_in`
turns the ones RCSC can correlate back into (type, normalised value) pairs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stix2patterns.exceptions import ParseException  # type: ignore[import-untyped]
from stix2patterns.inspector import INDEX_STAR  # type: ignore[import-untyped]
from stix2patterns.v21.pattern import Pattern  # type: ignore[import-untyped]
from stix2patterns.validator import run_validator  # type: ignore[import-untyped]

from rcsc.core.observables import ObservableType, normalise
from rcsc.errors import ValidationFailed

# STIX 2.1 §10.6 hashing-algorithm-ov names.
HASH_ALGORITHMS: dict[ObservableType, str] = {
    ObservableType.MD5: "MD5",
    ObservableType.SHA1: "SHA-1",
    ObservableType.SHA256: "SHA-256",
    ObservableType.SHA512: "SHA-512",
}
# The object path each type is matched on (STIX 2.1 §6 cyber-observable objects).
OBJECT_PATHS: dict[ObservableType, str] = {
    ObservableType.IPV4: "ipv4-addr:value",
    ObservableType.IPV6: "ipv6-addr:value",
    ObservableType.DOMAIN: "domain-name:value",
    ObservableType.URL: "url:value",
    ObservableType.EMAIL: "email-addr:value",
    ObservableType.MD5: "file:hashes.MD5",  # a bare name needs no quotes (§9.2)
    ObservableType.SHA1: "file:hashes.'SHA-1'",
    ObservableType.SHA256: "file:hashes.'SHA-256'",
    ObservableType.SHA512: "file:hashes.'SHA-512'",
    ObservableType.FILENAME: "file:name",
    ObservableType.ASN: "autonomous-system:number",
    ObservableType.USER_AGENT:
        "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
}
STAR = "[*]"  # a `[*]` step of an object path, as `Comparison.path` shows it
_BARE_STEP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?\d*\.\d+$")


def quote(value: str) -> str:
    """A STIX pattern string literal: `\\` and `'` are the only escapes (§9.2)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def unquote(literal: str) -> str:
    r"""The text of a string literal; `\'` and `\\` unescaped in one left-to-right pass."""
    return re.sub(r"\\(['\\])", r"\1", literal[1:-1])


def pattern_for(kind: ObservableType, value: str) -> str | None:
    """The pattern matching a normalised observable value; None for a CVE, which STIX
    describes with a `vulnerability` object, not a pattern."""
    if kind is ObservableType.CVE:
        return None
    path = OBJECT_PATHS[kind]
    if kind is ObservableType.ASN:
        return f"[{path} = {int(value.removeprefix('AS'))}]"
    if kind in (ObservableType.IPV4, ObservableType.IPV6) and "/" in value:
        return f"[{path} ISSUBSET {quote(value)}]"
    return f"[{path} = {quote(value)}]"


def pattern_errors(pattern: str) -> list[str]:
    """What stix2-patterns finds wrong with a STIX 2.1 pattern; empty when it is valid."""
    return [str(error) for error in run_validator(pattern, stix_version="2.1")]


@dataclass(frozen=True)
class Comparison:
    """One `object path OPERATOR value` of a pattern. `raw` is the literal as written;
    `value` is it parsed (str, int, float, bool) or None for h'', b'', t'' and sets."""

    object_type: str
    path: tuple[str | int, ...]
    operator: str
    raw: str
    value: str | int | float | bool | None

    @property
    def object_path(self) -> str:
        steps = [self._step(step) for step in self.path]
        return self.object_type + ":" + "".join(steps).removeprefix(".")

    @staticmethod
    def _step(step: str | int) -> str:
        if isinstance(step, int):
            return f"[{step}]"
        if step == STAR:
            return STAR
        return "." + (step if _BARE_STEP.match(step) else quote(step))


def _literal(raw: str) -> str | int | float | bool | None:
    if raw.startswith("'") and raw.endswith("'") and len(raw) >= 2:
        return unquote(raw)
    if raw in ("true", "false"):
        return raw == "true"
    if _INTEGER.match(raw):
        return int(raw)
    if _FLOAT.match(raw):
        return float(raw)
    return None


def comparisons(pattern: str) -> list[Comparison]:
    """Every comparison in `pattern`, in order; ValidationFailed when it does not parse."""
    try:
        inspected = Pattern(pattern).inspect()
    except ParseException as exc:
        raise ValidationFailed.field("pattern", f"not a valid STIX pattern: {exc}") from None
    found = []
    for object_type, items in inspected.comparisons.items():
        for path, operator, raw in items:
            steps = tuple(STAR if step is INDEX_STAR else step for step in path)
            found.append(Comparison(object_type, steps, operator, raw, _literal(raw)))
    return found


_HASH_NAMES = {name.replace("-", "").upper(): kind for kind, name in HASH_ALGORITHMS.items()}
_BY_PATH = {path: kind for kind, path in OBJECT_PATHS.items() if kind not in HASH_ALGORITHMS}


def _kind_of(comparison: Comparison) -> ObservableType | None:
    path = comparison.path
    if comparison.object_type == "file" and len(path) == 2 and path[0] == "hashes":
        return _HASH_NAMES.get(str(path[1]).replace("-", "").upper())
    return _BY_PATH.get(comparison.object_path)


def observable_of(comparison: Comparison) -> tuple[ObservableType, str] | None:
    """The RCSC observable a comparison tests for equality (or CIDR membership), with its
    value normalised; None when it is something else or the value is not valid."""
    kind = _kind_of(comparison)
    value = comparison.value
    if kind is None or isinstance(value, bool) or value is None:
        return None
    cidr = comparison.operator == "ISSUBSET" and kind in (ObservableType.IPV4,
                                                          ObservableType.IPV6)
    if comparison.operator != "=" and not cidr:
        return None
    try:
        return kind, normalise(kind, str(value))
    except ValidationFailed:
        return None


def observables_in(pattern: str) -> list[tuple[ObservableType, str]]:
    """The (type, normalised value) pairs a pattern looks for, in order, without repeats."""
    found: dict[tuple[ObservableType, str], None] = {}
    for comparison in comparisons(pattern):
        pair = observable_of(comparison)
        if pair is not None:
            found[pair] = None
    return list(found)
