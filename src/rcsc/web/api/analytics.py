"""Analytics exports: every aggregate as JSON or CSV, the trend tests, and the situation
report (JSON, HTML or PDF). All over what the caller may see, small cells suppressed
(a suppressed count is `null` in JSON and empty in CSV, with `suppressed` true)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from rcsc.analytics import aggregates as ag
from rcsc.analytics import params, sitrep, trends
from rcsc.storage.repos.analytics import DIMENSIONS
from rcsc.web.deps import ApiUser, Uow, app_state
from rcsc.web.i18n import activate, current_locale
from rcsc.web.pages.dashboard import audience_name, ceiling_of, sitrep_document
from rcsc.web.pdf import html_to_pdf

router = APIRouter(prefix="/analytics", tags=["analytics"])
Format = Literal["json", "csv"]
NO_STORE = {"Cache-Control": "no-store"}


def analytics_filters(
    uow: Uow,
    date_from: Annotated[str | None, Query(alias="from", max_length=20,
                                           description="first day (UTC), e.g. 2026-08-03; "
                                                       "default: 16 weeks ago")] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=20,
                                         description="last day, inclusive; default: today")
                       ] = None,
    country: Annotated[list[str] | None, Query(
        description="ISO 3166-1 alpha-2; repeatable")] = None,
    sector: Annotated[list[str] | None, Query(description="NIS2 sector; repeatable")] = None,
    exercise: Annotated[Literal["false", "true", "all"], Query(
        description="exercise incidents: never counted unless asked for")] = "false",
) -> ag.Filters:
    return params.parse(uow.clock.now(), date_from=date_from, date_to=date_to,
                        countries=country or [], sectors=sector or [], exercise=exercise)


Filters = Annotated[ag.Filters, Depends(analytics_filters)]


def _source(request: Request, uow: Uow, actor: ApiUser, filters: Filters) -> ag.Source:
    return ag.source(uow, actor, filters, app_state(request).settings.analytics_min_cell)


Source = Annotated[ag.Source, Depends(_source)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value) if value and not isinstance(
            value[0], dict) else value
    return value


def _answer(name: str, src: ag.Filters | ag.Source, columns: Sequence[str],
            rows: Iterable[dict[str, Any]], fmt: str, **extra: Any) -> Response:
    listed = list(rows)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in listed:
            writer.writerow({k: "" if row.get(k) is None else _plain(row.get(k))
                             for k in columns})
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
            **NO_STORE, "Content-Disposition": f'attachment; filename="rcsc-{name}.csv"'})
    filters = src if isinstance(src, ag.Filters) else src.filters
    if isinstance(src, ag.Source):
        extra["minimum_cell"] = src.minimum
    body = {"filters": params.as_params(filters), **extra, "rows": listed}
    return JSONResponse(body, headers=NO_STORE)


def _cell(row: dict[str, Any], key: str = "count") -> dict[str, Any]:
    row["suppressed"] = row[key] is None
    return row


@router.get("/counts")
def counts(src: Source, grain: Literal["week", "month"] = "week",
           dimension: Literal["all", "country", "sector", "rsit_class", "severity",
                              "status"] = "all", format: Format = "json",  # noqa: A002
           ) -> Response:
    """Incidents per week or month and value of a dimension (`all`: the totals)."""
    tables = ag.counts(src)[grain]
    table = tables[dimension]
    rows = [_cell({"bucket": b, "key": k, "count": table.cells[(b, k)]})
            for b in table.buckets for k in table.keys]
    return _answer(f"counts-{grain}-{dimension}", src, ["bucket", "key", "count",
                                                       "suppressed"], rows, format,
                   grain=grain, dimension=dimension, total=table.total,
                   dimensions=["all", *DIMENSIONS])


@router.get("/heatmap")
def heatmap(src: Source, format: Format = "json") -> Response:  # noqa: A002
    """Incidents per country and sector."""
    heat = ag.heatmap(src)
    rows = [_cell({"country": c, "sector": s, "count": n}) for (c, s), n in heat.cells.items()]
    return _answer("heatmap", src, ["country", "sector", "count", "suppressed"], rows, format)


@router.get("/durations")
def durations(src: Source, format: Format = "json") -> Response:  # noqa: A002
    """Hours to contain and to close: count, median and 90th percentile by severity."""
    rows = [_cell({"measure": m, **asdict(d)}) for m, found in ag.durations(src).items()
            for d in found]
    return _answer("durations", src, ["measure", "severity", "count", "median_hours",
                                      "p90_hours", "suppressed"], rows, format)


@router.get("/nis2")
def nis2(src: Source, format: Format = "json") -> Response:  # noqa: A002
    """NIS2 Art. 23(4) reports by milestone: on time, late, overdue, not due yet."""
    rows = [_cell({"milestone": m, "state": s, "count": n})
            for m, states in ag.nis2(src).items() for s, n in states.items()]
    return _answer("nis2", src, ["milestone", "state", "count", "suppressed"], rows, format)


@router.get("/indicators")
def indicators(src: Source, format: Format = "json",  # noqa: A002
               limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Response:
    """The values carried by most items (each at least the minimum cell and two)."""
    rows = [{"kind": v.kind, "value": v.value, "items": v.items,
             "countries": list(v.countries), "tlp": v.tlp.value}
            for v in ag.shared(src, limit)]
    return _answer("indicators", src, ["kind", "value", "items", "countries", "tlp"], rows,
                   format)


@router.get("/trends")
def trend_tests(request: Request, uow: Uow, actor: ApiUser, filters: Filters,
                format: Format = "json") -> Response:  # noqa: A002
    """Each country, sector and RSIT class: the 4 weeks up to the end of the period (at
    most today, from its Monday) against the 12 before; Benjamini-Hochberg adjusted."""
    minimum = app_state(request).settings.analytics_min_cell
    as_of = params.week_start(min(filters.end, uow.clock.now()))
    report = trends.trends(uow, actor, as_of, minimum, countries=filters.countries,
                           sectors=filters.sectors)
    rows = [{"dimension": t.dimension, "key": t.key, "recent": t.recent,
             "baseline": t.baseline, "rate_ratio": t.test.rate_ratio,
             "ci_low": t.test.ci_low, "ci_high": t.test.ci_high, "p_value": t.test.p_value,
             "q_value": t.q_value, "increase": t.increase} for t in report.trends]
    return _answer("trends", filters, list(rows[0]) if rows else ["dimension", "key"], rows,
                   format, minimum_cell=minimum, as_of=as_of.isoformat(),
                   untested=[{"dimension": d, "key": k} for d, k in report.untested])


@router.get("/sitrep", responses={200: {"content": {
    "application/json": {}, "text/html": {}, "application/pdf": {}}}})
def situation_report(
    request: Request, uow: Uow, actor: ApiUser,
    week: Annotated[str | None, Query(max_length=10, description="ISO week, e.g. 2026-W48; "
                                      "default: last week")] = None,
    tlp: Annotated[str | None, Query(max_length=20, description="the highest level the "
                                     "report may name (default amber)")] = None,
    format: Literal["json", "html", "pdf"] = "json",  # noqa: A002
) -> Response:
    """The weekly situation report for the caller's organisation (docs/analytics.md)."""
    state = app_state(request)
    report = sitrep.build(uow, actor, week or sitrep.last_full_week(uow.clock.now()),
                          state.settings.analytics_min_cell, ceiling=ceiling_of(tlp or ""))
    if format == "json":
        return JSONResponse(_sitrep_json(report), headers=NO_STORE)
    activate(state.catalogues, actor.locale, actor.timezone)
    html = sitrep_document(state.templates, report, node_name=state.settings.node_name,
                           audience=audience_name(uow, actor), lang=current_locale())
    if format == "html":
        return HTMLResponse(html, headers=NO_STORE)
    return Response(html_to_pdf(html), media_type="application/pdf", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="rcsc-sitrep-{report.week}.pdf"'})


def _sitrep_json(r: sitrep.Sitrep) -> dict[str, Any]:
    return {
        "week": r.week, "start": r.start.isoformat(), "end": r.end.isoformat(),
        "tlp": r.tlp.value, "ceiling": r.ceiling.value, "minimum_cell": r.span.minimum,
        "audience_org_id": str(r.audience_org_id), "generated_at": r.generated_at.isoformat(),
        "headlines": [asdict(h) for h in r.headlines],
        "countries": [asdict(h) for h in r.countries],
        "increases": [{"dimension": t.dimension, "key": t.key, "recent": t.recent,
                       "baseline": t.baseline, "rate_ratio": t.test.rate_ratio,
                       "q_value": t.q_value} for t in r.trends.trends if t.increase],
        "notable": [{"id": str(n.incident_id), "title": n.title, "tlp": n.tlp.value,
                     "severity": n.severity, "rsit_class": n.rsit_class,
                     "countries": list(n.countries)} for n in r.notable],
        "clusters": [{"value": c.value, "kind": c.kind, "countries": list(c.countries),
                      "items": c.items, "tlp": c.tlp.value} for c in r.clusters],
        "nis2": r.span.nis2,
        "exercises": None if r.exercises is None else [
            {"name": e.name, "type": e.type, "starts_on": e.starts_on.isoformat(),
             "ends_on": e.ends_on.isoformat(), "tlp": e.tlp.value} for e in r.exercises],
    }
