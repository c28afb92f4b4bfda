"""A small exercise end to end in Debian's Chromium against a real `rcsc serve` (with its
release worker on the real clock): a planner builds it, a controller starts the clock, a UA
player receives injects in the inbox (the second one arrives by itself, released by the
worker and shown by the live update) and answers, an evaluator rates, the AAR PDF renders.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from rcsc.accounts import organisations, users
from rcsc.accounts.auth import system
from rcsc.storage import Database
from tests.conftest import PASSWORD
from tests.web.test_browser import CHROMIUM_ARGS, STEP_MS, Node, chromium, node

pytestmark = pytest.mark.browser
__all__ = ["chromium", "node"]  # the fixtures, shared with test_browser.py
SCREENSHOT = Path("/tmp/rcsc-exercise.png")  # noqa: S108 - a fixed place to look at it
PEOPLE = {"planner": ("LT", "planner"), "controller": ("LT", "analyst"),
          "player": ("UA", "player"), "evaluator": ("PL", "evaluator")}


def _email(who: str) -> str:
    return f"{who}@{PEOPLE[who][0].lower()}.example"


def _people(node: Node) -> None:
    """The exercise's people, in the node's database (beside the running server)."""
    db = Database(f"sqlite:///{node.log.parent / 'data' / 'rcsc.sqlite3'}")
    try:
        with db.transaction() as uow:
            orgs = {"LT": uow.orgs.list()[0].id}
            for cc in ("UA", "PL"):
                orgs[cc] = organisations.create(uow, system(), name=f"CERT-{cc}", country=cc,
                                                kind="national-csirt").id
            for who, (cc, role) in PEOPLE.items():
                users.create(uow, system(), email=_email(who), name=who.title(),
                             org_id=orgs[cc], roles=[role], password=PASSWORD)
    finally:
        db.dispose()


def _login(page, node: Node, who: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(node.base_url + "/login")
    page.get_by_label("E-mail").fill(_email(who))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(node.base_url + "/")


def _logout(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Log out").click()


def _build(page, node: Node) -> str:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    _login(page, node, "planner")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exercises").click()
    new = page.locator('form[action="/exercises"]')
    new.get_by_label("Name").fill("Grid TTX")
    new.get_by_label("Type").select_option("tabletop")
    new.get_by_label("First day").fill("2027-03-02")
    new.get_by_label("Last day").fill("2027-03-02")
    new.get_by_role("button", name="Create exercise").click()
    expect(page.get_by_role("heading", name="Grid TTX")).to_be_visible()
    url = page.url.split("#")[0]
    for who, role, team in (("controller", "controller", ""), ("player", "player", "UA"),
                            ("evaluator", "evaluator", "")):
        form = page.locator('form[action$="/participants"]')
        form.get_by_label("E-mail").fill(_email(who))
        form.get_by_label("Role").select_option(role)
        form.get_by_label("Team").fill(team)
        form.get_by_role("button", name="Add participant").click()
        expect(page.locator("#people")).to_contain_text(who.title())
    objective = page.locator('form[action$="/objectives"]')
    objective.get_by_label("Code").fill("O1")
    objective.get_by_label("SMART objective").fill("Share IOCs within 2 hours")
    objective.get_by_label("Critical tasks (one per line)").fill("Share indicators")
    objective.get_by_role("button", name="Add objective").click()
    for number, offset, title in (("1", "D+0 H+00:00", "Grid alarm"),
                                  ("2", "D+0 H+00:00:02", "Second alarm")):
        inject = page.locator('form[action$="/injects"]')
        inject.get_by_label("Number").fill(number)
        inject.get_by_label("Time (e.g. D+1 H+03:45)").fill(offset)
        inject.get_by_label("Title").fill(title)
        inject.get_by_label("To (teams, separated by ;)").fill("UA")
        inject.get_by_role("button", name="Add inject").click()
        expect(page.locator("#msel")).to_contain_text(title)
    for target in ("planning", "ready"):
        page.get_by_role("button", name=f"Move to {target}").click()
    expect(page.locator("#status")).to_have_text("ready")
    _logout(page)
    return url


def test_an_exercise_end_to_end_in_the_browser(chromium: Path, node: Node) -> None:
    from playwright.sync_api import expect, sync_playwright

    _people(node)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(STEP_MS)
            url = _build(page, node)

            _login(page, node, "controller")
            page.goto(url)
            page.get_by_role("button", name="Start", exact=True).click()
            expect(page.locator("#status")).to_have_text("running")
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            _logout(page)

            _login(page, node, "player")
            page.goto(url + "/inbox")
            expect(page.locator("#inject-1")).to_contain_text("Grid alarm")
            # released by the server's worker, shown by the live update without a reload
            expect(page.locator("#inject-2")).to_contain_text("Second alarm", timeout=20_000)
            first = page.locator("#inject-1")
            first.get_by_label("Answer").fill("CERT-UA isolates the substation network")
            first.get_by_role("button", name="Send answer").click()
            expect(page.locator("#inject-1")).to_contain_text("CERT-UA isolates")
            _logout(page)

            _login(page, node, "evaluator")
            page.goto(url + "/evaluation")
            rate = page.locator('form[action$="/rate"]').first
            rate.get_by_label("Rating").select_option("S")
            rate.get_by_label("Observations").fill("Answer came quickly; no ministry call")
            rate.get_by_role("button", name="Rate").click()
            expect(page.get_by_text(re.compile(r"S=2 = 2 of 3"))).to_be_visible()
            page.goto(url + "/aar")
            expect(page.locator("main")).to_contain_text("CERT-UA isolates")
            pdf = page.request.get(url + "/aar.pdf")
            assert pdf.headers["content-type"] == "application/pdf"
            _not_blank(pdf.body())
        finally:
            browser.close()


def _not_blank(pdf: bytes) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(io.BytesIO(pdf))
    image = document[0].render(scale=1).to_pil().convert("L")
    image.save("/tmp/rcsc-aar.png")  # noqa: S108 - a fixed place to look at it
    histogram = image.histogram()
    assert sum(histogram[:128]) > 2000, "the AAR's first page has (almost) no dark pixels"
