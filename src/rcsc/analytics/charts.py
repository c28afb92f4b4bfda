"""Charts as Vega-Lite (built with altair) rendered to SVG on the server by vl-convert: the
page and the PDF show the same picture, and neither needs JavaScript.

A suppressed count is left out of a chart (a gap), never drawn as zero; every chart comes
with its numbers in a table beside it (see the templates), which is also what a screen
reader reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rcsc.analytics.aggregates import NIS2_STATES, Aggregates, Table

if TYPE_CHECKING:
    from types import ModuleType

WIDTH = 620
HEIGHT = 220
NIS2_COLOURS = ("#2e7d32", "#f9a825", "#c62828", "#90a4ae")  # on time, late, overdue, pending
FONT = "DejaVu Sans, Arial, sans-serif"
CACHED_CHARTS = 32  # SVGs of 10-100 kB each


def _altair() -> ModuleType:
    """altair, imported on the first chart, not when the server starts: it imports
    jsonschema, whose format checkers (with rfc3987-syntax installed, as stix2-validator's
    extra does in the development environment) compile dozens of grammars, seconds."""
    import altair

    return altair


@dataclass(frozen=True)
class Labels:
    """Axis and legend words, in the reader's language (the web layer translates them)."""

    week: str = "Week"
    incidents: str = "Incidents"
    country: str = "Country"
    rsit_class: str = "RSIT class"
    sector: str = "Sector"
    report: str = "Report"
    state: str = "State"
    states: tuple[str, ...] = ("on time", "late", "overdue", "not due yet")


def _data(rows: list[dict[str, Any]]) -> Any:
    alt = _altair()
    return alt.InlineData(values=rows)


def _config(chart: Any, description: str) -> dict[str, Any]:
    spec: dict[str, Any] = chart.properties(width=WIDTH, height=HEIGHT,
                                            description=description).configure(
        font=FONT, background="white").configure_view(stroke=None).to_dict()
    return spec


def _series_rows(table: Table, top: int, zeros: bool = True) -> list[dict[str, Any]]:
    ranked = sorted(table.keys, key=lambda k: -(table.key_totals.get(k) or 0))[:top]
    return [{"week": b, "key": k, "n": n} for b in table.buckets for k in ranked
            if (n := table.cells[(b, k)]) is not None and (zeros or n > 0)]


def over_time(table: Table, labels: Labels, legend: str, description: str,
              top: int = 8) -> dict[str, Any]:
    """Weekly counts, one line per value (the `top` values with most incidents)."""
    alt = _altair()
    rows = _series_rows(table, top)
    chart = alt.Chart(_data(rows)).mark_line(point=True).encode(
        x=alt.X("week:O", title=labels.week, sort=list(table.buckets),
                axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("n:Q", title=labels.incidents),
        color=alt.Color("key:N", title=legend, scale=alt.Scale(scheme="tableau10")))
    return _config(chart, description)


def by_class(table: Table, labels: Labels, description: str) -> dict[str, Any]:
    """Weekly counts stacked by RSIT class."""
    alt = _altair()
    rows = _series_rows(table, len(table.keys), zeros=False)
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        x=alt.X("week:O", title=labels.week, sort=list(table.buckets),
                axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("sum(n):Q", title=labels.incidents),
        color=alt.Color("key:N", title=labels.rsit_class, scale=alt.Scale(scheme="tableau10")))
    return _config(chart, description)


def heatmap(agg: Aggregates, labels: Labels, description: str) -> dict[str, Any]:
    """Country × sector; a suppressed cell is blank."""
    alt = _altair()
    heat = agg.heatmap
    rows = [{"country": c, "sector": s, "n": n} for (c, s), n in heat.cells.items()
            if n is not None and n > 0]
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("sector:N", title=labels.sector, sort=list(heat.sectors),
                axis=alt.Axis(labelAngle=-40, labelLimit=160)),
        y=alt.Y("country:N", title=labels.country, sort=list(heat.countries)))
    cells = base.mark_rect().encode(color=alt.Color("n:Q", title=labels.incidents,
                                                    scale=alt.Scale(scheme="oranges")))
    text = base.mark_text(fontSize=10).encode(text="n:Q")
    return _config(alt.layer(cells, text), description)


def nis2(agg: Aggregates, labels: Labels, milestone_names: Mapping[str, str],
         description: str) -> dict[str, Any]:
    """Each milestone's reports by state, stacked horizontally."""
    alt = _altair()
    names = dict(zip(NIS2_STATES, labels.states, strict=True))
    rows = [{"report": milestone_names.get(m, m), "state": names[s], "n": states[s],
             "order": NIS2_STATES.index(s)}
            for m, states in agg.nis2.items() for s in NIS2_STATES if states[s]]
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("report:N", title=labels.report,
                sort=[milestone_names.get(m, m) for m in agg.nis2]),
        x=alt.X("n:Q", title=labels.incidents, stack="normalize",
                axis=alt.Axis(format="%")),
        color=alt.Color("state:N", title=labels.state,
                        scale=alt.Scale(domain=list(labels.states),
                                        range=list(NIS2_COLOURS))),
        order=alt.Order("order:Q"))
    spec = _config(chart, description)
    spec["height"] = 120
    return spec


def to_svg(spec: dict[str, Any]) -> str:
    """The chart as an SVG document (no scripts, no styles: safe inline in a page).

    vl-convert takes 50-150 ms a chart (docs/analytics.md), most of a dashboard's time;
    the same spec (its data included) always gives the same picture, so the last few are
    kept: a dashboard reloaded, or opened by several analysts of the same view while no
    incident changed, draws nothing again. The key is the whole spec, so a chart whose
    numbers or words differ is drawn afresh."""
    return _render(json.dumps(spec, sort_keys=True, separators=(",", ":")))


@lru_cache(maxsize=CACHED_CHARTS)
def _render(spec: str) -> str:
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(json.loads(spec))
    return svg


def clear_cache() -> None:
    """Forget the drawn charts (the benchmark times drawing afresh with it)."""
    _render.cache_clear()
