"""Sightings in SQL, read through the sharing rule (the same compiled rule as incidents)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.core.verdicts import Sighting, SightingKind
from rcsc.sharing import Viewer
from rcsc.storage.repos.intel import key_in, text_in
from rcsc.storage.sharing_sql import Recipients, visible_clause
from rcsc.storage.verdict_tables import SightingRecipientRow, SightingRow

S = SightingRow
R = SightingRecipientRow
RECIPIENTS = Recipients(R.sighting_id, R.kind, R.ref_id)
IN_CHUNK = 2000


@lru_cache(maxsize=256)  # built once per viewer, as `repos.intel._seen` (see there)
def sighting_visible(viewer: Viewer | None) -> ColumnElement[bool]:
    return visible_clause(viewer, tlp=S.tlp, owner=S.owner_org_id, author=S.author_id,
                          item_id=S.id, recipients=RECIPIENTS)


class SightingRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, sighting: Sighting) -> None:
        value = sighting.value
        self.s.add(S(id=sighting.id, kind=sighting.kind.value,
                     value_kind=value.kind.value if value else None,
                     value=value.value if value else None,
                     value_key=value.key if value else None, stix_id=sighting.stix_id,
                     count=sighting.count, first_seen=sighting.first_seen,
                     last_seen=sighting.last_seen, tlp=sighting.tlp.value,
                     owner_org_id=sighting.owner_org_id, author_id=sighting.author_id,
                     comment=sighting.comment, created_at=sighting.created_at))
        self.s.flush()  # the recipients refer to it (no ORM relationship orders the two)
        self.s.add_all([R(sighting_id=sighting.id, kind="org", ref_id=ref)
                        for ref in sighting.recipient_org_ids])
        self.s.add_all([R(sighting_id=sighting.id, kind="community", ref_id=ref)
                        for ref in sighting.recipient_community_ids])
        self.s.flush()

    def visible(self, viewer: Viewer | None, *, keys: Sequence[bytes] = (),
                stix_ids: Sequence[str] = (), limit: int = 10_000) -> list[Sighting]:
        """The sightings the viewer may see of any of these values (by key) or objects."""
        found: list[Sighting] = []
        keys, stix_ids = sorted(set(keys)), sorted(set(stix_ids))
        for start in range(0, max(len(keys), len(stix_ids)), IN_CHUNK):
            terms = []
            if keys[start:start + IN_CHUNK]:
                terms.append(key_in(self.s, S.value_key, keys[start:start + IN_CHUNK]))
            if stix_ids[start:start + IN_CHUNK]:
                terms.append(text_in(self.s, S.stix_id, stix_ids[start:start + IN_CHUNK]))
            found += self._rows(viewer, or_(*terms), limit - len(found))
        return found

    def latest(self, viewer: Viewer | None, limit: int = 100) -> list[Sighting]:
        return self._rows(viewer, S.id.is_not(None), limit)

    def _rows(self, viewer: Viewer | None, where: ColumnElement[bool],
              limit: int) -> list[Sighting]:
        if limit <= 0:
            return []
        rows = self.s.scalars(select(S).where(where, sighting_visible(viewer))
                              .order_by(S.last_seen.desc(), S.id).limit(limit)).all()
        return [_sighting(r) for r in rows]


def _sighting(row: SightingRow) -> Sighting:
    value = (IndexedValue(ObservableType(row.value_kind), row.value)
             if row.value_kind and row.value is not None else None)
    return Sighting(id=row.id, kind=SightingKind(row.kind), value=value, stix_id=row.stix_id,
                    count=row.count, first_seen=row.first_seen, last_seen=row.last_seen,
                    tlp=Tlp(row.tlp), owner_org_id=row.owner_org_id, author_id=row.author_id,
                    created_at=row.created_at, comment=row.comment)
