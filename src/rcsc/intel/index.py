"""The indexer: reads each collection's stored objects in date_added order (which follows
commit order) from its watermark, and writes one posting per value each object carries.

It runs after the writes it indexes have committed, in batches, each batch one transaction
that also moves the watermark; so a crash repeats at most one uncommitted batch and never
loses or doubles a posting. On PostgreSQL the watermark row is locked while a batch is
written, so several processes never index the same objects twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import orjson

from rcsc.core.intel import IndexedValue
from rcsc.stix.indexing import values_of
from rcsc.storage import Database
from rcsc.storage.repos.intel import Unindexed

BATCH = 2000
OnBatch = Callable[[list[int]], object]


def _postings(rows: list[Unindexed]) -> list[tuple[int, IndexedValue]]:
    found: list[tuple[int, IndexedValue]] = []
    for row in rows:
        try:
            obj = orjson.loads(row.body)
        except orjson.JSONDecodeError:  # stored bodies are JSON; be safe all the same
            continue
        if isinstance(obj, dict):
            found += [(row.pk, value) for value in values_of(obj)]
    return found


def index_collection(db: Database, collection_id: uuid.UUID, batch: int = BATCH,
                     on_batch: OnBatch | None = None) -> int:
    """Index what is new in one collection; how many objects were read. `on_batch` is given
    the objects of each batch once it has committed (alerts are raised there)."""
    total = 0
    while True:
        with db.transaction() as uow:
            after = uow.intel.claim(collection_id)
            rows = uow.intel.unindexed(collection_id, after, batch)
            if not rows:
                return total
            uow.intel.add_postings(_postings(rows))
            uow.intel.advance(collection_id, rows[-1].date_added, rows[-1].pk)
        total += len(rows)
        if on_batch is not None:
            on_batch([row.pk for row in rows])


def catch_up(db: Database, batch: int = BATCH, on_batch: OnBatch | None = None) -> int:
    """Index what is new in every collection; how many objects were read."""
    with db.transaction(readonly=True) as uow:
        ids = [c.id for c in uow.stix.collections()]
    return sum(index_collection(db, collection_id, batch, on_batch) for collection_id in ids)
