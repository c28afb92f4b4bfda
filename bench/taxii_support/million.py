"""`bench/taxii.py --million`: RCSC serves a collection of a million objects in flat memory.

Setup, not measured against anything: the objects go straight into the node's database
through `StixRepo.add_versions` (the repository's batched insert, 20,000 per transaction,
none of the TAXII checks) while `rcsc serve` runs. Then the bench pages through all of
them over HTTP, `GET …/objects/?limit=…` and `next`, and reads the server's peak RSS
(`VmHWM`, reset just before paging) after 100,000 objects and after the last page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import orjson

from rcsc.core.exchange import NewVersion
from rcsc.core.tlp import Tlp
from rcsc.stix.common import parse_timestamp
from rcsc.storage import Database
from taxii_support import bundle
from taxii_support.client import Collection, page_all
from taxii_support.servers import Server, memory_kib, reset_peak

BATCH = 20_000
CHECKPOINT = 100_000


@dataclass
class Million:
    objects: int
    load_s: float
    paging_s: float
    paged: int
    distinct: int
    rss_before: int  # KiB
    rss_at_checkpoint: int  # peak KiB after CHECKPOINT objects
    rss_at_end: int  # peak KiB after the last page
    peak_reset: bool


def _versions(objects: Iterator[dict[str, Any]], owner: Any) -> list[NewVersion]:
    return [NewVersion(stix_id=o["id"], type=o["type"], spec_version=o["spec_version"],
                       version=parse_timestamp(o["modified"], "modified"), name=o["name"],
                       body=orjson.dumps(o), tlp=Tlp.GREEN, owner_org_id=owner,
                       author_id=None, origin="bench", received_from="bench:direct-load")
            for o in objects]


def load(database_url: str, count: int) -> float:
    """Insert `count` generated objects into the `shared` collection; seconds taken."""
    db = Database(database_url)
    objects = bundle.generate(count)
    started = time.perf_counter()
    try:
        while batch := list(islice(objects, BATCH)):
            with db.transaction() as uow:
                collection = uow.stix.collection("shared")
                assert collection is not None, "rcsc init makes the shared collection"
                versions = _versions(iter(batch), uow.orgs.list()[0].id)
                first = uow.stix.next_date_added(collection.id, datetime.now(UTC))
                uow.stix.add_versions(collection.id, versions, first, {})
    finally:
        db.dispose()
    return time.perf_counter() - started


def measure(server: Server, c: Collection, database_url: str, count: int,
            page: int) -> Million:
    load_s = load(database_url, count)
    rss_before = memory_kib(server.pid, "VmRSS")
    reset = reset_peak(server.pid)
    at_checkpoint = 0

    def watch(seen: int) -> None:
        nonlocal at_checkpoint
        if not at_checkpoint and seen >= min(CHECKPOINT, count):
            at_checkpoint = memory_kib(server.pid, "VmHWM")

    paged = page_all(c, page, every=watch)
    return Million(count, load_s, paged.seconds, len(paged.ids), len(set(paged.ids)),
                   rss_before, at_checkpoint, memory_kib(server.pid, "VmHWM"), reset)
