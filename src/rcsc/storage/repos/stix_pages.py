"""A page of stored STIX object versions, kept as the driver returned its rows.

Serving a page needs each version's body and, of the rest, only the first and last
`date_added` (the TAXII headers, `next`) and the marking (the audit of restricted reads).
Turning every row into an `ObjectVersion` (two timestamps and an enum each) cost more than
reading the rows (bench/taxii.py), so a page converts only what is asked of it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from rcsc.core.exchange import ObjectVersion
from rcsc.core.tlp import Tlp

# The columns of a page's rows, in order (`StixRepo.page_rows` selects them so).
PK, STIX_ID, TYPE, SPEC_VERSION, VERSION, DATE_ADDED, BODY, TLP = range(8)


def sqlite_utc(raw: Any) -> datetime:
    """What `UtcDateTime` returns for a value stored on SQLite ('YYYY-MM-DD HH:MM:SS.ffffff',
    UTC)."""
    return datetime.fromisoformat(raw).replace(tzinfo=UTC)


def driver_utc(raw: Any) -> datetime:
    """What `UtcDateTime` returns for an aware datetime from the driver (PostgreSQL)."""
    assert isinstance(raw, datetime)
    return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)


class StoredPage:
    """Rows of (pk, stix_id, type, spec_version, version, date_added, body, tlp), the two
    times raw, in date_added order; and whether more rows follow."""

    __slots__ = ("_rows", "_time", "more")

    def __init__(self, rows: Sequence[Sequence[Any]], to_time: Callable[[Any], datetime],
                 more: bool) -> None:
        self._rows, self._time, self.more = rows, to_time, more

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def bodies(self) -> list[bytes]:
        return [bytes(r[BODY]) for r in self._rows]

    @property
    def first_added(self) -> datetime | None:
        return self._time(self._rows[0][DATE_ADDED]) if self._rows else None

    @property
    def last_added(self) -> datetime | None:
        return self._time(self._rows[-1][DATE_ADDED]) if self._rows else None

    @property
    def last_pk(self) -> int | None:
        return int(self._rows[-1][PK]) if self._rows else None

    def ids_marked(self, levels: Collection[Tlp]) -> list[str]:
        """The ids of the versions marked at any of `levels`, in page order."""
        wanted = {level.value for level in levels}
        return [r[STIX_ID] for r in self._rows if r[TLP] in wanted]

    def versions(self) -> list[ObjectVersion]:
        time = self._time
        return [ObjectVersion(stix_id=r[STIX_ID], type=r[TYPE], spec_version=r[SPEC_VERSION],
                              version=time(r[VERSION]), date_added=time(r[DATE_ADDED]),
                              body=bytes(r[BODY]), tlp=Tlp(r[TLP]), pk=r[PK])
                for r in self._rows]
