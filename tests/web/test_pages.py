"""The server-rendered pages through a TestClient, on SQLite and PostgreSQL: login and its
CSRF check, the session cookie, admin pages and forms, logout, headers, HTML error pages
and the TLP banner."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from rcsc.core.tlp import COLOURS, Tlp
from rcsc.storage import Database
from tests.web.page_support import (
    SESSION_COOKIE,
    assert_html,
    count_rows,
    csrf_of,
    logged_in,
    login,
    post_form,
)

if TYPE_CHECKING:
    from tests.conftest import World

ADMIN_PAGES = ["/admin/organisations", "/admin/users", "/admin/communities", "/admin/tokens",
               "/admin/audit"]
CSS = Path(__file__).parents[2] / "src" / "rcsc" / "web" / "static" / "rcsc.css"


# --- login -----------------------------------------------------------------------------

def test_login_page_renders_a_form_with_a_csrf_token(client: TestClient) -> None:
    response = client.get("/login")
    html = assert_html(response, 200)
    assert '<form method="post" action="/login">' in html
    assert 'name="email"' in html and 'name="password"' in html
    assert csrf_of(html)
    assert "rcsc_csrf" in response.cookies


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["missing", "empty", "wrong"])
def test_login_without_the_right_csrf_token_is_refused_and_opens_no_session(
    client: TestClient, world: World, db: Database, token: str | None
) -> None:
    client.get("/login")  # the browser holds a CSRF cookie, but the form's token is off
    data = {"email": world.analyst.email, "password": world.analyst.password}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/login", data=data, follow_redirects=False)
    assert "expired" in assert_html(response, 403)
    assert SESSION_COOKIE not in response.cookies
    assert count_rows(db, "web_sessions") == 0


def test_login_token_from_another_browser_is_refused(
    app: object, world: World, db: Database
) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as other:  # type: ignore[arg-type]
        stolen = csrf_of(other.get("/login").text)
    with TestClient(app, base_url="http://127.0.0.1") as victim:  # type: ignore[arg-type]
        victim.get("/login")
        response = victim.post("/login", follow_redirects=False, data={
            "email": world.analyst.email, "password": world.analyst.password,
            "csrf_token": stolen})
    assert_html(response, 403)
    assert count_rows(db, "web_sessions") == 0


def test_login_sets_an_http_only_same_site_lax_session_cookie(
    client: TestClient, world: World, db: Database
) -> None:
    response = login(client, world.analyst.email, world.analyst.password)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith(SESSION_COOKIE + "="))
    attributes = {part.strip().split("=")[0].lower(): part.strip()
                  for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert attributes["path"] == "Path=/"
    assert count_rows(db, "web_sessions") == 1
    home = assert_html(client.get("/"), 200)
    assert "analyst" in home


def test_wrong_password_shows_a_message_and_opens_no_session(
    client: TestClient, world: World, db: Database
) -> None:
    response = login(client, world.analyst.email, "not the password at all")
    html = assert_html(response, 401)
    assert "Wrong e-mail or password." in html
    assert f'value="{world.analyst.email}"' in html  # the e-mail is kept in the form
    assert SESSION_COOKIE not in response.cookies
    assert count_rows(db, "web_sessions") == 0


def test_login_never_redirects_to_another_site(client: TestClient, world: World) -> None:
    token = csrf_of(client.get("/login?next=//evil.example/x").text)
    response = client.post("/login", follow_redirects=False, data={
        "email": world.analyst.email, "password": world.analyst.password,
        "csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("path", ["/", "/account", "/tokens", "/admin/users"])
def test_pages_without_a_session_redirect_to_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_after_login_the_browser_returns_to_the_page_it_asked_for(
    client: TestClient, world: World
) -> None:
    page = client.get("/admin/users")  # follows the redirect to /login?next=/admin/users
    assert 'name="next" value="/admin/users"' in page.text
    response = client.post("/login", follow_redirects=False, data={
        "email": world.admin.email, "password": world.admin.password,
        "csrf_token": csrf_of(page.text), "next": "/admin/users"})
    assert response.headers["location"] == "/admin/users"


# --- the shell and the admin pages -----------------------------------------------------

def test_home_shows_the_navigation_for_an_admin(client: TestClient, world: World) -> None:
    html = assert_html(logged_in(client, world.admin.email, world.admin.password).get("/"), 200)
    for label in ("Home", "API tokens", "Organisations", "Users", "Communities", "All tokens",
                  "Audit log", "Log out"):
        assert f">{label}<" in html
    assert "CERT-LT" in html and "CERT-UA" in html  # the member organisations table


def test_home_hides_admin_navigation_from_an_analyst(client: TestClient, world: World) -> None:
    html = assert_html(
        logged_in(client, world.analyst.email, world.analyst.password).get("/"), 200)
    assert ">API tokens<" in html
    assert "/admin/" not in html


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_render_for_an_admin(client: TestClient, world: World, path: str) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    html = assert_html(client.get(path), 200)
    assert 'aria-current="page"' in html


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_are_forbidden_html_for_an_analyst(
    client: TestClient, world: World, path: str
) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    html = assert_html(client.get(path), 403)
    assert "Forbidden" in html
    assert ">Log out<" in html  # still the signed-in shell, not a bare error


def test_admin_creates_an_organisation_through_the_form(
    client: TestClient, world: World
) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    response = post_form(client, "/admin/organisations",
                         {"name": "CERT-PL", "country": "pl", "kind": "national-csirt"})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/organisations"
    html = assert_html(client.get("/admin/organisations"), 200)
    assert ">CERT-PL<" in html and "<td>PL</td>" in html


def test_admin_creates_a_user_who_can_then_log_in(
    app: object, client: TestClient, world: World
) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    response = post_form(client, "/admin/users", {
        "email": "New.Analyst@cert-lt.example", "name": "New Analyst",
        "org_id": str(world.lt_org), "roles": ["analyst"], "timezone": "Europe/Vilnius",
        "password": "a long enough password"})
    assert response.status_code == 303
    html = assert_html(client.get("/admin/users"), 200)
    assert "new.analyst@cert-lt.example" in html and "New Analyst" in html
    with TestClient(app, base_url="http://127.0.0.1") as fresh:  # type: ignore[arg-type]
        assert login(fresh, "new.analyst@cert-lt.example",
                     "a long enough password").status_code == 303


def test_admin_creates_a_community_with_members(client: TestClient, world: World) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    response = post_form(client, "/admin/communities", {
        "name": "Baltic energy", "description": "Grid operators",
        "member_ids": [str(world.lt_org), str(world.ua_org)]})
    assert response.status_code == 303
    html = assert_html(client.get("/admin/communities"), 200)
    assert 'value="Baltic energy"' in html and 'value="Grid operators"' in html


def test_a_new_token_is_shown_once_then_only_its_prefix(
    client: TestClient, world: World
) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    response = post_form(client, "/tokens", {"name": "SIEM connector", "scopes": ["read"],
                                             "expires_days": "30"})
    html = assert_html(response, 201)
    found = re.search(r'<pre id="new-token">(rcsc_[A-Za-z0-9_-]+)</pre>', html)
    assert found, html
    secret = found.group(1)
    assert client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"}
                      ).status_code == 200  # the secret shown is a working token
    listing = assert_html(client.get("/tokens"), 200)
    assert secret not in listing
    assert secret[:11] + "…" in listing and "SIEM connector" in listing
    logged_in(client, world.admin.email, world.admin.password)
    everyone = assert_html(client.get("/admin/tokens"), 200)
    assert secret not in everyone
    assert secret[:11] + "…" in everyone and world.analyst.email in everyone


def test_logout_deletes_the_session_so_the_old_cookie_stops_working(
    client: TestClient, world: World, db: Database
) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    old_cookie = client.cookies[SESSION_COOKIE]
    token = csrf_of(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert count_rows(db, "web_sessions") == 0
    client.cookies.set(SESSION_COOKIE, old_cookie)  # a copy kept by an attacker
    again = client.get("/", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")


def test_logout_without_csrf_keeps_the_session(
    client: TestClient, world: World, db: Database
) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    assert_html(client.post("/logout", data={}, follow_redirects=False), 403)
    assert count_rows(db, "web_sessions") == 1
    assert client.get("/", follow_redirects=False).status_code == 200


def test_a_form_post_without_csrf_changes_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    before = count_rows(db, "organisations")
    response = client.post("/admin/organisations", follow_redirects=False, data={
        "name": "CERT-PL", "country": "PL", "kind": "national-csirt", "csrf_token": "x"})
    assert_html(response, 403)
    assert count_rows(db, "organisations") == before


# --- headers and error pages -----------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/", "/admin/users", "/no-such-page"])
def test_pages_carry_security_headers(client: TestClient, world: World, path: str) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_unknown_page_is_an_html_404(client: TestClient) -> None:
    assert "Not found" in assert_html(client.get("/no-such-page"), 404)


def test_a_form_post_without_a_session_is_an_html_401(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/admin/organisations", follow_redirects=False, data={
        "name": "CERT-PL", "country": "PL", "kind": "national-csirt", "csrf_token": token})
    assert "Authentication required" in assert_html(response, 401)


def test_unknown_organisation_is_an_html_404(client: TestClient, world: World) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    assert_html(client.get(f"/admin/organisations/{uuid.uuid4()}"), 404)


def test_a_rejected_form_is_an_html_page_naming_the_field(
    client: TestClient, world: World, db: Database
) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    before = count_rows(db, "organisations")
    response = post_form(client, "/admin/organisations",
                         {"name": "CERT-XX", "country": "XX", "kind": "national-csirt"})
    html = assert_html(response, 422)
    assert "country" in html
    assert count_rows(db, "organisations") == before


@pytest.mark.parametrize(("referer", "back"), [
    ("http://127.0.0.1/admin/organisations?x=1", "/admin/organisations?x=1"),
    ("https://evil.example/admin/organisations", None),
    (None, None),
])
def test_a_refused_form_offers_the_way_back_to_it(
    client: TestClient, world: World, referer: str | None, back: str | None
) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    token = csrf_of(client.get("/admin/organisations").text)
    response = client.post(
        "/admin/organisations", follow_redirects=False,
        headers={"Referer": referer} if referer else {},
        data={"name": "CERT-XX", "country": "XX", "kind": "national-csirt", "csrf_token": token})
    html = assert_html(response, 422)
    if back is None:
        assert "Back to the form" not in html
    else:
        assert f'<a href="{back.replace("&", "&amp;")}">Back to the form</a>' in html


def test_an_error_quoting_user_input_escapes_it(client: TestClient, world: World) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    name = "<script>alert(1)</script> 100% sure"
    form = {"name": name, "country": "PL", "kind": "national-csirt"}
    assert post_form(client, "/admin/organisations", form).status_code == 303
    html = assert_html(post_form(client, "/admin/organisations", form), 409)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 100% sure" in html


def test_wrong_method_is_an_html_405(client: TestClient) -> None:
    assert_html(client.put("/login"), 405)


# --- TLP -------------------------------------------------------------------------------

def _css_rule(selector: str) -> str:
    found = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS.read_text())
    assert found, f"rcsc.css has no rule for {selector}"
    return found.group(1)


@pytest.mark.parametrize("level", list(Tlp), ids=lambda t: t.value)
def test_tlp_banner_shows_the_label_in_the_first_colours(app: object, level: Tlp) -> None:
    env = app.state.rcsc.templates  # type: ignore[attr-defined]
    html = str(env.get_template("macros.html").module.tlp_banner(level))
    css_class = "tlp-" + level.value.replace("+", "-")
    assert f'class="tlp {css_class}"' in html
    assert f">{level.label}</span>" in html
    assert "style=" not in html  # the CSP (default-src 'self') blocks inline styles
    rule = _css_rule("." + css_class).lower().replace(" ", "")
    assert f"color:{COLOURS[level].foreground.lower()}" in rule
    assert f"background:{COLOURS[level].background.lower()}" in rule


def test_first_tlp_colours_are_the_standard_ones() -> None:
    assert {t.label: (c.foreground, c.background) for t, c in COLOURS.items()} == {
        "TLP:CLEAR": ("#FFFFFF", "#000000"), "TLP:GREEN": ("#33FF00", "#000000"),
        "TLP:AMBER": ("#FFC000", "#000000"), "TLP:AMBER+STRICT": ("#FFC000", "#000000"),
        "TLP:RED": ("#FF2B2B", "#000000"),
    }


def test_home_page_shows_the_tlp_legend(client: TestClient, world: World) -> None:
    html = assert_html(
        logged_in(client, world.viewer.email, world.viewer.password).get("/"), 200)
    legend = html[html.index('class="tlp-legend"'):]
    labels = re.findall(r'<span class="tlp (tlp-[a-z-]+)"[^>]*>(TLP:[A-Z+]+)</span>', legend)
    assert labels == [("tlp-clear", "TLP:CLEAR"), ("tlp-green", "TLP:GREEN"),
                      ("tlp-amber", "TLP:AMBER"), ("tlp-amber-strict", "TLP:AMBER+STRICT"),
                      ("tlp-red", "TLP:RED")]
