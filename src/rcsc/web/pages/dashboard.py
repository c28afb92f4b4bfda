"""The situation dashboard and the weekly situation report (page and PDF).

Everything shown is computed over what the viewer may see, counts suppressed below the
node's minimum cell (RCSC_ANALYTICS_MIN_CELL). Charts are Vega-Lite rendered to SVG on
the server, so the page reads without JavaScript. The report is one standalone document
(its own print stylesheet) that the page shows and WeasyPrint prints: the CLI, the page
and the API render it through `sitrep_document` here.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from rcsc.analytics import aggregates as ag
from rcsc.analytics import charts, params, sitrep, trends
from rcsc.core.alerts import Cluster
from rcsc.core.identity import Principal
from rcsc.core.incidents import Deadline, Incident
from rcsc.core.taxonomy import NIS2_SECTORS, SECTORS_BY_KEY
from rcsc.core.tlp import Tlp, parse_tlp
from rcsc.errors import PermissionDenied, ValidationFailed
from rcsc.incidents import service
from rcsc.intel.clusters import recent_clusters
from rcsc.storage import UnitOfWork
from rcsc.web.deps import PageUser, Uow, app_state
from rcsc.web.i18n import N_, activate, current_locale, gettext
from rcsc.web.pages.incident_views import MILESTONE_LABELS, SEVERITY_LABELS
from rcsc.web.pages.render import SECURITY_HEADERS, render
from rcsc.web.pdf import html_to_pdf

router = APIRouter()
CLUSTER_DAYS = 28
OVERDUE_SHOWN = 20
STATE_NAMES = {"on-time": N_("on time"), "late": N_("late"), "overdue": N_("overdue"),
               "pending": N_("not due yet")}
MEASURE_NAMES = {"contain": N_("to contain"), "close": N_("to close")}
DIMENSION_NAMES = {"country": N_("Country"), "sector": N_("Sector"),
                   "rsit_class": N_("RSIT class")}
HEADLINE_NAMES = {"incidents": N_("Incidents reported"),
                  "significant": N_("High and critical incidents")}
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def labels() -> charts.Labels:
    """The charts' words in the reader's language."""
    return charts.Labels(
        week=gettext("Week"), incidents=gettext("Incidents"), country=gettext("Country"),
        rsit_class=gettext("RSIT class"), sector=gettext("Sector"), report=gettext("Report"),
        state=gettext("State"), states=tuple(gettext(STATE_NAMES[s]) for s in ag.NIS2_STATES))


def milestone_names() -> dict[str, str]:
    return {m.value: label for m, label in MILESTONE_LABELS.items()}


def dashboard_svgs(agg: ag.Aggregates) -> dict[str, str]:
    words = labels()
    names = {k: gettext(v) for k, v in milestone_names().items()}
    week = agg.tables["week"]
    return {
        "country": charts.to_svg(charts.over_time(
            week["country"], words, words.country,
            gettext("Incidents per week by country"))),
        "rsit_class": charts.to_svg(charts.by_class(
            week["rsit_class"], words, gettext("Incidents per week by RSIT class"))),
        "heatmap": charts.to_svg(charts.heatmap(
            agg, words, gettext("Incidents by country and sector"))),
        "nis2": charts.to_svg(charts.nis2(
            agg, words, names, gettext("NIS2 reports on time, late and overdue"))),
    }


def _overdue(uow: UnitOfWork, actor: Principal,
             src: ag.Source) -> tuple[list[tuple[Incident, Deadline]], int]:
    """The 20 longest overdue NIS2 reports of the period's incidents (read, and audited
    when AMBER+STRICT or RED, as the NIS2 page does), and how many are overdue in all."""
    found = ag.overdue(src)
    shown = []
    for incident_id, deadline in found[:OVERDUE_SHOWN]:
        incident = uow.incidents.get(incident_id, service.viewer_for(uow, actor))
        if incident is not None:
            shown.append((incident, deadline))
    service.note_shown(uow, actor, (i for i, _d in shown), "incident.deadlines")
    return shown, len(found)


def _clusters(uow: UnitOfWork, actor: Principal) -> list[Cluster]:
    try:
        return recent_clusters(uow, actor, window_days=CLUSTER_DAYS, limit=20)
    except PermissionDenied:
        return []


def _values(date_from: str, date_to: str, country: str, sector: list[str],
            filters: ag.Filters | None) -> dict[str, Any]:
    if filters is not None:
        shown = params.as_params(filters)
        return {"from": shown["from"], "to": shown["to"],
                "country": ", ".join(sorted(filters.countries)),
                "sectors": sorted(filters.sectors)}
    return {"from": date_from, "to": date_to, "country": country, "sectors": sector}


@router.get("/dashboard")
def dashboard(
    request: Request, uow: Uow, actor: PageUser,
    date_from: Annotated[str, Query(alias="from", max_length=20)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=20)] = "",
    country: Annotated[str, Query(max_length=200)] = "",
    sector: Annotated[list[str] | None, Query()] = None,
) -> Response:
    now = uow.clock.now()
    sectors = sector or []
    context: dict[str, Any] = dict(
        agg=None, errors={}, sectors=[(s.key, s.name) for s in NIS2_SECTORS],
        report_week=sitrep.last_full_week(now))
    try:
        filters = params.parse(now, date_from=date_from, date_to=date_to,
                               countries=re.split(r"[\s,]+", country), sectors=sectors)
    except ValidationFailed as exc:
        for e in exc.errors:
            context["errors"].setdefault(e.field.split(".")[0], []).append(e.message)
        context["values"] = _values(date_from, date_to, country, sectors, None)
        return render(request, "analytics/dashboard.html", status_code=422, **context)
    minimum = app_state(request).settings.analytics_min_cell
    monday = params.week_start(min(filters.end, now))
    # one read of the daily counts serves the aggregates and the tests' sixteen weeks
    src = ag.source(uow, actor, filters, minimum, reach=trends.windows(monday)[0])
    agg = ag.aggregate(src)
    overdue, overdue_total = _overdue(uow, actor, src)
    context.update(
        agg=agg, values=_values(date_from, date_to, country, sectors, filters),
        overdue=overdue, overdue_total=overdue_total,
        svgs=dashboard_svgs(agg),
        trend_report=trends.trends(uow, actor, monday, minimum, countries=filters.countries,
                                   sectors=filters.sectors, days=src.days),
        clusters=_clusters(uow, actor),
        cluster_days=CLUSTER_DAYS, nis2_states=ag.NIS2_STATES, state_names=STATE_NAMES,
        milestone_names=milestone_names(), measure_names=MEASURE_NAMES,
        dimension_names={k: gettext(v) for k, v in DIMENSION_NAMES.items()})
    return render(request, "analytics/dashboard.html", **context)


# --- the situation report ----------------------------------------------------------------

def sitrep_document(env: Environment, report: sitrep.Sitrep, *, node_name: str,
                    audience: str, lang: str) -> str:
    """The report as one HTML document (the viewer's language must be active)."""
    words = labels()
    span = report.span.tables["week"]
    svgs = {
        "weeks": charts.to_svg(charts.over_time(
            span["country"], words, words.country,
            gettext("Incidents per week by country"))),
        "classes": charts.to_svg(charts.by_class(
            span["rsit_class"], words, gettext("Incidents per week by RSIT class"))),
    }
    return env.get_template("analytics/sitrep.html").render(
        r=report, svgs=svgs, node_name=node_name, audience=audience, lang=lang,
        last_day=(report.end - timedelta(days=1)).date(),
        headline_names=HEADLINE_NAMES, milestone_names=milestone_names(),
        state_names=STATE_NAMES, nis2_states=ag.NIS2_STATES,
        severity_names={s.value: label for s, label in SEVERITY_LABELS.items()},
        dimension_names={k: gettext(v) for k, v in DIMENSION_NAMES.items()},
        sector_names={k: s.name for k, s in SECTORS_BY_KEY.items()})


def _style_hash(html: str) -> str:
    found = _STYLE.search(html)
    digest = hashlib.sha256((found.group(1) if found else "").encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def ceiling_of(text: str) -> Tlp:
    level = parse_tlp(text) if text else Tlp.AMBER
    if level is None:
        raise ValidationFailed.field("tlp", f"{text!r} is not a TLP level")
    return level


def audience_name(uow: UnitOfWork, actor: Principal) -> str:
    org = uow.orgs.get(actor.org_id) if actor.org_id else None
    return org.name if org else ""


@router.get("/reports/sitrep")
def sitrep_page(
    request: Request, uow: Uow, actor: PageUser,
    week: Annotated[str, Query(max_length=10)] = "",
    tlp: Annotated[str, Query(max_length=20)] = "",
    format: Annotated[str, Query(pattern="^(html|pdf)$")] = "html",  # noqa: A002
) -> Response:
    """The report for the viewer's organisation, as a page or a PDF."""
    state = app_state(request)
    activate(state.catalogues, actor.locale, actor.timezone)
    report = sitrep.build(uow, actor, week or sitrep.last_full_week(uow.clock.now()),
                          state.settings.analytics_min_cell, ceiling=ceiling_of(tlp))
    html = sitrep_document(state.templates, report, node_name=state.settings.node_name,
                           audience=audience_name(uow, actor), lang=current_locale())
    name = f"rcsc-sitrep-{report.week}"
    if format == "pdf":
        return Response(html_to_pdf(html), media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{name}.pdf"',
            "Cache-Control": "no-store"})
    headers = dict(SECURITY_HEADERS)
    headers["Content-Security-Policy"] += f"; style-src 'self' {_style_hash(html)}"
    return HTMLResponse(html, headers=headers)
