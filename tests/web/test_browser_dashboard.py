"""A real `rcsc serve` with the demo world, driven by Debian's Chromium: the coordinator
opens the dashboard and sees its charts (server-rendered SVG), then the situation report,
whose inline stylesheet the page's Content-Security-Policy allows (no CSP report)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.test_browser import (
    CHROMIUM_ARGS,
    STEP_MS,
    Node,
    _free_port,
    _init,
    _node_env,
    _wait_until_healthy,
    chromium,
)

pytestmark = pytest.mark.browser
SCREENSHOT = Path("/tmp/rcsc-dashboard.png")  # noqa: S108 - a fixed place to look at it
__all__ = ["chromium"]


@pytest.fixture
def demo_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Node]:
    """`rcsc init`, `rcsc demo` (its coordinator's login), `rcsc serve`."""
    monkeypatch.setenv("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    env = _node_env(tmp_path / "data")
    _init(env, tmp_path)
    loaded = subprocess.run([sys.executable, "-m", "rcsc", "demo"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, check=True)
    login = re.search(r"^coordinator@rcsc\.example\s+(\S+)", loaded.stdout, re.MULTILINE)
    assert login, loaded.stdout
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "rcsc", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_healthy(base_url, server, log)
        yield Node(base_url, "coordinator@rcsc.example", login.group(1), log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def test_the_coordinator_opens_the_dashboard_and_sees_the_charts(
        chromium: Path, demo_node: Node) -> None:
    from playwright.sync_api import expect, sync_playwright

    csp_reports: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900},
                                    java_script_enabled=False)
            page.set_default_timeout(STEP_MS * 4)
            page.on("console", lambda msg: csp_reports.append(msg.text)
                    if "Content Security Policy" in msg.text else None)
            page.goto(demo_node.base_url + "/login?next=/dashboard")
            page.get_by_label("E-mail").fill(demo_node.email)
            page.get_by_label("Password").fill(demo_node.password)
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(demo_node.base_url + "/dashboard")
            expect(page.get_by_role("heading", name="Situation dashboard")).to_be_visible()
            for chart in ("country", "rsit_class", "heatmap", "nis2"):
                svg = page.locator(f"#chart-{chart} svg")
                expect(svg).to_be_visible()
                box = svg.bounding_box()
                assert box is not None and box["width"] > 300 and box["height"] > 100, chart
            expect(page.locator("#chart-country svg path").first).to_be_attached()
            expect(page.get_by_role("heading", name="Tested increases")).to_be_visible()
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            page.get_by_role("link", name=re.compile(r"^Situation report ")).click()
            expect(page.get_by_role("heading", name="Weekly situation report")).to_be_visible()
            marking = page.locator(".marking .tlp").first
            expect(marking).to_have_text(re.compile(r"^TLP:"))
            expect(marking).to_have_css("background-color", "rgb(0, 0, 0)")  # its own style
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- serve.log ---\n"
                                 f"{demo_node.log.read_text()[-5000:]}") from None
        finally:
            browser.close()
    assert csp_reports == []
