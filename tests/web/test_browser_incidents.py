"""Issue 3 end to end in Debian's Chromium against a real `rcsc serve`: a Ukrainian analyst
files a TLP:AMBER incident for the Lithuanian CERT; the Lithuanian analyst sees and opens it;
a Polish analyst finds no trace of it, not even in the counts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.web.test_browser import (  # noqa: F401 - fixtures used by name
    CHROMIUM_ARGS,
    STEP_MS,
    Node,
    _node_env,
    chromium,
    node,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/rcsc-incident.png")  # noqa: S108 - a fixed place to look at it
TITLE = "Wiper on the Kyiv grid operator"
PASSWORDS = {"olena@cert.gov.ua": "Olena's long passphrase",
             "maryte@nksc.lt": "Marytė's long passphrase",
             "jan@cert.pl": "Jan's long passphrase"}
ORGS = (("CERT-UA", "UA"), ("NKSC CERT-LT", "LT"), ("CERT Polska", "PL"))
USERS = (("olena@cert.gov.ua", "CERT-UA", "Olena Kovalenko"),
         ("maryte@nksc.lt", "NKSC CERT-LT", "Marytė Jonaitė"),
         ("jan@cert.pl", "CERT Polska", "Jan Kowalski"))


def _rcsc(tmp_path: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "rcsc", *args], env=_node_env(tmp_path / "data"),
                          cwd=tmp_path, input=stdin, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _prepare(tmp_path: Path) -> None:
    """The three CERTs and one analyst each, through the CLI as an operator would."""
    for name, country in ORGS:
        _rcsc(tmp_path, "org", "add", name, "--country", country, "--kind", "national-csirt")
    for email, org, name in USERS:
        _rcsc(tmp_path, "user", "add", email, "--org", org, "--role", "analyst", "--name", name,
              "--password-stdin", stdin=PASSWORDS[email] + "\n")


def _log_in(page: Page, server: Node, email: str) -> None:
    from playwright.sync_api import expect

    page.goto(server.base_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORDS[email])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(server.base_url + "/")


def _log_out(page: Page, server: Node) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(server.base_url + "/login")


def _file_amber_incident(page: Page, server: Node) -> str:
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name="Report an incident").click()
    expect(page.get_by_role("heading", name="Report an incident")).to_be_visible()
    page.get_by_label("Title").fill(TITLE)
    page.keyboard.press("Tab")  # the form is worked from the keyboard, in reading order
    assert page.evaluate("document.activeElement.id") == "f-summary"
    expect(page.locator("#f-summary")).to_have_css("outline-style", "solid")
    page.keyboard.type("Disk wiper found on SCADA jump hosts; spreading over SMB.")
    page.get_by_label("RSIT class and type").select_option("malicious-code/infected-system")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("NIS2 sector").select_option("energy/electricity")
    amber = page.get_by_role("radio", name=re.compile(r"^TLP:AMBER the recipient"))
    amber.check()
    page.get_by_label("NKSC CERT-LT (LT)").check()
    page.get_by_label("Countries affected").fill("UA, XX")
    page.get_by_label("Became aware").fill("2026-11-23T10:00")
    page.get_by_label("ATT&CK techniques").fill("T1485, T1021.002")
    page.get_by_label("Malware").fill("AcidRain")
    page.get_by_role("button", name="File the incident").click()

    # refused: the message stands beside the field, and everything typed is still there
    expect(page.locator("#f-countries-error")).to_contain_text(
        "'XX' is not an ISO 3166-1 alpha-2 code")
    expect(page.get_by_label("Countries affected")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    expect(amber).to_be_checked()
    expect(page.get_by_label("NKSC CERT-LT (LT)")).to_be_checked()
    page.get_by_label("Countries affected").fill("UA, LT")
    submit = page.get_by_role("button", name="File the incident")
    submit.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(server.base_url) + r"/incidents/[0-9a-f-]{36}$"))
    return page.url


def test_amber_incident_reaches_the_lithuanian_cert_and_no_one_else(
    chromium: Path, node: Node, tmp_path: Path  # noqa: F811 - pytest fixtures
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _prepare(tmp_path)
    csp_reports: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(STEP_MS)
            page.on("console", lambda msg: csp_reports.append(msg.text)
                    if "Content Security Policy" in msg.text else None)

            _log_in(page, node, "olena@cert.gov.ua")
            url = _file_amber_incident(page, node)
            expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
            bars = page.locator(".tlp-bar .tlp-amber")
            expect(bars).to_have_count(2)
            expect(bars.first).to_have_text("TLP:AMBER")
            expect(bars.first).to_have_css("color", "rgb(255, 192, 0)")  # FIRST amber
            expect(page.locator("#recipient-orgs")).to_have_text("NKSC CERT-LT")
            expect(page.locator(".timeline")).to_contain_text("Incident reported")
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            _log_out(page, node)

            _log_in(page, node, "maryte@nksc.lt")
            page.get_by_role("link", name="Incidents", exact=True).click()
            expect(page.get_by_role("status")).to_have_text(
                "Incidents you may see that match: 1")
            page.locator("table#incidents").get_by_role("link", name=TITLE).click()
            expect(page).to_have_url(url)
            expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
            expect(page.locator(".tlp-bar .tlp-amber")).to_have_count(2)
            _log_out(page, node)

            _log_in(page, node, "jan@cert.pl")
            page.get_by_role("link", name="Incidents", exact=True).click()
            expect(page.get_by_role("status")).to_have_text(
                "Incidents you may see that match: 0")
            expect(page.locator("table#incidents")).not_to_contain_text(TITLE)
            expect(page.locator(".facets .count")).to_have_count(0)
            page.get_by_label("Text").fill("wiper")
            page.get_by_role("button", name="Filter").click()
            expect(page.get_by_role("status")).to_have_text(
                "Incidents you may see that match: 0")
            response = page.goto(url)
            assert response is not None and response.status == 404
            expect(page.get_by_role("heading", name=re.compile("Not found"))).to_be_visible()
            expect(page.locator("body")).not_to_contain_text(TITLE)
        finally:
            browser.close()
    assert csp_reports == []
