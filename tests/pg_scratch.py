"""A scratch PostgreSQL database of a test's own, for tests that run real `rcsc` processes
(which migrate, initialise and write on their own). Like `pg_base_url` in conftest, an
unreachable PostgreSQL skips the test, or fails it under CI=true.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import IN_CI, PG_URL, _pg_reachable


def scratch_database(label: str, template: str | None = None) -> Iterator[str]:
    """Yield the URL of a new database, empty (not migrated) or a copy of `template`; drop
    it afterwards."""
    problem = _pg_reachable()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is unreachable: {problem}")
        pytest.skip("PostgreSQL is not reachable (set CI=true to make this a failure)")
    name = f"rcsc_{label}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
