"""Drawn charts are kept by their whole spec: the same spec is not drawn again, and a spec
whose numbers differ is drawn afresh (never a stale picture)."""

from __future__ import annotations

from typing import Any

from rcsc.analytics import charts


def _spec(n: int) -> dict[str, Any]:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"values": [{"week": "2026-W48", "n": n}]}, "mark": "bar",
            "encoding": {"x": {"field": "week", "type": "ordinal"},
                         "y": {"field": "n", "type": "quantitative",
                               "scale": {"domain": [0, 10]}}}}


def test_the_same_spec_is_drawn_once_and_another_afresh() -> None:
    charts.clear_cache()
    first = charts.to_svg(_spec(3))
    again = charts.to_svg({**_spec(3)})  # an equal spec, another dict
    assert again is first  # kept, not drawn again
    other = charts.to_svg(_spec(7))
    assert other != first and "<svg" in other
    assert charts.to_svg(_spec(3)) is first
    charts.clear_cache()
    assert charts.to_svg(_spec(3)) is not first
    assert charts.to_svg(_spec(3)) == first  # the same picture when drawn afresh
