"""Incident list and search latency with the sharing filter on, at 100,000 incidents.

Loads N incidents (default 100,000) with about three observables each through the batch
path (`UnitOfWork.bulk`) into SQLite (a temporary file) and PostgreSQL (a scratch database,
dropped afterwards), then times, for an analyst of a member organisation that owns few of
them (CERT.LV), the reads a user makes: the first page of the list, a page deep down by
cursor, free-text search and the total count. Prints one table; see bench/README.md.

    .venv/bin/python bench/incidents.py [--count 100000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from rcsc.accounts import bootstrap, communities, organisations, users
from rcsc.accounts.auth import principal_for, system
from rcsc.core.clock import FrozenClock
from rcsc.core.identity import ActorType, Principal
from rcsc.core.incidents import (
    Impact,
    Incident,
    Observable,
    ObservableRole,
    Recipients,
    Severity,
    Status,
    Times,
)
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.demo import catalogue as cat
from rcsc.demo.plan import CERT_WEIGHTS, CERTS, COMMUNITIES, TLP_WEIGHTS
from rcsc.incidents import service
from rcsc.storage import Database, migrate
from rcsc.storage.repos.incidents import IncidentQuery, Page

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PAGE = 50
VIEWER = "cert-lv"
MEDALLION = "medallion: minutes for the 1st page of 10,000 objects (PRODUCT.md)"
NO_FIGURE = "MISP, OpenCTI: no published list/search latency"
MISP_INGEST = "MISP: ~340 attributes/s bulk ingest (MISP #9092)"


@dataclass
class World:
    orgs: dict[str, uuid.UUID]
    communities: dict[str, uuid.UUID]
    analysts: dict[str, Principal]


def make_world(db: Database) -> World:
    with db.transaction() as uow:
        bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                             admin_email="admin@rcsc.example")
        orgs = {key: organisations.create(uow, system(), name=key.upper(), country=cc,
                                          kind="national-csirt").id
                for key, cc in CERTS.items()}
        groups = {c.key: communities.create(
            uow, system(), name=c.name, member_ids=[orgs[k] for k in c.members if k in orgs]).id
            for c in COMMUNITIES}
        analysts = {key: principal_for(users.create(
            uow, system(), email=f"analyst@{key}.example", name=f"Analyst {key}",
            org_id=org, roles=["analyst"], password=None), via=ActorType.USER)
            for key, org in orgs.items()}
    return World(orgs, groups, analysts)


def _recipients(rng: random.Random, w: World, owner: str, tlp: Tlp) -> Recipients:
    partners = sorted(set(CERTS) - {owner})
    if tlp is Tlp.GREEN and rng.random() < 0.5:
        mine = [c.key for c in COMMUNITIES if owner in c.members]
        return Recipients(community_ids=frozenset({w.communities[rng.choice(mine)]}))
    if tlp in (Tlp.AMBER, Tlp.AMBER_STRICT):
        return Recipients(org_ids=frozenset(w.orgs[k] for k in rng.sample(partners, 2)))
    if tlp is Tlp.RED:
        named = rng.sample(partners, 2)
        return Recipients(user_ids=frozenset(w.analysts[k].user_id  # type: ignore[misc]
                                             for k in named))
    return Recipients()


def make_incident(rng: random.Random, w: World, n: int, count: int) -> Incident:
    owner = rng.choices(list(CERT_WEIGHTS), weights=list(CERT_WEIGHTS.values()))[0]
    scenario = rng.choices(cat.SCENARIOS, weights=[s.weight for s in cat.SCENARIOS])[0]
    target, sector, subsector = rng.choice(scenario.targets)
    product, cve = rng.choice(cat.PRODUCTS)
    title = rng.choice(scenario.titles).format(
        target=target, product=product, cve=cve, lure=rng.choice(cat.LURES),
        malware=rng.choice(scenario.malware or ("Remcos",)), leak=rng.choice(cat.LEAKS))
    tlp = rng.choices(list(TLP_WEIGHTS), weights=list(TLP_WEIGHTS.values()))[0]
    at = NOW - timedelta(days=365) * (1 - n / count) - timedelta(seconds=rng.random() * 60)
    return Incident(
        id=uuid.uuid4(), title=title, summary=scenario.summary,
        rsit_class=scenario.rsit_class, rsit_type=scenario.rsit_type,
        severity=Severity(rng.choice(scenario.severities)), status=Status.CLOSED, tlp=tlp,
        owner_org_id=w.orgs[owner], author_id=w.analysts[owner].user_id,
        recipients=_recipients(rng, w, owner, tlp), countries=frozenset({CERTS[owner]}),
        sector=sector, subsector=subsector, impact=Impact(), times=Times(detected_at=at),
        attack_techniques=scenario.techniques, cves=(), threat_actors=(), malware=(),
        exercise_id=None, version=1, created_at=at, updated_at=at)


def make_observables(rng: random.Random, incident: Incident) -> list[Observable]:
    values = {(ObservableType.IPV4, f"198.51.100.{rng.randint(1, 254)}"),
              (ObservableType.DOMAIN, f"host{rng.randint(1, 20_000)}.example"),
              (ObservableType.SHA256, f"{rng.getrandbits(256):064x}")}
    return [Observable(id=uuid.uuid4(), incident_id=incident.id, type=kind, value=value,
                       role=ObservableRole.IOC, tlp=None, first_seen=None, last_seen=None,
                       comment="", created_at=incident.created_at) for kind, value in values]


def load(db: Database, w: World, count: int, chunk: int = 10_000) -> tuple[float, int]:
    rng = random.Random(1003)  # noqa: S311 - reproducible data, not a secret
    started, rows = time.perf_counter(), 0
    for first in range(0, count, chunk):
        incidents = [make_incident(rng, w, n, count) for n in range(first, min(first + chunk,
                                                                               count))]
        found = [o for i in incidents for o in make_observables(rng, i)]
        with db.transaction() as uow:
            uow.bulk.add_incidents(incidents)
            uow.bulk.add_observables(found)
        rows += len(incidents) + len(found)
    return time.perf_counter() - started, rows


def timed(db: Database, fn: Callable[..., object], runs: int) -> tuple[float, float]:
    for _ in range(3):  # warm the caches and the statement cache
        with db.transaction(readonly=True) as uow:
            fn(uow)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        with db.transaction(readonly=True) as uow:
            fn(uow)
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def operations(w: World) -> Iterator[tuple[str, Callable[..., object], str, str]]:
    me = w.analysts[VIEWER]
    deep = (NOW - timedelta(days=182), uuid.UUID(int=2**128 - 1))  # half a year back

    def page(q: IncidentQuery, after: tuple[datetime, uuid.UUID] | None = None
             ) -> Callable[..., object]:
        return lambda uow: service.search(uow, me, q, Page(after=after, limit=PAGE))

    rows = f"{PAGE} rows"
    yield "list, first page", page(IncidentQuery()), rows, MEDALLION
    yield "list, page by cursor half-way down", page(IncidentQuery(), deep), rows, MEDALLION
    yield "search 'ransomware' (common word)", page(IncidentQuery(text="ransomware")), rows, \
        NO_FIGURE
    yield "search 'roundcube' (rare word)", page(IncidentQuery(text="roundcube")), rows, \
        NO_FIGURE
    yield "count of the visible list", lambda uow: service.count(uow, me, IncidentQuery()), \
        "all", NO_FIGURE


@contextmanager
def backend(name: str, pg_url: str) -> Iterator[Database]:
    """An empty database at the migration head: a temporary SQLite file, or a scratch
    PostgreSQL database that is dropped afterwards."""
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", clock=FrozenClock(NOW))
            migrate.upgrade(db.engine)
            yield db
            db.dispose()
        return
    scratch = f"rcsc_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        db = Database(pg_url.rsplit("/", 1)[0] + f"/{scratch}", clock=FrozenClock(NOW))
        migrate.upgrade(db.engine)
        yield db
        db.dispose()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def run(name: str, args: argparse.Namespace) -> list[tuple[str, ...]]:
    rows = []
    with backend(name, args.pg_url) as db:
        world = make_world(db)
        seconds, written = load(db, world, args.count)
        if db.dialect == "postgresql":  # what autovacuum does soon after a bulk load
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE")
        rows.append((f"bulk load {args.count:,} incidents + observables", name,
                     f"{seconds:.1f} s", f"{written / seconds:,.0f} rows/s", "", MISP_INGEST))
        with db.transaction(readonly=True) as uow:
            seen = service.count(uow, world.analysts[VIEWER], IncidentQuery())
        print(f"{name}: {args.count:,} incidents, {seen:,} visible to the {VIEWER} analyst",
              file=sys.stderr)
        for label, fn, limit, peer in operations(world):
            p50, p99 = timed(db, fn, args.runs)
            rows.append((label, name, f"{p50:.1f}", f"{p99:.1f}", limit, peer))
    return rows


def table(rows: list[tuple[str, ...]]) -> str:
    head = ("operation", "backend", "p50 ms", "p99 ms", "limit", "peer figure")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = " | ".join
    out = [line(h.ljust(w) for h, w in zip(head, widths, strict=True)),
           line("-" * w for w in widths)]
    out += [line(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200, help="timed runs per operation")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a database to connect to while creating the scratch one")
    args = parser.parse_args()
    rows = [row for name in args.backends.split(",") for row in run(name.strip(), args)]
    print(table(rows))


if __name__ == "__main__":
    main()
