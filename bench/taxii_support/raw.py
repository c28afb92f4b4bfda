"""The raw limit of an import: orjson parses the bundle and one batched insert writes one
row per object (id, type, spec_version, modified, date added, marking, the object's JSON),
in one transaction, with no checks at all. Nothing that stores those rows can be faster,
so RCSC's ingest is measured against it (issue 4 asks for at least half)."""

from __future__ import annotations

import sqlite3
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg

INSERT = ("INSERT INTO stix_objects (id, type, spec_version, modified, date_added, marking, "
          "body) VALUES (?, ?, ?, ?, ?, ?, ?)")
CREATE = ("CREATE TABLE stix_objects (id TEXT NOT NULL, type TEXT NOT NULL, "
          "spec_version TEXT NOT NULL, modified TEXT NOT NULL, date_added TEXT NOT NULL, "
          "marking TEXT, body TEXT NOT NULL, PRIMARY KEY (id, modified))")
Row = tuple[str, str, str, str, str, str | None, str]


def _rows(body: bytes) -> list[Row]:
    added = datetime.now(UTC).isoformat()
    return [(o["id"], o["type"], o["spec_version"], o["modified"], added,
             (o.get("object_marking_refs") or [None])[0], orjson.dumps(o).decode())
            for o in orjson.loads(body)["objects"]]


def _bundle(objects: Sequence[dict[str, Any]]) -> bytes:
    return orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                         "objects": list(objects)})


def sqlite_seconds(objects: Sequence[dict[str, Any]]) -> float:
    """On a temporary file with RCSC's pragmas (WAL, synchronous=NORMAL)."""
    body = _bundle(objects)
    with tempfile.TemporaryDirectory() as folder:
        conn = sqlite3.connect(Path(folder) / "raw.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(CREATE)
        started = time.perf_counter()
        rows = _rows(body)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT, rows)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        conn.close()
    return seconds


def postgresql_seconds(objects: Sequence[dict[str, Any]], url: str) -> float:
    """In the scratch database `url` (a psycopg URL), through executemany's pipeline."""
    body = _bundle(objects)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute(CREATE)
        conn.commit()
        started = time.perf_counter()
        rows = _rows(body)
        with conn.cursor() as cur:
            cur.executemany(INSERT.replace("?", "%s"), rows)
        conn.commit()
        return time.perf_counter() - started


# --- the same, into RCSC's own table ---------------------------------------------------------
# What the minimal table above leaves out: RCSC's row has 16 columns (provenance, owner,
# marking, whether the version is the newest) and the table keeps the indexes TAXII reads
# need (collection + id + version unique, collection + date added for paging, the published
# source). Same parse, one batched insert, one transaction, no checks, foreign keys off: how
# much of the gap between the minimal limit and RCSC is the store itself.
RCSC_INSERT = (
    "INSERT INTO stix_objects (collection_id, stix_id, type, spec_version, version, "
    "is_latest, date_added, name, body, tlp, owner_org_id, context_tlp, author_id, origin, "
    "received_from, source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
RcscRow = tuple[Any, ...]


def _rcsc_rows(body: bytes, collection: str, owner: str, sqlite: bool) -> list[RcscRow]:
    added = datetime.now(UTC)
    def at(text: str) -> Any:
        moment = datetime.fromisoformat(text)
        return moment.isoformat(" ", "microseconds")[:26] if sqlite else moment
    stamp = added.isoformat(" ", "microseconds")[:26] if sqlite else added
    return [(collection, o["id"], o["type"], o["spec_version"], at(o["modified"]), True,
             stamp, o.get("name"), orjson.dumps(o), "green", owner, None, None, "bench",
             "raw", None) for o in orjson.loads(body)["objects"]]


def _migrated(url: str) -> None:
    from sqlalchemy import create_engine

    from rcsc.storage import migrate
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


def sqlite_rcsc_seconds(objects: Sequence[dict[str, Any]]) -> float:
    body = _bundle(objects)
    collection, owner = uuid.uuid4().hex, uuid.uuid4().hex
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rcsc.sqlite3"
        _migrated(f"sqlite:///{path}")
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        rows = _rcsc_rows(body, collection, owner, sqlite=True)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(RCSC_INSERT, rows)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        conn.close()
    return seconds


def postgresql_rcsc_seconds(objects: Sequence[dict[str, Any]], url: str) -> float:
    """Into the scratch database `url`, migrated to RCSC's schema first."""
    body = _bundle(objects)
    _migrated(url)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        conn.execute("SET session_replication_role = replica")  # foreign keys off
        started = time.perf_counter()
        rows = _rcsc_rows(body, str(uuid.uuid4()), str(uuid.uuid4()), sqlite=False)
        with conn.cursor() as cur:
            cur.executemany(RCSC_INSERT.replace("?", "%s"), rows)
        conn.commit()
        return time.perf_counter() - started
