"""Ageing of indicators and values: whether one still alerts at a given time.

An address changes hands in weeks, a domain in months, a file hash never stops naming the
same file; so confidence decays exponentially with a half-life per observable type,
from the latest of the indicator's `valid_from` (or when it was stored) and the last
`seen` sighting of it, which restarts the clock:

    confidence(t) = c0 * 0.5 ** ((t - t_ref) / half_life[type])

`c0` is the STIX `confidence` of the indicator (0-100), or 50 when it has none. A value
still alerts while ALL of these hold (docs/correlation.md, "Ageing"):

- no `false-positive` sighting later than its last `seen` sighting;
- no `expired` sighting later than its last `seen` sighting, and `valid_until` not past;
- confidence(t) >= ALERT_FLOOR (20).

Expired, decayed and false-positive values stay in the index and in search results; they
only stop raising alerts. The interface other features use:

    life = ageing.lifetime_of(body, stored_at)           # from a STIX object (dict/bytes)
    ageing.assess(life, sightings, at)                   # -> Assessment(status, confidence)
    ageing.still_alerts(life, sightings, at)             # -> bool
    ageing.alerts_now(uow, actor, value, stix_id, life)  # loads the visible sightings
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson

from rcsc.core.identity import Principal
from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType as T
from rcsc.core.verdicts import Sighting, SightingKind
from rcsc.errors import ValidationFailed
from rcsc.intel import sightings as sighting_service
from rcsc.stix.common import parse_timestamp
from rcsc.stix.indexing import values_of
from rcsc.storage import UnitOfWork

DAY = timedelta(days=1)
# Half-lives by observable type; None: does not decay (a CVE names the same flaw forever).
HALF_LIFE: dict[T, timedelta | None] = {
    T.IPV4: 30 * DAY, T.IPV6: 30 * DAY, T.URL: 30 * DAY, T.DOMAIN: 90 * DAY,
    T.EMAIL: 180 * DAY, T.USER_AGENT: 180 * DAY, T.FILENAME: 180 * DAY, T.ASN: 365 * DAY,
    T.MD5: 365 * DAY, T.SHA1: 365 * DAY, T.SHA256: 365 * DAY, T.SHA512: 365 * DAY,
    T.CVE: None,
}
DEFAULT_HALF_LIFE = 90 * DAY  # an object that carries values of several types, or none
DEFAULT_CONFIDENCE = 50
ALERT_FLOOR = 20.0


class Status(StrEnum):
    ACTIVE = "active"
    DECAYED = "decayed"
    FALSE_POSITIVE = "false-positive"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Lifetime:
    """What ageing needs of an indicator (or of any object carrying a value)."""

    kind: T | None
    confidence: int
    valid_from: datetime
    valid_until: datetime | None = None


@dataclass(frozen=True)
class Assessment:
    status: Status
    confidence: float

    @property
    def alerts(self) -> bool:
        return self.status is Status.ACTIVE


def _time(obj: Mapping[str, Any], key: str) -> datetime | None:
    try:
        return parse_timestamp(obj[key], key) if key in obj else None
    except ValidationFailed:
        return None


def lifetime_of(body: bytes | Mapping[str, Any], stored_at: datetime) -> Lifetime:
    """The lifetime of a stored STIX object: its `valid_from` (else `created`, else when it
    was stored), `valid_until`, `confidence`, and the type of the values it carries (when
    they are all of one type)."""
    obj = orjson.loads(body) if isinstance(body, bytes) else body
    kinds = {v.kind for v in values_of(obj)} if isinstance(obj, dict) else set()
    raw = obj.get("confidence")
    confidence = raw if isinstance(raw, int) and 0 <= raw <= 100 else DEFAULT_CONFIDENCE
    start = _time(obj, "valid_from") or _time(obj, "created") or stored_at
    return Lifetime(kind=kinds.pop() if len(kinds) == 1 else None, confidence=confidence,
                    valid_from=start, valid_until=_time(obj, "valid_until"))


def _last(found: Sequence[Sighting], kind: SightingKind, at: datetime) -> datetime | None:
    return max((s.last_seen for s in found if s.kind is kind and s.last_seen <= at),
               default=None)


def confidence_at(life: Lifetime, last_seen: datetime | None, at: datetime) -> float:
    """The decayed confidence at `at` (see the module docstring)."""
    start = max(life.valid_from, last_seen) if last_seen else life.valid_from
    half = HALF_LIFE.get(life.kind, DEFAULT_HALF_LIFE) if life.kind else DEFAULT_HALF_LIFE
    if half is None or at <= start:
        return float(life.confidence)
    return float(life.confidence * 0.5 ** ((at - start) / half))


def assess(life: Lifetime, found: Sequence[Sighting], at: datetime) -> Assessment:
    """Where a value or indicator stands at `at`, given the sightings of it one may see."""
    seen = _last(found, SightingKind.SEEN, at)
    confidence = confidence_at(life, seen, at)
    false_positive = _last(found, SightingKind.FALSE_POSITIVE, at)
    if false_positive is not None and (seen is None or false_positive >= seen):
        return Assessment(Status.FALSE_POSITIVE, confidence)
    expired = _last(found, SightingKind.EXPIRED, at)
    if (life.valid_until is not None and life.valid_until <= at) or (
            expired is not None and (seen is None or expired >= seen)):
        return Assessment(Status.EXPIRED, confidence)
    if confidence < ALERT_FLOOR:
        return Assessment(Status.DECAYED, confidence)
    return Assessment(Status.ACTIVE, confidence)


def still_alerts(life: Lifetime, found: Sequence[Sighting], at: datetime) -> bool:
    return assess(life, found, at).alerts


def alerts_now(uow: UnitOfWork, actor: Principal, value: IndexedValue | None,
               stix_id: str | None, life: Lifetime, at: datetime | None = None) -> bool:
    """Whether a value (and/or the object carrying it) still alerts for `actor`, judged on
    the sightings of either that the actor may see, at `at` (default: now)."""
    found = sighting_service.visible(uow, actor, values=[value] if value else [],
                                     stix_ids=[stix_id] if stix_id else [])
    return still_alerts(life, found, at or uow.clock.now())
