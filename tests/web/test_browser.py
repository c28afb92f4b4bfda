"""A real `rcsc serve` process on loopback, driven by Debian's Chromium through Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Without it the
test is skipped, or fails under CI=true.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.processes import TEST_CACHE

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCREENSHOT = Path("/tmp/rcsc-users.png")  # noqa: S108 - a fixed place to look at it
STEP_MS = 15_000  # Playwright's wait for one page step; generous for a slow CI machine


@dataclass
class Node:
    base_url: str
    email: str
    password: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _node_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RCSC_")}
    env.update(RCSC_DATA_DIR=str(data_dir),
               RCSC_DATABASE_URL=f"sqlite:///{data_dir / 'rcsc.sqlite3'}",
               RCSC_LOG_LEVEL="WARNING", PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1",
               RCSC_CACHE_DIR=str(TEST_CACHE),
               RCSC_ALERTS_POLL_SECONDS="1")  # the live inbox test need not wait 10 s
    return env


def _init(env: dict[str, str], cwd: Path) -> tuple[str, str]:
    """Run `rcsc init` and read the first admin's login from what it prints."""
    done = subprocess.run([sys.executable, "-m", "rcsc", "init"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=True)
    email = re.search(r"^Email:\s+(\S+)$", done.stdout, re.MULTILINE)
    password = re.search(r"^Password:\s+(\S+)$", done.stdout, re.MULTILINE)
    assert email and password, done.stdout
    return email.group(1), password.group(1)


def _wait_until_healthy(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    for _attempt in range(300):
        if server.poll() is not None:
            pytest.fail(f"rcsc serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(base_url + "/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"rcsc serve did not answer /healthz:\n{log.read_text()}")


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is required under CI=true (make chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (make chromium)")
    return CHROMIUM


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Node]:
    """A fresh node: `rcsc init` on a temporary SQLite file, then `rcsc serve`."""
    monkeypatch.setenv("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    data_dir = tmp_path / "data"
    env = _node_env(data_dir)
    email, password = _init(env, tmp_path)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "rcsc", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(base_url, server, log)
        yield Node(base_url, email, password, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def test_admin_logs_in_creates_a_user_and_logs_out(chromium: Path, node: Node) -> None:
    from playwright.sync_api import expect, sync_playwright

    csp_reports: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(STEP_MS)
            page.on("console", lambda msg: csp_reports.append(msg.text)
                    if "Content Security Policy" in msg.text else None)

            page.goto(node.base_url + "/")
            expect(page).to_have_url(re.compile(r"/login\?next=/$"))
            expect(page.get_by_role("heading", name="Log in")).to_be_visible()
            page.get_by_label("E-mail").fill(node.email)
            page.get_by_label("Password").fill(node.password)
            page.get_by_role("button", name="Log in").click()

            expect(page).to_have_url(node.base_url + "/")
            nav = page.get_by_role("navigation", name="Main")
            for label in ("Home", "API tokens", "Organisations", "Users", "Communities",
                          "All tokens", "Audit log"):
                expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
            red = page.locator(".tlp-legend .tlp-red")
            expect(red).to_have_text("TLP:RED")
            expect(red).to_have_css("color", "rgb(255, 43, 43)")  # FIRST red, from rcsc.css
            expect(red).to_have_css("background-color", "rgb(0, 0, 0)")

            nav.get_by_role("link", name="Users", exact=True).click()
            expect(page).to_have_url(node.base_url + "/admin/users")
            form = page.locator("form#new-user")
            form.get_by_label("E-mail").fill("maryte@cert-lt.example")
            form.get_by_label("Name").fill("Marytė Analitikė")
            form.get_by_label("analyst").check()
            form.get_by_label("Password (at least 12 characters").fill("a long enough password")
            form.get_by_role("button", name="Create user").click()

            expect(page).to_have_url(node.base_url + "/admin/users")
            row = page.locator("table#users tr", has_text="maryte@cert-lt.example")
            expect(row).to_contain_text("Marytė Analitikė")
            expect(row).to_contain_text("analyst")
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            page.get_by_role("button", name="Log out").click()
            expect(page).to_have_url(node.base_url + "/login")
            expect(page.get_by_role("heading", name="Log in")).to_be_visible()
            page.goto(node.base_url + "/admin/users")  # the session is gone
            expect(page).to_have_url(re.compile(r"/login\?next=/admin/users$"))
        finally:
            browser.close()
    assert csp_reports == []
