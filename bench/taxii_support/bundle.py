"""The generated bundle: N STIX 2.1 indicators, the same for every server and every run.

Patterns cycle through the four kinds analysts exchange most (IPv4, domain, SHA-256, URL);
every object is TLP 2.0 GREEN, so any collection that takes shared data accepts it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

# OASIS TLP 2.0 GREEN (https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html#_yd3ar14ekwrs)
TLP_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def stamp(at: datetime) -> str:
    """A STIX timestamp with milliseconds, as most producers write them."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _pattern(rng: random.Random, n: int) -> tuple[str, str]:
    kind = n % 4
    if kind == 0:
        return "IPv4", f"[ipv4-addr:value = '198.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']"
    if kind == 1:
        return "domain", f"[domain-name:value = 'h{n}.bench.example']"
    if kind == 2:
        return "SHA-256", f"[file:hashes.'SHA-256' = '{rng.getrandbits(256):064x}']"
    return "URL", f"[url:value = 'https://h{n}.bench.example/{rng.getrandbits(32):08x}']"


def indicators(count: int, seed: int = 2104) -> list[dict[str, Any]]:
    return list(generate(count, seed))


def generate(count: int, seed: int = 2104) -> Iterator[dict[str, Any]]:
    """The same objects as `indicators`, one at a time (a million need not be in memory)."""
    rng = random.Random(seed)
    for n in range(count):
        at = stamp(EPOCH + timedelta(seconds=n, milliseconds=n % 1000))
        what, pattern = _pattern(rng, n)
        yield {
            "type": "indicator", "spec_version": "2.1",
            "id": f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            "created": at, "modified": at, "name": f"Bench {what} indicator {n}",
            "indicator_types": ["malicious-activity"], "pattern": pattern,
            "pattern_type": "stix", "valid_from": at, "object_marking_refs": [TLP_GREEN],
        }
