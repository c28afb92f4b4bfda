"""TAXII 2.1 side by side: RCSC and medallion (the OASIS reference server) on one bundle.

Generates N STIX 2.1 indicators (default 10,000), then for each server, started here on a
free loopback port: POST throughput, paging through every object, two filtered queries,
and the server's peak memory while paging; and the raw limit of an import (orjson parse and
one batched insert). Prints one table; see bench/README.md. `--million` instead loads a
million objects into RCSC and pages through them, reading the server's peak memory.

    .venv/bin/python bench/taxii.py [--objects 10000] [--servers medallion,rcsc]
                                    [--database sqlite|postgresql] [--million]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taxii_support import bundle, million, raw
from taxii_support.client import Timing, Unavailable, connect, ingest, page_all, timed
from taxii_support.report import Row, figure_rows, million_rows, table
from taxii_support.servers import (
    Server,
    medallion,
    memory_kib,
    rcsc,
    reset_peak,
    scratch_database,
)


@dataclass
class Figures:
    label: str
    posted: int
    ingest_s: float
    paged: int
    paging_s: float
    paging_complete: bool
    rss_before: int  # KiB
    rss_peak: int  # KiB, the peak while paging
    peak_reset: bool
    by_id: Timing
    after: Timing
    after_count: int
    notes: list[str]

    @property
    def ingest(self) -> float:
        return self.posted / self.ingest_s

    @property
    def paging(self) -> float:
        return self.paged / self.paging_s


def _budget(server: Server, args: argparse.Namespace) -> float:
    """medallion's phases stop after --medallion-budget seconds: it slows as it grows."""
    return args.medallion_budget if server.name == "medallion" else float("inf")


