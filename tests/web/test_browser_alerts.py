"""The alerts inbox's live update in Debian's Chromium against a real `rcsc serve`: an
admin has /alerts open; a Ukrainian analyst files an incident sharing a value with one of
the admin's organisation; the serving process indexes it and raises the alert, and the open
page says new alerts have arrived (its script polls under the node's CSP) without a reload."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.web.test_browser import (  # noqa: F401 - fixtures used by name
    CHROMIUM_ARGS,
    STEP_MS,
    Node,
    chromium,
    node,
)
from tests.web.test_browser_incidents import _rcsc

pytestmark = pytest.mark.browser
VALUE = "live-c2.alerts.example"
PASSWORD = "Olena's long passphrase"


def _token(tmp_path: Path, email: str) -> str:
    out = _rcsc(tmp_path, "token", "create", "--user", email, "--scope", "read",
                "--scope", "write")
    return out.strip().splitlines()[-1]


def _file_with_value(base_url: str, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    made = httpx.post(f"{base_url}/api/v1/incidents", headers=auth, timeout=30, json={
        "title": "Shared C2", "rsit_class": "intrusions", "rsit_type": "system-compromise",
        "severity": "high", "tlp": "green"})
    assert made.status_code == 201, made.text
    added = httpx.post(f"{base_url}/api/v1/incidents/{made.json()['id']}/observables",
                       headers=auth, timeout=30, json={"type": "domain", "value": VALUE})
    assert added.status_code == 201, added.text


def test_the_open_inbox_learns_of_a_new_alert(chromium: Path, node: Node,  # noqa: F811
                                              tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    _rcsc(tmp_path, "org", "add", "CERT-UA", "--country", "UA", "--kind", "national-csirt")
    _rcsc(tmp_path, "user", "add", "olena@cert.gov.ua", "--org", "CERT-UA", "--role",
          "analyst", "--name", "Olena", "--password-stdin", stdin=PASSWORD + "\n")
    _file_with_value(node.base_url, _token(tmp_path, node.email))
    csp_reports: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(STEP_MS)
            page.on("console", lambda msg: csp_reports.append(msg.text)
                    if "Content Security Policy" in msg.text else None)
            page.goto(node.base_url + "/login")
            page.get_by_label("E-mail").fill(node.email)
            page.get_by_label("Password").fill(node.password)
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(node.base_url + "/")
            page.goto(node.base_url + "/alerts")
            expect(page.locator("#alerts-unread")).to_have_text("0")
            expect(page.locator("#alerts-live")).to_be_hidden()

            _file_with_value(node.base_url, _token(tmp_path, "olena@cert.gov.ua"))
            expect(page.locator("#alerts-live")).to_be_visible(timeout=40_000)
            expect(page.locator("#alerts-unread")).to_have_text("1")
            page.get_by_role("link", name="Show them").click()
            expect(page).to_have_url(re.compile(r"/alerts$"))
            expect(page.locator("table")).to_contain_text(VALUE)
            expect(page.locator("table")).to_contain_text("CERT-UA")
        finally:
            browser.close()
    assert csp_reports == []
