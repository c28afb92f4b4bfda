"""Dashboard and situation report times at 100,000 and 1,000,000 incidents.

Loads N incidents (bench/incidents.py's world and generator: seven CERTs, the demo's
communities and TLP mix, a year before the load) through the batch path into SQLite and
PostgreSQL, with NIS2 clocks, containment times and workflow states drawn per incident and
2 % of them exercise incidents, then times as CERT.LV's analyst (the sharing filter on):
all the dashboard's aggregates over 16 weeks, the trend tests, the dashboard's work whole
(aggregates, overdue NIS2 reports, tests, the four charts rendered to SVG: drawn afresh,
and again with the charts already drawn for the same data) and the weekly situation
report (built, rendered to HTML, printed to PDF; its charts drawn afresh). No STIX is
published or indexed here, so the shared-value and cluster queries run over an empty
index (bench/intel.py measures the index).

    .venv/bin/python bench/analytics.py [--incidents 100000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from incidents import NOW, VIEWER, World, backend, make_incident, make_world  # noqa: E402
from rcsc.analytics import aggregates as ag  # noqa: E402
from rcsc.analytics import charts, params, sitrep, trends  # noqa: E402
from rcsc.core.incidents import Incident as IncidentValue  # noqa: E402
from rcsc.core.incidents import Milestone, Severity, Status, Submission  # noqa: E402
from rcsc.storage import Database  # noqa: E402
from rcsc.web.pages.dashboard import dashboard_svgs, sitrep_document  # noqa: E402
from rcsc.web.pages.render import make_environment  # noqa: E402
from rcsc.web.pdf import html_to_pdf  # noqa: E402

MINIMUM = 3
PEER = "MISP, OpenCTI: no published dashboard or report time"


def _vary(rng: random.Random, incident: IncidentValue) -> IncidentValue:
    """Workflow state, NIS2 clock and reports, containment, exercise flag."""
    status = rng.choice(list(Status))
    times = incident.times
    subs: dict[Milestone, Submission] = {}
    if incident.severity in (Severity.HIGH, Severity.CRITICAL):
        aware = incident.created_at - timedelta(hours=rng.randint(0, 12))
        times = replace(times, aware_at=aware,
                        contained_at=aware + timedelta(hours=rng.randint(2, 600))
                        if status not in (Status.NEW, Status.TRIAGE) else None)
        for milestone, hours in ((Milestone.EARLY_WARNING, 30), (Milestone.NOTIFICATION, 80)):
            if rng.random() < 0.8:
                subs[milestone] = Submission(aware + timedelta(hours=rng.randint(1, hours)),
                                             incident.author_id)
    exercise = incident.id if rng.random() < 0.02 else None
    return replace(incident, status=status, times=times, submissions=subs,
                   exercise_id=exercise)


def load(db: Database, w: World, count: int, chunk: int = 10_000) -> float:
    rng = random.Random(2026)  # noqa: S311 - reproducible data, not a secret
    started = time.perf_counter()
    for first in range(0, count, chunk):
        batch = [_vary(rng, make_incident(rng, w, n, count))
                 for n in range(first, min(first + chunk, count))]
        with db.transaction() as uow:
            uow.bulk.add_incidents(batch)
    return time.perf_counter() - started


def timed(db: Database, fn: Callable[..., object], runs: int) -> tuple[float, float]:
    with db.transaction(readonly=True) as uow:  # warm caches (and the chart engine)
        fn(uow)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        with db.transaction(readonly=True) as uow:
            fn(uow)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def operations(w: World) -> Iterator[tuple[str, Callable[..., object]]]:
    me = w.analysts[VIEWER]
    filters = params.parse(NOW)
    week = sitrep.last_full_week(NOW)
    env = make_environment()

    def dashboard(uow: object, fresh: bool = True) -> None:
        """What the page does (web/pages/dashboard.py): one source for all of it."""
        if fresh:
            charts.clear_cache()  # draw every chart, as after a change of the data
        monday = params.week_start(NOW)
        src = ag.source(uow, me, filters, MINIMUM,  # type: ignore[arg-type]
                        reach=trends.windows(monday)[0])
        agg = ag.aggregate(src)
        ag.overdue(src)
        trends.trends(uow, me, monday, MINIMUM, days=src.days)  # type: ignore[arg-type]
        dashboard_svgs(agg)

    def report(uow: object) -> None:
        charts.clear_cache()
        built = sitrep.build(uow, me, week, MINIMUM)  # type: ignore[arg-type]
        html_to_pdf(sitrep_document(env, built, node_name="RCSC", audience="CERT.LV",
                                    lang="en"))

    yield "dashboard aggregates (16 weeks)", lambda uow: ag.compute(uow, me, filters, MINIMUM)
    yield "trend tests (4 vs 12 weeks)", lambda uow: trends.trends(
        uow, me, params.week_start(NOW), MINIMUM)
    yield "dashboard whole (aggregates, overdue, tests, 4 SVG charts)", dashboard
    yield "dashboard whole, the same charts drawn before (cached)", lambda uow: dashboard(
        uow, fresh=False)
    yield "situation report, built", lambda uow: sitrep.build(uow, me, week, MINIMUM)
    yield "situation report, built + HTML + PDF", report


def run(name: str, args: argparse.Namespace) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    with backend(name, args.pg_url) as db:
        world = make_world(db)
        seconds = load(db, world, args.incidents)
        if db.dialect == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE")
        rows.append((f"bulk load {args.incidents:,} incidents", name, f"{seconds:.1f} s",
                     f"{args.incidents / seconds:,.0f}/s", "", ""))
        for label, fn in operations(world):
            median, worst = timed(db, fn, args.runs)
            rows.append((f"{label} @ {args.incidents:,}", name, f"{median:.0f}",
                         f"{worst:.0f}", str(args.runs), PEER))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per operation")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    rows = [row for name in args.backends.split(",") for row in run(name.strip(), args)]
    print(table(rows))


def table(rows: list[tuple[str, ...]]) -> str:
    head = ("operation", "backend", "median ms", "max ms", "runs", "peer figure")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    out = [" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
           " | ".join("-" * w for w in widths)]
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


if __name__ == "__main__":
    main()
