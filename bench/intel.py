"""The correlation index at scale: import with indexing, batch lookups, size per value.

For each backend (a temporary SQLite file; a scratch PostgreSQL database, dropped after):

1. Imports N indicators (default 1,000,000), one observable value each (IPv4 40 %, domain
   30 %, SHA-256 30 %; TLP CLEAR/GREEN/AMBER), through the TAXII write path
   (`exchange.taxii.add_objects`, envelopes of 10,000, every check on), then indexes them
   (`intel.index.catch_up`); both times are reported and their sum is the figure.
2. Looks up a batch of 1,000 values (half carried by some indicator, half absent, some
   defanged) as CERT-LV's analyst through `intel.correlate.lookup` — the value search:
   type guess, normalisation, the warninglist and allow-list verdict, the index, the
   sharing rule, sightings and first/last seen — `--runs` times (the warninglists are
   built once before, and timed on their own row, as is the verdict alone).
3. Measures the index's bytes per posting (table and indexes), then adds 10,000 indicators
   that all carry ONE value and measures again: the growth per item stays the same (linear);
   a pair table (MISP) would need 10,000 x 9,999 / 2 = 49,995,000 rows for that value.

    .venv/bin/python bench/intel.py [--count 1000000] [--backends sqlite,postgresql]
                                    [--runs 20] [--pg-count 10000000] [--keep DIR]

With `--keep DIR` the databases are kept (DIR/intel-<count>.sqlite3; the PostgreSQL database
rcsc_bench_intel_<count>) with a note of what their build measured (DIR/<backend>-<count>.json);
a later run with the same DIR reuses them, migrated to the head: steps 1 and 3 are printed
from the note, marked "kept", and the lookups are timed afresh (a 1M build takes minutes).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intel_copies  # noqa: E402  (bench/intel_copies.py: the 10,000,000 database)

from incidents import NOW, backend  # noqa: E402  (bench/incidents.py: scratch databases)
from rcsc.accounts import bootstrap, organisations, users  # noqa: E402
from rcsc.accounts.auth import principal_for, system  # noqa: E402
from rcsc.core.clock import FrozenClock  # noqa: E402
from rcsc.core.identity import ActorType, Principal  # noqa: E402
from rcsc.core.incidents import Recipients  # noqa: E402
from rcsc.core.intel import detect  # noqa: E402
from rcsc.core.tlp import Tlp  # noqa: E402
from rcsc.exchange import collections, taxii  # noqa: E402
from rcsc.intel import benign, correlate, index, warninglists  # noqa: E402
from rcsc.stix.markings import marking_ref  # noqa: E402
from rcsc.stix.recipients import mark  # noqa: E402
from rcsc.storage import Database, migrate  # noqa: E402

ENVELOPE = 10_000
LOOKUP = 1_000
SHARED_BY = 10_000
MISP_PAIRS = "MISP: one row per matching pair (n^2); 291 GB for 10.5M attributes (MISP #8275)"


def _value(n: int) -> tuple[str, str]:
    kind = n % 10
    if kind < 4:
        return "ipv4-addr:value", f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
    if kind < 7:
        return "domain-name:value", f"host{n}.example"
    return "file:hashes.'SHA-256'", f"{n:064x}"


def _indicator(n: int, path: str, value: str, tlp: Tlp, lv: uuid.UUID) -> dict[str, object]:
    obj: dict[str, object] = {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=n + 1)}",
        "created": "2026-11-01T10:00:00.000Z", "modified": "2026-11-01T10:00:00.000Z",
        "pattern": f"[{path} = '{value}']", "pattern_type": "stix",
        "valid_from": "2026-11-01T10:00:00Z"}
    if tlp is Tlp.AMBER:
        return mark(obj, tlp, Recipients(org_ids=frozenset({lv})))
    obj["object_marking_refs"] = [marking_ref(tlp)]
    return obj


def _people(db: Database) -> tuple[Principal, Principal, uuid.UUID]:
    with db.transaction() as uow:
        bootstrap.initialise(uow, node_name="RCSC Bench", node_country="LT",
                             admin_email="root@rcsc.example")
        ua = organisations.create(uow, system("bench"), name="CERT-UA", country="UA",
                                  kind="national-csirt")
        lv = organisations.create(uow, system("bench"), name="CERT.LV", country="LV",
                                  kind="national-csirt")
        collections.ensure_shared(uow)
        made = []
        for org, email in ((ua, "analyst@cert-ua.example"), (lv, "analyst@cert.lv")):
            user = users.create(uow, system("bench"), email=email, name=email, org_id=org.id,
                                roles=["analyst"], password=None)
            made.append(principal_for(user, via=ActorType.USER))
    return made[0], made[1], lv.id


def _post(db: Database, actor: Principal, objects: list[dict[str, object]]) -> None:
    for start in range(0, len(objects), ENVELOPE):
        raw = orjson.dumps({"objects": objects[start:start + ENVELOPE]})
        with db.transaction() as uow:
            status = taxii.add_objects(uow, actor, "shared", raw, origin="bench")
        assert not status.failures, status.failures[:3]


def _objects(first: int, count: int, lv: uuid.UUID) -> Iterator[list[dict[str, object]]]:
    levels = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER)
    batch: list[dict[str, object]] = []
    for n in range(first, first + count):
        path, value = _value(n)
        batch.append(_indicator(n, path, value, levels[n % 3], lv))
        if len(batch) == 100_000:
            yield batch
            batch = []
    if batch:
        yield batch


def _index_bytes(db: Database) -> int:
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            return int(conn.execute(text(
                "SELECT pg_total_relation_size('intel_postings')")).scalar_one())
        return int(conn.execute(text(
            "SELECT sum(pgsize) FROM dbstat WHERE name = 'intel_postings' OR name LIKE "
            "'ix_intel_postings%'")).scalar_one() or 0)


def _analyze(db: Database) -> None:
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()


def _postings(db: Database) -> int:
    with db.transaction(readonly=True) as uow:
        return uow.intel.posting_count()


def _batch(rng: random.Random, count: int, skip: tuple[int, int] = (0, 0)) -> list[str]:
    """Half values some indicator carries (numbers 0 .. count - 1; with `skip` = (base,
    gap), those from `base` up have `gap` added: the numbers of bench/intel_copies.py's
    copies), half absent."""
    asked = []
    for _ in range(LOOKUP // 2):
        n = rng.randrange(count)
        _path, value = _value(n if n < skip[0] else n + skip[1])
        asked.append(value.replace(".", "[.]") if rng.random() < 0.2 else value)
    asked += [f"absent{n}.example" for n in range(LOOKUP - len(asked))]
    return asked


def _lookups(db: Database, name: str, count: int, runs: int,
             lv_analyst: Principal, skip: tuple[int, int] = (0, 0)) -> list[Row]:
    rows: list[Row] = []
    started = time.perf_counter()
    lists = warninglists.shipped()  # once per process, before any lookup is timed
    rows.append(("build the MISP warninglists (once per process)", name,
                 f"{time.perf_counter() - started:.1f} s", f"{len(lists)} lists", "", ""))
    rng = random.Random(7)
    rows.append(_verdict_row(db, name, _batch(rng, count, skip)))
    times = []
    hits = 0
    for _ in range(runs + 2):
        asked = _batch(rng, count, skip)
        started = time.perf_counter()
        with db.transaction(readonly=True) as uow:
            found = correlate.lookup(uow, lv_analyst, asked)
        times.append((time.perf_counter() - started) * 1000)
        hits = len(found.correlation.related)
    times = sorted(times[2:])
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    rows.append((f"lookup {LOOKUP:,} values vs {count:,}", name,
                 f"{statistics.median(times):.1f} ms", f"{p99:.1f} ms",
                 f"target < 100 ms; {hits} visible hits", "MISP, OpenCTI: no published "
                 "batch lookup latency"))
    return rows


def _verdict_row(db: Database, name: str, asked: list[str]) -> tuple[str, ...]:
    """The warninglist and allow-list verdict alone, on one batch (it is also inside every
    lookup timed below)."""
    values = [v for v in (detect(text) for text in asked) if v is not None]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        with db.transaction(readonly=True) as uow:
            flagged = benign.load(uow).of(values)
        times.append((time.perf_counter() - started) * 1000)
    return (f"warninglist verdict of {len(values):,} values", name,
            f"{statistics.median(times):.1f} ms", f"{len(flagged)} benign",
            "part of the lookup below", "pymispwarninglists full search: ~150 ms a value")


Row = tuple[str, ...]


@contextmanager
def kept(name: str, count: int, pg_url: str, folder: Path) -> Iterator[tuple[Database, bool]]:
    """The kept database of this backend and count (made empty at the head when new), and
    whether it was there already."""
    folder.mkdir(parents=True, exist_ok=True)
    there = (folder / f"{name}-{count}.json").exists()
    if name == "sqlite":
        path = folder.resolve() / f"intel-{count}.sqlite3"
        if not there:  # a build that stopped half way: start again
            for leftover in folder.glob(f"intel-{count}.sqlite3*"):
                leftover.unlink()
        url = f"sqlite:///{path}"
    else:
        scratch = f"rcsc_bench_intel_{count}"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            if not there:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{scratch}"')
        url = pg_url.rsplit("/", 1)[0] + f"/{scratch}"
    db = Database(url, clock=FrozenClock(NOW))
    migrate.upgrade(db.engine)
    try:
        yield db, there
    finally:
        db.dispose()


def _kept_people(db: Database) -> tuple[Principal, Principal, uuid.UUID]:
    with db.transaction(readonly=True) as uow:
        made = [principal_for(users.by_email(uow, email), via=ActorType.USER)
                for email in ("analyst@cert-ua.example", "analyst@cert.lv")]
    assert made[1].org_id is not None
    return made[0], made[1], made[1].org_id


def run(name: str, count: int, runs: int, pg_url: str,
        keep: Path | None = None) -> list[Row]:
    if keep is None:
        with backend(name, pg_url) as db:
            return _run(db, name, count, runs)
    note = keep / f"{name}-{count}.json"
    with kept(name, count, pg_url, keep) as (db, there):
        if not there:
            rows = _run(db, name, count, runs)
            note.write_text(json.dumps({"rows": [rows[0], *rows[-2:]]}))
            return rows
        built = [tuple(row) for row in json.loads(note.read_text())["rows"]]
        lv_analyst = _kept_people(db)[1]
        _analyze(db)  # the head's indexes may be new
        lookups = _lookups(db, name, count, runs, lv_analyst)
        return [_marked(built[0]), *lookups, *(_marked(row) for row in built[1:])]


def run_copies(count: int, total: int, runs: int, pg_url: str, keep: Path) -> list[Row]:
    """PostgreSQL at `total` indicators: the `count` database built through the import path
    (built here first if `keep` does not hold it), copied, and grown by SQL copies checked
    against the code (bench/intel_copies.py); the lookups are timed as at `count`."""
    if not (keep / f"postgresql-{count}.json").exists():
        run("postgresql", count, runs, pg_url, keep)
    note = keep / f"postgresql-{total}.json"
    base, name = f"rcsc_bench_intel_{count}", f"rcsc_bench_intel_{total}"
    libpq = pg_url.rsplit("/", 1)[0] + f"/{name}"
    made = []
    if not note.exists():
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            started = time.perf_counter()
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
            copied = time.perf_counter() - started
        print(f"postgresql: {name} copied from {base} in {copied:.0f} s; making copies",
              flush=True)
        seconds = intel_copies.make_copies(libpq, count, total, skip=SHARED_BY)
        made = [(f"set-up: {total:,} indicators = the {count:,} above + "
                 f"{total // count - 1} copies made in SQL", "postgresql",
                 f"{copied + seconds:.0f} s", "not timed as import",
                 f"{intel_copies.SAMPLES} copies checked against the indexer", "")]
        note.write_text(json.dumps({"rows": made}))
    else:
        made = [tuple(row) for row in json.loads(note.read_text())["rows"]]
    db = Database(libpq, clock=FrozenClock(NOW))
    try:
        migrate.upgrade(db.engine)
        _analyze(db)
        lv_analyst = _kept_people(db)[1]
        lookups = _lookups(db, "postgresql", total, runs, lv_analyst,
                           skip=(count, SHARED_BY))
        per = _index_bytes(db) / _postings(db)
    finally:
        db.dispose()
    return [*made, *lookups[1:], (f"index bytes per posting ({total:,} items)", "postgresql",
                                  f"{per:.0f} B", "", "one row per (value, item)", MISP_PAIRS)]


def _marked(row: Row) -> Row:
    return (row[0] + " (kept: measured when built)", *row[1:])


def _run(db: Database, name: str, count: int, runs: int) -> list[Row]:
    rows: list[Row] = []
    ua, lv_analyst, lv = _people(db)
    started = time.perf_counter()
    for batch in _objects(0, count, lv):
        _post(db, ua, batch)
    stored = time.perf_counter() - started
    started = time.perf_counter()
    indexed = index.catch_up(db)
    indexing = time.perf_counter() - started
    assert indexed == count, (indexed, count)
    _analyze(db)  # as autovacuum (PostgreSQL) would soon after such a load
    total = stored + indexing
    rows.append((f"import {count:,} observables + index", name,
                 f"{total:.1f} s", f"{count / total:,.0f}/s",
                 f"store {stored:.1f} s + index {indexing:.1f} s", "MISP: ~340 attributes/s"
                 " bulk ingest (MISP #9092)"))
    rows += _lookups(db, name, count, runs, lv_analyst)
    size, postings = _index_bytes(db), _postings(db)
    per = size / postings
    one_value = [_indicator(count + n, "domain-name:value", "shared-c2.example", Tlp.GREEN,
                            lv) for n in range(SHARED_BY)]
    _post(db, ua, one_value)
    index.catch_up(db)
    grown = (_index_bytes(db) - size) / (_postings(db) - postings)
    rows.append((f"index bytes per posting ({postings:,} postings)", name, f"{per:.0f} B",
                 "", "one row per (value, item)", MISP_PAIRS))
    rows.append((f"... then {SHARED_BY:,} items share ONE value", name, f"{grown:.0f} B",
                 f"{SHARED_BY:,} rows", "linear: 1 row per item", "MISP: 49,995,000 pair "
                 "rows for that value"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--pg-count", type=int, default=0,
                        help="also run PostgreSQL at this count (e.g. 10000000)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the databases in DIR and reuse them on the next run")
    args = parser.parse_args()
    rows: list[Row] = []
    for name in args.backends.split(","):
        rows += run(name, args.count, args.runs, args.pg_url, args.keep)
    if args.pg_count:
        rows += run_copies(args.count, args.pg_count, args.runs, args.pg_url,
                           args.keep or Path(tempfile.mkdtemp(prefix="bench-intel-")))
    head = ("operation", "backend", "ours", "rate / p99", "limit / note", "peer figure")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
