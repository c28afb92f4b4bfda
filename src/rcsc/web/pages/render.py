"""Rendering pages: templates, translations, local times, CSRF tokens, security headers."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from rcsc.core.identity import Principal, Role
from rcsc.core.secrets import same, sign
from rcsc.core.tlp import Tlp
from rcsc.errors import PermissionDenied
from rcsc.web.i18n import N_, activate, current_locale, gettext, local_time, ngettext
from rcsc.web.state import AppState

CSRF_COOKIE = "rcsc_csrf"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
CSRF_REFUSED = N_(
    "the form has expired or did not come from this site; reload the page and try again"
)
# Error pages get their title and detail in English from rcsc.errors and rcsc.web.errors;
# they are marked here for `make i18n` and translated by render_error in the viewer's language
# (tests/web/test_i18n.py checks that every domain error title is in the catalogue).
ERROR_TEXTS = (
    N_("Error"), N_("Invalid input"), N_("Not found"), N_("Conflict"),
    N_("Authentication required"), N_("Forbidden"), N_("Too many attempts"),
    N_("Payload too large"), N_("Configuration error"), N_("Database needs upgrading"),
    N_("Method not allowed"), N_("Internal error"), N_("Precondition failed"),
    N_("an unexpected error occurred; it has been logged"),
)


def make_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("rcsc.web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # `_` stays the extension's alias of the new-style gettext: it escapes the %(name)s
    # arguments and takes them as keywords.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(Tlp=Tlp, Role=Role)
    env.filters["localtime"] = local_time
    return env


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.rcsc
    return state


def _csrf_seed(request: Request) -> str:
    seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_seed", None)
    if not seed:
        seed = secrets.token_urlsafe(32)
    request.state.csrf_seed = seed
    return str(seed)


def csrf_token(request: Request) -> str:
    """The form token: an HMAC of the browser's CSRF cookie under the node's secret key."""
    return sign(_state(request).settings.effective_secret_key, "csrf:" + _csrf_seed(request))


def check_csrf(request: Request, token: str) -> None:
    seed = request.cookies.get(CSRF_COOKIE)
    expected = sign(_state(request).settings.effective_secret_key, f"csrf:{seed}")
    if not seed or not same(expected, token):
        raise PermissionDenied(CSRF_REFUSED, action="csrf")


def _finish(request: Request, response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    seed = getattr(request.state, "csrf_seed", None)
    if seed and request.cookies.get(CSRF_COOKIE) != seed:
        response.set_cookie(
            CSRF_COOKIE, seed, httponly=True, samesite="strict", path="/",
            secure=_state(request).settings.secure_cookies,
        )
    return response


def _activate(request: Request) -> Principal | None:
    """The viewer's language and time zone (the node's defaults before login)."""
    state = _state(request)
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None:
        activate(state.catalogues, principal.locale, principal.timezone)
    else:
        activate(state.catalogues, state.settings.default_locale,
                 state.settings.default_timezone)
    return principal


def render(request: Request, template: str, status_code: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> Response:
    state = _state(request)
    settings = state.settings
    principal = _activate(request)
    html = state.templates.get_template(template).render(
        request=request, user=principal, csrf_token=csrf_token(request),
        node_name=settings.node_name, lang=current_locale(), path=request.url.path,
        **context,
    )
    return _finish(request, HTMLResponse(html, status_code=status_code, headers=headers))


def render_error(request: Request, status: int, title: str, detail: str,
                 headers: dict[str, str] | None = None) -> Response:
    """An HTML error page. Title and detail are looked up as plain text once the viewer's
    language is active (a detail may quote user input, so it never becomes markup)."""
    _activate(request)
    return render(request, "error.html", status_code=status, headers=headers,
                  title=_plain(title), detail=_plain(detail), status=status,
                  back=_same_site_referer(request))


def _same_site_referer(request: Request) -> str | None:
    """The page a refused form came from, to offer a way back; only a path on this site."""
    referer = urlsplit(request.headers.get("referer", ""))
    if request.method == "GET" or referer.netloc != request.url.netloc:
        return None
    if not referer.path.startswith("/") or referer.path.startswith("//"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def _plain(text: str) -> str:
    return gettext(text) if text else text  # gettext("") would be the catalogue's header
