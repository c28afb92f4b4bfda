"""Validation of exercise and inject fields. Every check names its field and all errors of
one request are reported together (the incident checks' `Collector`), so the API, the
pages and the MSEL import give the same answers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rcsc.core.exercises import (
    Delivery,
    DependsOn,
    Exercise,
    ExerciseType,
    Inject,
    format_offset,
    parse_offset,
)
from rcsc.errors import ValidationFailed
from rcsc.incidents import fields as f

MAX_TEXT = 20_000
MAX_NUMBER = 100_000
MAX_OFFSET = 366 * 86400
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
_OBJECTIVE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$")
EXERCISE_FIELDS = frozenset({"name", "type", "tlp", "starts_on", "ends_on", "timezone",
                             "description", "scenario", "countries", "lead_org_id",
                             "org_ids"})
INJECT_FIELDS = frozenset({"number", "title", "offset", "scenario_time", "from", "to",
                           "delivery", "text", "attachments", "expected_actions",
                           "objectives", "controller", "techniques", "contingency",
                           "depends_on", "depends_condition"})


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.field(field, message)


def choice(field: str, enum: Any) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        try:
            return enum(str(value).strip().lower())
        except ValueError:
            raise _bad(field, f"{value!r} is not one of: "
                       f"{', '.join(e.value for e in enum)}") from None
    return check


def day(field: str) -> Callable[[Any], date]:
    def check(value: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise _bad(field, f"{value!r} is not a date like 2027-03-02") from None
    return check


def timezone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad("timezone", f"{value!r} is not an IANA time zone like "
                   "Europe/Vilnius") from None
    return str(value)


def apply_exercise(base: Exercise, changes: Mapping[str, Any]) -> Exercise:
    """`base` with `changes` applied, every invalid field reported at once."""
    c = f.Collector()
    for name in sorted(set(changes) - EXERCISE_FIELDS):
        c.fail(name, "is not a field of an exercise (or cannot be set here)")
    get = changes.get
    values: dict[str, Any] = {
        "name": c.check("name", f.text("name", 300, required=True), get("name", base.name)),
        "type": c.check("type", choice("type", ExerciseType), get("type", base.type)),
        "tlp": c.check("tlp", f.tlp, get("tlp", base.tlp)),
        "starts_on": c.check("starts_on", day("starts_on"), get("starts_on", base.starts_on)),
        "ends_on": c.check("ends_on", day("ends_on"), get("ends_on", base.ends_on)),
        "timezone": c.check("timezone", timezone, get("timezone", base.timezone)),
        "description": c.check("description", f.text("description", MAX_TEXT, required=False),
                               get("description", base.description)),
        "scenario": c.check("scenario", f.text("scenario", MAX_TEXT, required=False),
                            get("scenario", base.scenario)),
    }
    countries = c.check("countries", f.countries, get("countries", base.countries))
    lead = c.check("lead_org_id", lambda v: next(iter(f.ids("lead_org_id")([v]))),
                   get("lead_org_id", base.lead_org_id))
    orgs = c.check("org_ids", f.ids("org_ids"), get("org_ids", base.org_ids))
    if values["starts_on"] and values["ends_on"] and values["ends_on"] < values["starts_on"]:
        c.fail("ends_on", "must not be before starts_on")
    c.raise_if_any()
    assert lead is not None and orgs is not None and countries is not None
    return replace(base, **values, countries=tuple(sorted(countries)), lead_org_id=lead,
                   org_ids=frozenset(orgs | {lead}))


def _offset(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        seconds = parse_offset(str(value), "offset")
    if not 0 <= seconds <= MAX_OFFSET:
        raise _bad("offset", "must be from D+0 H+00:00 to D+366")
    return seconds


def _number(field: str) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        if value in (None, ""):
            return None
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise _bad(field, f"{value!r} is not a whole number") from None
        if isinstance(number, bool) or not 1 <= number <= MAX_NUMBER:
            raise _bad(field, f"must be from 1 to {MAX_NUMBER}")
        return number
    return check


def _strings(field: str, value: Any) -> tuple[str, ...]:
    """A list, or a spreadsheet cell with its items separated by ";" (so no item may hold
    one: the cell would not read back the same)."""
    if isinstance(value, str):
        value = [v for v in (p.strip() for p in value.split(";")) if v]
    items = f.names(field)(value)
    for index, item in enumerate(items):
        if ";" in item:
            raise _bad(f"{field}.{index}", "must not contain ';' (it separates the items)")
    return items


def _bool(field: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0", ""):
            return False
        raise _bad(field, f"{value!r} is not true or false")
    return check


def build_inject(exercise_id: uuid.UUID, data: Mapping[str, Any],
                 base: Inject | None = None) -> Inject:
    """An inject from field values (API JSON or one MSEL row); `base` for edits."""
    base = base or Inject(id=uuid.uuid4(), exercise_id=exercise_id, number=0, title="",
                          offset_seconds=0)
    c = f.Collector()
    for name in sorted(set(data) - INJECT_FIELDS):
        c.fail(name, "is not a field of an inject")
    get = data.get
    number = c.check("number", _number("number"), get("number", base.number or None))
    if number is None and not c.errors:
        c.fail("number", "is required")
    values: dict[str, Any] = dict(
        title=c.check("title", f.text("title", 300, required=True), get("title", base.title)),
        offset_seconds=c.check("offset", _offset,
                               get("offset", format_offset(base.offset_seconds))),
        scenario_time=c.check("scenario_time", f.text("scenario_time", 64, required=False),
                              get("scenario_time", base.scenario_time)),
        sender=c.check("from", f.text("from", 200, required=False), get("from", base.sender)),
        recipients=c.check("to", lambda v: _strings("to", v), get("to", base.recipients)),
        delivery=c.check("delivery", choice("delivery", Delivery),
                         get("delivery", base.delivery)),
        text=c.check("text", f.text("text", MAX_TEXT, required=False), get("text", base.text)),
        attachments=c.check("attachments", lambda v: _strings("attachments", v),
                            get("attachments", base.attachments)),
        expected_actions=c.check("expected_actions",
                                 f.text("expected_actions", MAX_TEXT, required=False),
                                 get("expected_actions", base.expected_actions)),
        objectives=c.check("objectives", lambda v: f.pattern_list(
            "objectives", _OBJECTIVE, "O1", upper=False)(_strings("objectives", v)),
            get("objectives", base.objectives)),
        controller=c.check("controller", f.text("controller", 200, required=False),
                           get("controller", base.controller)),
        techniques=c.check("techniques", lambda v: f.pattern_list(
            "techniques", _TECHNIQUE, "T1566 or T1566.001")(_strings("techniques", v)),
            get("techniques", base.techniques)),
        contingency=c.check("contingency", _bool("contingency"),
                            get("contingency", base.contingency)),
        depends_on=c.check("depends_on", _number("depends_on"),
                           get("depends_on", base.depends_on)),
        depends_condition=c.check("depends_condition", choice("depends_condition", DependsOn),
                                  get("depends_condition", base.depends_condition) or
                                  DependsOn.ACKNOWLEDGED),
    )
    if number is not None and values["depends_on"] == number:
        c.fail("depends_on", "an inject cannot wait for itself")
    c.raise_if_any()
    assert number is not None
    return replace(base, number=number, **values)


def check_dependencies(injects: list[Inject]) -> list[tuple[int, str, str]]:
    """(index, field, message) for each inject that waits for a number the MSEL lacks, or for an
    inject numbered twice; the import reports them by row."""
    problems: list[tuple[int, str, str]] = []
    seen: set[int] = set()
    numbers = {i.number for i in injects}
    for index, inject in enumerate(injects):
        if inject.number in seen:
            problems.append((index, "number", f"{inject.number} is used twice"))
        seen.add(inject.number)
        if inject.depends_on is not None and inject.depends_on not in numbers:
            problems.append((index, "depends_on", f"there is no inject {inject.depends_on}"))
    return problems
