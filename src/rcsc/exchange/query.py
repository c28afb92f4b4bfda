"""TAXII 2.1 URL parameters (§3.4.2 filtering, §3.4.1 pagination) as an `ObjectQuery`.

| parameter            | meaning                                                          |
|----------------------|------------------------------------------------------------------|
| `added_after`        | only versions added to the collection after this time            |
| `limit`              | at most this many per response (the server may give fewer)      |
| `next`               | the position the previous response stopped at                    |
| `match[id]`          | any of these object ids (comma-separated)                        |
| `match[type]`        | any of these types                                               |
| `match[version]`     | `first`, `last` (default), `all`, or given `modified` times      |
| `match[spec_version]`| any of these STIX versions                                       |

Other `match[...]` fields are not filters this server offers; they are ignored, as the
specification asks of a server that does not support a filter.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from rcsc.core.exchange import ObjectQuery, VersionChoice
from rcsc.errors import ValidationFailed
from rcsc.stix.common import parse_timestamp

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
NEXT_LENGTH = 200


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    return [part.strip() for raw in params.get(name, ()) for part in raw.split(",")
            if part.strip()]


def _one(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    given = params.get(name, ())
    if len(given) > 1:
        raise ValidationFailed.field(name, "given more than once")
    return given[0] if given else None


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ValidationFailed.field("limit", f"{text!r} is not a positive whole number")
    return min(int(text), MAX_LIMIT)


def _versions(values: list[str]) -> tuple[frozenset[VersionChoice], frozenset[datetime]]:
    if not values:
        return frozenset({VersionChoice.LAST}), frozenset()
    choices, times = set(), set()
    for value in values:
        if value in VersionChoice._value2member_map_:
            choices.add(VersionChoice(value))
        else:
            times.add(parse_timestamp(value, "match[version]"))
    return frozenset(choices), frozenset(times)


def parse(params: Mapping[str, Sequence[str]], *, versions: bool = True) -> ObjectQuery:
    """The query the parameters describe, or ValidationFailed naming the bad one."""
    after = _one(params, "added_after")
    choices, times = _versions(_values(params, "match[version]")) if versions else (
        frozenset({VersionChoice.ALL}), frozenset())
    token = _one(params, "next")
    return ObjectQuery(
        added_after=parse_timestamp(after, "added_after") if after is not None else None,
        ids=frozenset(_values(params, "match[id]")),
        types=frozenset(_values(params, "match[type]")),
        choices=choices, versions=times,
        spec_versions=frozenset(_values(params, "match[spec_version]")),
        after=decode_next(token) if token is not None else None,
        limit=_limit(_one(params, "limit")))


def for_object(query: ObjectQuery, stix_id: str) -> ObjectQuery:
    return replace(query, ids=frozenset({stix_id}))


def encode_next(date_added: datetime, pk: int) -> str:
    raw = f"{date_added.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_next(token: str) -> tuple[datetime, int]:
    try:
        if len(token) > NEXT_LENGTH:
            raise ValueError(token)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, pk = raw.split("|")
        at = datetime.fromisoformat(moment)
        if at.tzinfo is None:
            raise ValueError(moment)
        return at, int(pk)
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise ValidationFailed.field(
            "next", "is not a value this server gave out; start again without it") from None
