"""The dashboard and the weekly situation report over the demo world, on SQLite and
PostgreSQL: charts are server-rendered SVG (no script), the report for the demo week
renders as a page and as a PDF whose first page is not blank, with its TLP in header and
footer."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2
import pytest
from fastapi.testclient import TestClient

from tests.analytics.demo_support import DEMO_WEEK, Demo
from tests.web.page_support import assert_html, logged_in

PAGE_PNG = Path("/tmp/rcsc-sitrep-page1.png")  # noqa: S108 - a fixed place to look at it
PDF_COPY = Path("/tmp/rcsc-sitrep.pdf")  # noqa: S108 - the whole report, to look at
COORDINATOR = "coordinator@rcsc.example"


@pytest.fixture
def db_url(demo_db_url: str) -> str:
    """Every test here starts from a copy of the demo world (tests/analytics/demo_support)."""
    return demo_db_url


def test_dashboard_shows_server_rendered_charts_and_tested_increases(
        client: TestClient, demo_world: Demo) -> None:
    logged_in(client, COORDINATOR, demo_world.logins[COORDINATOR])
    html = assert_html(client.get("/dashboard"), 200)
    for chart in ("country", "rsit_class", "heatmap", "nis2"):
        figure = re.search(rf'<figure class="chart" id="chart-{chart}">\s*<svg', html)
        assert figure, chart
    assert "<script" not in html
    assert html.count("<svg") == 4
    trends = html[html.index('id="trends"'):html.index("</table>", html.index('id="trends"'))]
    assert 'class="increase"' in trends  # the demo's rise of the last three months
    assert 'id="overdue"' in html and 'id="clusters"' in html
    assert '<form method="get" action="/reports/sitrep"' in html  # any week, level, format
    assert "<td>&lt;3</td>" in html or "&lt;3" in html  # a small cell, suppressed


def test_dashboard_filters_narrow_the_counts_and_bad_ones_are_named(
        client: TestClient, demo_world: Demo) -> None:
    logged_in(client, COORDINATOR, demo_world.logins[COORDINATOR])
    everything = assert_html(client.get("/dashboard?from=2026-09-01&to=2026-11-29"), 200)
    one = assert_html(client.get("/dashboard?from=2026-09-01&to=2026-11-29&country=UA"), 200)
    total = re.compile(r"Incidents you may see in this period: (\d+)")
    assert int(total.search(one).group(1)) < int(total.search(everything).group(1))  # type: ignore[union-attr]
    bad = assert_html(client.get("/dashboard?from=2026-13-01&country=XX"), 422)
    assert "is not a date" in bad and "XX" in bad


def _not_blank(pdf: bytes) -> float:
    """The share of the first page's pixels that are not white (saved for a human look)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1.5).to_pil()
    finally:
        document.close()
    image.save(PAGE_PNG)
    PDF_COPY.write_bytes(pdf)
    grey = image.convert("L")
    return sum(grey.histogram()[:200]) / (grey.width * grey.height)


def test_the_sitrep_for_the_demo_week_renders_as_a_page_and_as_a_pdf(
        client: TestClient, demo_world: Demo) -> None:
    logged_in(client, COORDINATOR, demo_world.logins[COORDINATOR])
    page = client.get(f"/reports/sitrep?week={DEMO_WEEK}")
    html = assert_html(page, 200)
    level = re.search(r'<div class="marking"><span class="tlp">(TLP:[A-Z+]+)</span>', html)
    assert level, "no TLP in the header"
    footer = f'<div class="marking bottom"><span class="tlp">{level.group(1)}</span>'
    assert footer in html
    assert f'<div class="run-top"><span class="tlp">{level.group(1)}</span>' in html
    assert "Weekly situation report" in html and DEMO_WEEK in html
    assert "style-src 'self' 'sha256-" in page.headers["content-security-policy"]
    pdf = client.get(f"/reports/sitrep?week={DEMO_WEEK}&format=pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    document = pypdfium2.PdfDocument(io.BytesIO(pdf.content))
    try:
        text = document[0].get_textpage().get_text_range()
        pages = len(document)
    finally:
        document.close()
    assert level.group(1) in text and DEMO_WEEK in text
    assert pages >= 2
    assert _not_blank(pdf.content) > 0.02


def test_a_report_at_green_names_nothing_above_green(
        client: TestClient, demo_world: Demo) -> None:
    logged_in(client, COORDINATOR, demo_world.logins[COORDINATOR])
    html = assert_html(client.get(f"/reports/sitrep?week={DEMO_WEEK}&tlp=green"), 200)
    assert "TLP:AMBER" not in html and "TLP:RED" not in html
    assert '<span class="tlp">TLP:GREEN</span>' in html
