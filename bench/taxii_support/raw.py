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
