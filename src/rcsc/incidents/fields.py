"""Validation of incident fields. Every check names its field; all errors of one request are
reported together, and nothing is written when there is any."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from rcsc.core.countries import normalise_country
from rcsc.core.incidents import Severity
from rcsc.core.observables import CVE_ID
from rcsc.core.taxonomy import RSIT, SECTORS_BY_KEY, sector_valid
from rcsc.core.tlp import Tlp, parse_tlp
from rcsc.errors import FieldError, ValidationFailed

T = TypeVar("T")
MAX_TITLE = 300
MAX_SUMMARY = 20_000
MAX_LIST = 200
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
_CVE = re.compile(rf"^{CVE_ID}$")


class Collector:
    """Runs checks, keeps every failure, raises them together."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def check(self, field: str, fn: Callable[[Any], T], value: Any) -> T | None:
        try:
            return fn(value)
        except ValidationFailed as exc:
            self.errors.extend(exc.errors)
        except (TypeError, ValueError) as exc:
            self.errors.append(FieldError(field, str(exc)))
        return None

    def fail(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.field(field, message)


def text(field: str, limit: int, *, required: bool) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _bad(field, "must be a string")
        cleaned = value.strip()
        if required and not cleaned:
            raise _bad(field, "must not be empty")
        if len(cleaned) > limit:
            raise _bad(field, f"must be at most {limit} characters (got {len(cleaned)})")
        if "\x00" in cleaned:
            raise _bad(field, "must not contain NUL characters")
        return cleaned
    return check


def severity(value: Any) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError:
        raise _bad("severity", f"{value!r} is not one of: "
                   f"{', '.join(s.value for s in Severity)}") from None


def tlp(value: Any) -> Tlp:
    level = parse_tlp(str(value))
    if level is None:
        raise _bad("tlp", f"{value!r} is not a TLP 2.0 level (clear, green, amber, "
                   "amber+strict, red)")
    return level


def rsit(rsit_class: Any, rsit_type: Any) -> tuple[str, str]:
    if rsit_class not in RSIT:
        raise _bad("rsit_class", f"{rsit_class!r} is not an RSIT v1003 class: "
                   f"{', '.join(RSIT)}")
    if rsit_type not in RSIT[rsit_class]:
        raise _bad("rsit_type", f"{rsit_type!r} is not a type of RSIT class {rsit_class}: "
                   f"{', '.join(RSIT[rsit_class])}")
    return rsit_class, rsit_type


def sector(sector_key: Any, subsector: Any) -> tuple[str | None, str | None]:
    if sector_key in (None, ""):
        if subsector not in (None, ""):
            raise _bad("subsector", "give the sector too")
        return None, None
    if sector_key not in SECTORS_BY_KEY:
        raise _bad("sector", f"{sector_key!r} is not a NIS2 sector (Annex I or II)")
    if subsector in (None, ""):
        return sector_key, None
    if not sector_valid(sector_key, subsector):
        known = [k for k, _ in SECTORS_BY_KEY[sector_key].subsectors]
        raise _bad("subsector", f"{subsector!r} is not a subsector of {sector_key}"
                   + (f": {', '.join(known)}" if known else " (it has none)"))
    return sector_key, subsector


def _list(field: str, value: Any) -> list[Any]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise _bad(field, "must be a list")
    if len(value) > MAX_LIST:
        raise _bad(field, f"must have at most {MAX_LIST} items")
    return list(value)


def countries(value: Any) -> frozenset[str]:
    result = set()
    for index, code in enumerate(_list("countries", value)):
        normal = normalise_country(code) if isinstance(code, str) else None
        if normal is None:
            raise _bad(f"countries.{index}", f"{code!r} is not an ISO 3166-1 alpha-2 code")
        result.add(normal)
    return frozenset(result)


def pattern_list(field: str, regex: re.Pattern[str], example: str,
                 upper: bool = True) -> Callable[[Any], tuple[str, ...]]:
    def check(value: Any) -> tuple[str, ...]:
        items: list[str] = []
        for index, item in enumerate(_list(field, value)):
            cleaned = str(item).strip().upper() if upper else str(item).strip()
            if not regex.match(cleaned):
                raise _bad(f"{field}.{index}", f"{item!r} is not like {example}")
            if cleaned not in items:
                items.append(cleaned)
        return tuple(items)
    return check


techniques = pattern_list("attack_techniques", _TECHNIQUE, "T1566 or T1566.001")
cves = pattern_list("cves", _CVE, "CVE-2024-3094")


def names(field: str) -> Callable[[Any], tuple[str, ...]]:
    def check(value: Any) -> tuple[str, ...]:
        items: list[str] = []
        for index, item in enumerate(_list(field, value)):
            cleaned = " ".join(str(item).split())
            if not cleaned or len(cleaned) > 200:
                raise _bad(f"{field}.{index}", "must be 1 to 200 characters")
            if cleaned not in items:
                items.append(cleaned)
        return tuple(items)
    return check


def count(field: str) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 \
                or value > 10**12:
            raise _bad(field, "must be a whole number from 0 to 10^12")
        return value
    return check


def flag(field: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise _bad(field, "must be true or false")
        return value
    return check


def moment(field: str) -> Callable[[Any], datetime | None]:
    def check(value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise _bad(field, f"{value!r} is not an ISO 8601 time") from None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise _bad(field, "must be an ISO 8601 time with a UTC offset")
        # In UTC, as stored: what a write returns then equals what a later read returns,
        # and calendar rules (the NIS2 final report a month on) use the same day either way.
        return value.astimezone(UTC)
    return check


def ids(field: str) -> Callable[[Any], frozenset[uuid.UUID]]:
    def check(value: Any) -> frozenset[uuid.UUID]:
        result = set()
        for index, item in enumerate(_list(field, value)):
            try:
                result.add(item if isinstance(item, uuid.UUID) else uuid.UUID(str(item)))
            except ValueError:
                raise _bad(f"{field}.{index}", f"{item!r} is not a UUID") from None
        return frozenset(result)
    return check


def unknown(changes: Mapping[str, Any], allowed: frozenset[str], c: Collector) -> None:
    for name in sorted(set(changes) - allowed):
        c.fail(name, "is not a field of an incident (or cannot be set here)")
