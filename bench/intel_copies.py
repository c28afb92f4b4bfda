"""A PostgreSQL database of 10,000,000 indexed indicators for bench/intel.py, in minutes.

Through the import path a million indicators take minutes on this machine, ten million
would take hours. So the large database starts as a copy of the 1,000,000 one that
bench/intel.py built through that path (`CREATE DATABASE … TEMPLATE`), and each further
million is made in SQL from that first million: indicator n becomes indicator
n + k x 1,000,000, with the id, the pattern's value, the posting's value, key and address
span that bench/intel.py's generator and the indexer give that number; marking, owner,
recipients and everything else are those of indicator n. Then samples are checked against the
code itself: each sampled copy's body is parsed and indexed by `stix.indexing.values_of`,
and its postings must be exactly those values (kind, value, key, span); its id and pattern
must be those of the generator's indicator. Any difference stops the bench.

This is set-up, not a measurement: the bench prints it as such, and times only lookups.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import orjson
import psycopg

from rcsc.core.intel import IndexedValue
from rcsc.stix.indexing import values_of

CHUNK = 250_000  # base objects (by primary key) per statement
SAMPLES = 200
BASE_ID = "indicator--00000000-0000-0000-0000-"


def _n(table: str) -> str:
    """The generator's number of an indicator, from its id (UUID(int=n + 1))."""
    return f"(('x' || right({table}.stix_id, 12))::bit(48)::bigint - 1)"


def _value(n: str) -> str:
    """bench/intel.py's `_value(n)` in SQL: IPv4 40 %, domain 30 %, SHA-256 30 %."""
    return (f"CASE WHEN mod({n}, 10) < 4 THEN '10.' || (({n} >> 16) & 255) || '.' || "
            f"(({n} >> 8) & 255) || '.' || ({n} & 255) "
            f"WHEN mod({n}, 10) < 7 THEN 'host' || {n} || '.example' "
            f"ELSE lpad(to_hex({n}), 64, '0') END")


def _new_id(m: str) -> str:
    return f"'{BASE_ID}' || lpad(to_hex({m} + 1), 12, '0')"


def _span(m: str) -> str:
    """The address span of an IPv4 value 10.a.b.c (a, b, c the low bytes of m), else NULL."""
    return (f"CASE WHEN mod({m}, 10) < 4 THEN decode(lpad(to_hex(167772160 + ({m} & 16777215)), "
            f"8, '0'), 'hex') END")


# The base object `o` (number N) and its copy's number M; which base objects a statement
# copies (a bench indicator of the first `count`, in one primary-key chunk).
N = _n("o")
M = f"({N} + %(offset)s)"
BASE = f"o.stix_id LIKE '{BASE_ID}%%' AND {N} < %(count)s AND o.pk >= %(lo)s AND o.pk < %(hi)s"


def _objects_sql() -> str:
    n, m = N, M
    # this module's own fragments; the numbers are bound
    return f"""
INSERT INTO stix_objects (collection_id, stix_id, type, spec_version, version, is_latest,
    date_added, name, body, tlp, owner_org_id, context_tlp, author_id, origin, received_from,
    source_key)
SELECT o.collection_id, {_new_id(m)}, o.type, o.spec_version, o.version, o.is_latest,
    o.date_added + make_interval(days => %(days)s), o.name,
    convert_to(replace(replace(convert_from(o.body, 'UTF8'), o.stix_id, {_new_id(m)}),
                       ' = ''' || {_value(n)} || '''', ' = ''' || {_value(m)} || ''''), 'UTF8'),
    o.tlp, o.owner_org_id, o.context_tlp, o.author_id, o.origin, o.received_from, o.source_key
FROM stix_objects o
WHERE {BASE}
ORDER BY o.pk"""  # noqa: S608


def _mapped(m: str) -> str:
    """Joins the base object `o` to its copy `c`."""
    return (f"JOIN stix_objects c ON c.collection_id = o.collection_id "
            f"AND c.stix_id = {_new_id(m)} AND c.version = o.version")


