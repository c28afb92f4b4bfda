"""Opaque page cursors: url-safe base64 of the sort, the order and the last row's
(sort value, id). Keyset paging: no row is repeated or skipped when rows are added while a
client walks the pages, and a deep page costs what the first one does."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

import orjson

from rcsc.errors import ValidationFailed

MAX_LENGTH = 300


def _order(descending: bool) -> str:
    return "desc" if descending else "asc"


def encode(sort: str, descending: bool, value: datetime, item_id: uuid.UUID) -> str:
    raw = orjson.dumps([sort, _order(descending), value.isoformat(), str(item_id)])
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(cursor: str, sort: str, descending: bool) -> tuple[datetime, uuid.UUID]:
    """The (value, id) a cursor holds, or ValidationFailed naming `cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_sort, made_order, value, item_id = orjson.loads(raw)
        moment, ident = datetime.fromisoformat(value), uuid.UUID(item_id)
    except (ValueError, TypeError, AttributeError):  # binascii and orjson errors included
        raise ValidationFailed.field(
            "cursor", "is not a cursor this API gave out; start again without it") from None
    if moment.tzinfo is None:
        raise ValidationFailed.field("cursor", "is not a cursor this API gave out")
    if (made_sort, made_order) != (sort, _order(descending)):
        raise ValidationFailed.field(
            "cursor", f"was made for sort={made_sort}&order={made_order}; use those or start "
            "again without a cursor")
    return moment, ident
