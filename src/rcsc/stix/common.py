"""What every STIX module here shares: the object type, timestamps, field errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from rcsc.core.clock import as_utc
from rcsc.errors import ValidationFailed

# A JSON-ready STIX object: str keys, values that orjson/json serialise as they are.
StixObject = dict[str, Any]

SPEC_VERSION = "2.1"
# STIX 2.1 §6: the cyber-observable objects (no created/modified of their own).
# STIX 2.1 §2.8 / §3.1: a type is 3-250 characters of a-z, 0-9 and hyphens.
STIX_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
SCO_TYPES = frozenset({
    "artifact", "autonomous-system", "directory", "domain-name", "email-addr",
    "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
    "network-traffic", "process", "software", "url", "user-account", "windows-registry-key",
    "x509-certificate"})

# STIX 2.1 §3.2: RFC 3339 in UTC with "Z"; created/modified at least to the millisecond.
_TIMESTAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$"
)


def timestamp(moment: datetime) -> str:
    """`moment` in UTC at exactly millisecond precision (what stix2 writes for
    created/modified), so one version of an object always prints the same."""
    utc = as_utc(moment)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def parse_timestamp(text: object, field: str) -> datetime:
    """A STIX timestamp as an aware UTC datetime; digits past microseconds are dropped."""
    match = _TIMESTAMP.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValidationFailed.field(field, f"{text!r} is not a STIX timestamp like "
                                            "2026-11-23T09:00:00.000Z")
    fraction = (match.group(2) or "0")[:6].ljust(6, "0")
    try:
        moment = datetime.fromisoformat(match.group(1))
    except ValueError as exc:
        raise ValidationFailed.field(field, f"{text!r} is not a valid time ({exc})") from None
    return moment.replace(microsecond=int(fraction), tzinfo=UTC)


def millis(moment: datetime) -> datetime:
    """`moment` as STIX carries it: UTC, truncated to the millisecond."""
    utc = as_utc(moment)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
