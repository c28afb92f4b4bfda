"""CSV of values, one row per observable (the columns: docs/files.md):

    type,value,tlp,role,labels,first_seen,last_seen,description

`type` and `value` are required; the rest may be absent or empty. Values are normalised as
everywhere else (`rcsc.core.observables`: refanged, lower-cased where case means nothing).
Each row becomes an SCO and an indicator (a vulnerability for a CVE) by `rcsc.stix.rows`.

Re-importing a row is idempotent: its indicator keeps its id, and when nothing in the row
changed it keeps its `created` and `modified` too (reported unchanged); when something did, it
becomes a new version (updated). A bad row is `row N: field: reason`, N being the line of the
file (the header is row 1); every bad row is reported and, atomic, nothing is stored.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from rcsc.core.exchange import ObjectQuery
from rcsc.core.incidents import ObservableRole
from rcsc.core.observables import ObservableType, normalise
from rcsc.core.tlp import Tlp, parse_tlp
from rcsc.errors import FieldError, PermissionDenied, ValidationFailed
from rcsc.exchange.files.formats import Format
from rcsc.exchange.files.importer import Built, Context, Unit
from rcsc.exchange.files.report import Rejection
from rcsc.incidents.service import viewer_for
from rcsc.stix.common import StixObject, parse_timestamp
from rcsc.stix.rows import ValueRow, main_id, row_objects

COLUMNS = ("type", "value", "tlp", "role", "labels", "first_seen", "last_seen", "description")
REQUIRED = ("type", "value")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP):
# exports write it after an apostrophe, which the import takes off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_ERRORS = 1000
MAX_LABELS = 50
MAX_DESCRIPTION = 10_000
_BATCH = 500
_STEP = timedelta(milliseconds=1)  # STIX timestamps carry milliseconds
Line = tuple[int, ValueRow]


class _RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed.field("file", f"is not UTF-8 text ({exc.reason} at byte "
                                             f"{exc.start})") from None


def _header(cells: list[str]) -> list[str]:
    names = [c.strip().lower() for c in cells]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise ValidationFailed.field("row 1", f"unknown column {unknown[0]!r}; the columns "
                                              f"are {','.join(COLUMNS)}")
    missing = [n for n in REQUIRED if n not in names]
    repeated = {n for n in names if names.count(n) > 1}
    if missing or repeated:
        raise ValidationFailed.field("row 1", f"the header needs the column {missing[0]!r}"
                                     if missing else f"column {sorted(repeated)[0]!r} repeats")
    return names


def _time(text: str, field: str) -> datetime | None:
    """ISO 8601: a date, or a time with `Z` or an offset (a time without one is UTC)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _RowError(field, f"{text!r} is not an ISO 8601 time like "
                               "2026-11-20T08:30:00Z") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _kind(text: str) -> ObservableType:
    try:
        return ObservableType(text.lower())
    except ValueError:
        raise _RowError("type", f"{text!r} is not one of "
                                f"{', '.join(t.value for t in ObservableType)}") from None


def _tlp(text: str) -> Tlp | None:
    if not text:
        return None
    level = parse_tlp(text)
    if level is None:
        raise _RowError("tlp", f"{text!r} is not a TLP level (clear, green, amber, "
                               "amber+strict, red)")
    return level


def _role(text: str) -> ObservableRole:
    try:
        return ObservableRole(text.lower() or "ioc")
    except ValueError:
        raise _RowError("role", f"{text!r} is not ioc or context") from None


def _labels(text: str) -> tuple[str, ...]:
    labels = tuple(dict.fromkeys(part.strip() for part in text.split(";") if part.strip()))
    if len(labels) > MAX_LABELS or any(len(label) > 250 for label in labels):
        raise _RowError("labels", f"at most {MAX_LABELS} labels of at most 250 characters")
    return labels


