"""`rcsc report sitrep` writes the demo week's report as PDF and HTML, marked with its TLP,
and refuses a malformed week by name without writing anything."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pypdfium2
import pytest

from tests.analytics.demo_support import DEMO_WEEK, Demo
from tests.processes import RCSC, child_env


def _run(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = child_env(data_dir=str(tmp_path / "data"), database_url=url)
    return subprocess.run([*RCSC, "report", "sitrep", "--as", "coordinator@rcsc.example",
                           *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("demo_db_url", ["sqlite"], indirect=True)
def test_the_demo_weeks_report_is_written_as_pdf_and_html(
        tmp_path: Path, demo_db_url: str, demo_world: Demo) -> None:
    db_url = demo_db_url
    done = _run(tmp_path, db_url, "--week", DEMO_WEEK)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / f"rcsc-sitrep-{DEMO_WEEK}.pdf"
    assert f"situation report {DEMO_WEEK} written to" in done.stdout
    label = done.stdout.split()[0]
    assert label.startswith("TLP:")
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert label in text and "Weekly situation report" in text
    page = tmp_path / "week.html"
    done = _run(tmp_path, db_url, "--week", DEMO_WEEK, "--format", "html", "-o", str(page),
                "--tlp", "green")
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    assert html.count('<span class="tlp">TLP:GREEN</span>') >= 3  # header, footer, title
    assert "TLP:AMBER" not in html
    refused = _run(tmp_path, db_url, "--week", "2026-48")
    assert refused.returncode == 2 and "is not an ISO week" in refused.stderr
    assert "Traceback" not in refused.stderr