def measure(server: Server, objects: list[dict[str, Any]], args: argparse.Namespace
            ) -> Figures:
    c = connect(server)
    budget, notes = _budget(server, args), []
    print(f"{server.name}: collection {c.url}; POST {len(objects):,} objects", file=sys.stderr)
    done = ingest(c, objects, args.envelope, budget)
    posted = objects[:done.posted]
    if done.posted < len(objects):
        notes.append(f"{server.name}: POST stopped at the {budget:,.0f} s budget, "
                     f"{done.posted:,} of {len(objects):,} objects posted; every later "
                     "figure is for that smaller collection")
    rss_before = memory_kib(server.pid, "VmRSS")
    reset = reset_peak(server.pid)
    print(f"{server.name}: paging", file=sys.stderr)
    paged = page_all(c, args.page, budget)
    rss_peak = memory_kib(server.pid, "VmHWM")
    if paged.complete and (len(paged.ids) != len(posted)
                           or set(paged.ids) != {o["id"] for o in posted}):
        raise RuntimeError(f"paging returned {len(paged.ids)} objects "
                           f"({len(set(paged.ids))} distinct), not the {len(posted)} posted")
    if not paged.complete:
        notes.append(f"{server.name}: paging stopped at the {budget:,.0f} s budget after "
                     f"{len(paged.ids):,} of {len(posted):,} objects (a page slower than "
                     "the budget is given up; the server may still be working on it)")
    print(f"{server.name}: filtered queries", file=sys.stderr)
    timeout = min(args.query_timeout, budget)
    one = posted[len(posted) // 2]["id"]
    by_id = timed(c, {"match[type]": "indicator", "match[id]": one}, 1, args.runs, args.budget,
                  timeout)
    last = len(posted) - (len(posted) - 1) // args.envelope * args.envelope
    after = timed(c, {"added_after": done.cut, "limit": str(args.envelope)}, last, args.runs,
                  args.budget, timeout)
    return Figures(f"{server.name} {server.version}", done.posted, done.seconds,
                   len(paged.ids), paged.seconds, paged.complete, rss_before, rss_peak, reset,
                   by_id, after, last, notes)


def run(name: str, objects: list[dict[str, Any]], args: argparse.Namespace,
        db_url: str | None) -> Figures | str:
    """The figures, or why there are none."""
    with tempfile.TemporaryDirectory(prefix=f"bench-taxii-{name}-") as folder:
        start: AbstractContextManager[Server] = (
            medallion(Path(folder), args.page) if name == "medallion"
            else rcsc(Path(folder), db_url, args.rcsc_discovery))
        try:
            with start as server:
                return measure(server, objects, args)
        except Unavailable as exc:
            return f"{name}: TAXII server not available ({exc})"
        except Exception as exc:  # report the other server's figures all the same
            traceback.print_exc()
            return f"{name}: failed ({type(exc).__name__}: {str(exc)[:100]})"


@contextmanager
def database(args: argparse.Namespace) -> Iterator[str | None]:
    if args.database == "sqlite":
        yield None
        return
    with scratch_database(args.pg_url) as url:
        yield url


RAW_RUNS = 3


def _raw_once(args: argparse.Namespace, *, minimal: bool) -> float:
    objects = bundle.indicators(args.objects)
    with database(args) as url:
        if minimal:
            return raw.postgresql_seconds(objects, url) if url else raw.sqlite_seconds(objects)
        return (raw.postgresql_rcsc_seconds(objects, url) if url
                else raw.sqlite_rcsc_seconds(objects))


def side_by_side(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    objects = bundle.indicators(args.objects)
    names = [s.strip() for s in args.servers.split(",")]
    results: dict[str, Figures | str] = {}
    if "medallion" in names:
        results["medallion"] = run("medallion", objects, args, None)
    # each raw limit is the best of RAW_RUNS (a limit is the best case; one 0.1 s insert
    # varied by 15 % from run to run)
    raw_s = min(_raw_once(args, minimal=True) for _ in range(RAW_RUNS))
    table_s = min(_raw_once(args, minimal=False) for _ in range(RAW_RUNS))
    if "rcsc" in names:
        with database(args) as url:
            results["rcsc"] = run("rcsc", objects, args, url)
    notes = [r for r in results.values() if isinstance(r, str)]
    figures = {k: r for k, r in results.items() if isinstance(r, Figures)}
    for f in figures.values():
        notes += f.notes + ([] if f.peak_reset else [
            f"{f.label}: peak RSS is since start (/proc clear_refs refused)"])
    return figure_rows(args, figures.get("rcsc"), figures.get("medallion"),
                       args.objects / raw_s, raw_s, args.objects / table_s, table_s), notes


def run_million(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    with tempfile.TemporaryDirectory(prefix="bench-taxii-million-") as folder, \
            database(args) as url:
        db_url = url or f"sqlite:///{Path(folder) / 'data' / 'rcsc.sqlite3'}"
        with rcsc(Path(folder), url, args.rcsc_discovery) as server:
            c = connect(server)
            print(f"rcsc: loading {args.million_objects:,} objects, then paging",
                  file=sys.stderr)
            found = million.measure(server, c, db_url, args.million_objects, args.page)
    return million_rows(args, found), []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=10_000, help="indicators in the bundle")
    parser.add_argument("--envelope", type=int, default=1_000, help="objects per POST")
    parser.add_argument("--page", type=int, default=1_000, help="limit= when paging")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per query")
    parser.add_argument("--budget", type=float, default=60, help="seconds at most per query")
    parser.add_argument("--query-timeout", type=float, default=600,
                        help="give a filtered query up after this many seconds")
    parser.add_argument("--medallion-budget", type=float, default=120,
                        help="seconds for each of medallion's phases (POST, paging, each "
                             "query): it slows as its collection grows")
    parser.add_argument("--servers", default="medallion,rcsc")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="RCSC's database (and the raw limit's); medallion keeps memory")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a database to connect to while creating the scratch ones")
    parser.add_argument("--rcsc-discovery", default="/taxii2/", help="RCSC's discovery path")
    parser.add_argument("--million", action="store_true",
                        help="instead: RCSC's memory while paging through a million objects")
    parser.add_argument("--million-objects", type=int, default=1_000_000,
                        help="objects loaded for --million")
    args = parser.parse_args()
    rows, notes = run_million(args) if args.million else side_by_side(args)
    print(table(rows))
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