def _postings_sql() -> str:
    m = M
    # this module's own fragments; the numbers are bound
    return f"""
INSERT INTO intel_postings (object_pk, kind, value, value_key, ip_lo, ip_hi, is_range)
SELECT c.pk, p.kind, {_value(m)},
    substring(sha256(convert_to(p.kind || chr(31) || {_value(m)}, 'UTF8')) from 1 for 16),
    {_span(m)}, {_span(m)}, false
FROM intel_postings p JOIN stix_objects o ON o.pk = p.object_pk {_mapped(m)}
WHERE p.object_pk >= %(lo)s AND p.object_pk < %(hi)s AND {BASE}"""  # noqa: S608


def _recipients_sql() -> str:
    m = M
    # this module's own fragments; the numbers are bound
    return f"""
INSERT INTO stix_object_recipients (object_pk, kind, ref_id)
SELECT c.pk, r.kind, r.ref_id
FROM stix_object_recipients r JOIN stix_objects o ON o.pk = r.object_pk {_mapped(m)}
WHERE r.object_pk >= %(lo)s AND r.object_pk < %(hi)s AND {BASE}"""  # noqa: S608


def make_copies(url: str, count: int, total: int, skip: int = 0,
                say: Callable[[str], None] = print) -> float:
    """Grow the database at `url` (holding `count` indexed bench indicators) to `total`
    with copies; seconds taken. `url` is a libpq URL. The copies are numbered from count +
    skip on (bench/intel.py adds `skip` indicators sharing one value after the first
    `count`, so those numbers are taken)."""
    started = time.perf_counter()
    statements = (_objects_sql(), _recipients_sql(), _postings_sql())
    with psycopg.connect(url) as conn:
        first, last = conn.execute("SELECT min(pk), max(pk) FROM stix_objects").fetchone() \
            or (0, 0)
        for k in range(1, total // count):
            for lo in range(first, last + 1, CHUNK):
                params = {"offset": k * count + skip, "days": k, "lo": lo, "hi": lo + CHUNK,
                          "count": count}
                for sql in statements:
                    conn.execute(sql, params)
                conn.commit()
            say(f"  copies: {(k + 1) * count:,} indicators "
                f"({time.perf_counter() - started:,.0f} s)")
        # the indexer has read everything there is (it would find nothing new)
        conn.execute("""UPDATE intel_watermarks w SET date_added = last.date_added,
                            object_pk = last.pk
                        FROM (SELECT DISTINCT ON (collection_id) collection_id, date_added, pk
                              FROM stix_objects ORDER BY collection_id, date_added DESC, pk DESC)
                             last WHERE last.collection_id = w.collection_id""")
        conn.commit()
        check(conn, range(count + skip, total + skip))
    return time.perf_counter() - started


def check(conn: psycopg.Connection, numbers: range, samples: int = SAMPLES) -> None:
    """Each sampled copy as the code would make and index it (see the module)."""
    from intel import _value as generated  # bench/intel.py's generator

    rng = random.Random(11)
    for m in rng.sample(numbers, samples):
        stix_id = BASE_ID + f"{m + 1:012x}"
        row = conn.execute("SELECT pk, body FROM stix_objects WHERE stix_id = %s",
                           (stix_id,)).fetchone()
        assert row is not None, f"copy {stix_id} missing"
        pk, body = row
        obj = orjson.loads(bytes(body))
        path, value = generated(m)
        assert obj["id"] == stix_id and obj["pattern"] == f"[{path} = '{value}']", obj
        want = {(v.kind.value, v.value, v.key, v.span[0] if v.span else None,
                 v.span[1] if v.span else None, v.is_range) for v in values_of(obj)}
        got = {(kind, val, bytes(key), bytes(lo) if lo is not None else None,
                bytes(hi) if hi is not None else None, is_range)
               for kind, val, key, lo, hi, is_range in conn.execute(
                   "SELECT kind, value, value_key, ip_lo, ip_hi, is_range FROM intel_postings "
                   "WHERE object_pk = %s", (pk,))}
        assert got == want, (stix_id, got, want)
        assert all(isinstance(v, IndexedValue) for v in values_of(obj))