def _row(cells: dict[str, str]) -> ValueRow:
    kind = _kind(cells.get("type", ""))
    try:
        value = normalise(kind, cells.get("value", ""))
    except ValidationFailed as exc:
        raise _RowError("value", exc.errors[0].message) from None
    first, last = _time(cells.get("first_seen", ""), "first_seen"), \
        _time(cells.get("last_seen", ""), "last_seen")
    if first and last and last <= first:
        raise _RowError("last_seen", "must be later than first_seen")
    description = cells.get("description", "")
    if len(description) > MAX_DESCRIPTION:
        raise _RowError("description", f"must be at most {MAX_DESCRIPTION} characters")
    return ValueRow(kind, value, _tlp(cells.get("tlp", "")), _role(cells.get("role", "")),
                    _labels(cells.get("labels", "")), first, last, description)


def _plain(cell: str) -> str:
    text = cell.strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def _lines(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, cells
    except csv.Error as exc:
        raise ValidationFailed.field(f"row {reader.line_num}", f"is not CSV ({exc})") from None


def parse(data: bytes) -> tuple[list[Line], list[FieldError]]:
    """The good rows, and each bad row's error (up to MAX_ERRORS); ValidationFailed when
    the file itself is not our CSV."""
    lines = _lines(_text(data))
    first = next(lines, None)
    if first is None:
        raise ValidationFailed.field("file", f"is empty; the header is {','.join(COLUMNS)}")
    names = _header(first[1])
    rows: list[Line] = []
    errors: list[FieldError] = []
    seen: dict[tuple[ObservableType, str], int] = {}
    for number, cells in lines:
        try:
            if len(cells) != len(names):
                raise _RowError("row", f"has {len(cells)} cells; the header has {len(names)}")
            row = _row({n: _plain(c) for n, c in zip(names, cells, strict=True)})
            if (row.kind, row.value) in seen:
                raise _RowError("value", f"repeats row {seen[(row.kind, row.value)]} (one "
                                         "row per type and value)")
        except _RowError as exc:
            errors.append(FieldError(f"row {number}", f"{exc.field}: {exc.message}"))
            if len(errors) >= MAX_ERRORS:
                break
            continue
        seen[(row.kind, row.value)] = number
        rows.append((number, row))
    return rows, errors


def _stored(ctx: Context, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The newest version the importer may see of each of these objects, parsed."""
    viewer = viewer_for(ctx.uow, ctx.actor)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _BATCH):
        chunk = frozenset(ids[start:start + _BATCH])
        items, _more = ctx.uow.stix.page(viewer, ctx.collection.id,
                                         ObjectQuery(ids=chunk, limit=len(chunk)))
        found.update({i.stix_id: orjson.loads(i.body) for i in items})
    return found


def _objects(row: ValueRow, org: uuid.UUID, old: dict[str, Any] | None,
             now: datetime) -> list[StixObject]:
    """The row's objects; as stored when nothing changed, else a version newer than it."""
    if old is None:
        return row_objects(row, org, now, now)
    created = parse_timestamp(old.get("created"), "created")
    before = parse_timestamp(old.get("modified"), "modified")
    same = row_objects(row, org, created, before)
    if same[-1] == old:
        return same
    return row_objects(row, org, created, max(now, before + _STEP))


def build(ctx: Context, data: bytes) -> Built:
    """Atomic, any bad row refuses the file; else the bad rows are reported beside the
    stored ones."""
    lines, errors = parse(data)
    org = ctx.actor.org_id
    if org is None:
        raise PermissionDenied("only members of an organisation may add objects",
                               action="intel.write", required="an organisation")
    stored = _stored(ctx, [main_id(row, org) for _, row in lines])
    now = ctx.uow.clock.now()
    objects: list[StixObject] = []
    for number, row in lines:
        try:
            objects += _objects(row, org, stored.get(main_id(row, org)), now)
        except ValidationFailed as exc:
            errors += [FieldError(f"row {number}", f"{e.field}: {e.message}")
                       for e in exc.errors]
    if errors and ctx.atomic:
        raise ValidationFailed(sorted(errors, key=_row_number))
    return Built(objects, rejected=[Rejection(e.field, e.message) for e in errors])


def _row_number(error: FieldError) -> int:
    return int(error.field.removeprefix("row ")) if error.field[4:].isdigit() else 0


def unit(name: str, data: bytes) -> Unit:
    return Unit(name, Format.CSV, lambda ctx: build(ctx, data))
