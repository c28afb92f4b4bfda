"""Incident filters as clients send them (lists of strings), checked and turned into an
`IncidentQuery`. Every bad filter is reported at once, each by its parameter name, so the
API, the pages and the export refuse the same values with the same words."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from rcsc.core.countries import normalise_country
from rcsc.core.incidents import Severity, Status
from rcsc.core.taxonomy import RSIT, SECTORS_BY_KEY
from rcsc.core.tlp import Tlp, parse_tlp
from rcsc.errors import ValidationFailed
from rcsc.incidents import fields as f
from rcsc.storage.repos.incidents import IncidentQuery

T = TypeVar("T")
MAX_TEXT = 200
MAX_VALUES = 50
EXERCISE = {"false": False, "true": True, "all": None}


def _choices(name: str, parse: Callable[[str], T | None],
             known: Iterable[str]) -> Callable[[Any], frozenset[T]]:
    """A check of a repeatable parameter: every value must parse, or the parameter is named."""
    def check(values: Any) -> frozenset[T]:
        items = list(values or ())
        if len(items) > MAX_VALUES:
            raise ValidationFailed.field(name, f"at most {MAX_VALUES} values")
        parsed = {value: parse(str(value)) for value in items}
        bad = [value for value, result in parsed.items() if result is None]
        if bad:
            raise ValidationFailed.field(name, f"{', '.join(map(repr, bad))} not among: "
                                         f"{', '.join(known)}")
        return frozenset(result for result in parsed.values() if result is not None)
    return check


def _enum(kind: type[StrEnum]) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        try:
            return kind(value.strip().lower())
        except ValueError:
            return None
    return parse


def _member(table: Iterable[str]) -> Callable[[str], str | None]:
    keys = frozenset(table)

    def parse(value: str) -> str | None:
        cleaned = value.strip().lower()
        return cleaned if cleaned in keys else None
    return parse


def _country(value: str) -> str | None:
    return normalise_country(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(str(value).split())
    if len(cleaned) > MAX_TEXT:
        raise ValidationFailed.field("q", f"must be at most {MAX_TEXT} characters")
    return cleaned or None


def _exercise(value: Any) -> bool | None:
    if value not in EXERCISE:
        raise ValidationFailed.field("exercise", "must be true, false or all")
    return EXERCISE[value]


def build_query(
    *, status: Iterable[str] = (), rsit_class: Iterable[str] = (),
    severity: Iterable[str] = (), tlp: Iterable[str] = (), country: Iterable[str] = (),
    sector: Iterable[str] = (), created_from: datetime | None = None,
    created_to: datetime | None = None, q: str | None = None, exercise: str = "false",
) -> IncidentQuery:
    """The query for these filters, or ValidationFailed naming every bad parameter."""
    c = f.Collector()
    query = IncidentQuery(
        status=c.check("status", _choices("status", _enum(Status), Status), status)
        or frozenset(),
        rsit_class=c.check("rsit_class", _choices("rsit_class", _member(RSIT), RSIT),
                           rsit_class) or frozenset(),
        severity=c.check("severity", _choices("severity", _enum(Severity), Severity),
                         severity) or frozenset(),
        tlp=c.check("tlp", _choices("tlp", parse_tlp, Tlp), tlp) or frozenset(),
        country=c.check("country", _choices("country", _country, ["ISO 3166-1 alpha-2"]),
                        country) or frozenset(),
        sector=c.check("sector", _choices("sector", _member(SECTORS_BY_KEY), SECTORS_BY_KEY),
                       sector) or frozenset(),
        created_from=c.check("created_from", f.moment("created_from"), created_from),
        created_to=c.check("created_to", f.moment("created_to"), created_to),
        text=c.check("q", _text, q),
        exercise=c.check("exercise", _exercise, exercise),
    )
    if query.created_from and query.created_to and query.created_from >= query.created_to:
        c.fail("created_to", "must be after created_from")
    c.raise_if_any()
    return query


def describe(query: IncidentQuery) -> dict[str, object]:
    """The filters that differ from the defaults, as JSON-ready values (for the audit log)."""
    result: dict[str, object] = {}
    for item in dataclasses.fields(query):
        value = getattr(query, item.name)
        if value == item.default:
            continue
        if isinstance(value, frozenset):
            value = sorted(str(v) for v in value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif value is not None and not isinstance(value, bool | str):
            value = str(value)
        result[item.name] = value
    return result
