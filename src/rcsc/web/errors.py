"""The one place that turns domain errors into HTTP: RFC 9457 problem+json under /api,
an HTML page elsewhere. Refusals (401, 403, 429) are written to the audit log here.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from rcsc.accounts.audit import record_refusal
from rcsc.accounts.auth import anonymous
from rcsc.core.identity import AuditEvent, Outcome, Principal
from rcsc.errors import (
    AuthenticationRequired,
    Conflict,
    FieldError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    RcscError,
    ValidationFailed,
)
from rcsc.web.i18n import gettext as _

log = logging.getLogger("rcsc.web")
PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://rcsc.invalid/problems/"  # a stable identifier, not a fetched page

STATUS: dict[type[RcscError], int] = {
    ValidationFailed: 422,
    NotFound: 404,
    Conflict: 409,
    AuthenticationRequired: 401,
    PermissionDenied: 403,
    RateLimited: 429,
    PayloadTooLarge: 413,
    PreconditionFailed: 412,
}
_TAXII_TITLES = {404: "Not found", 405: "Method not allowed", 406: "Not acceptable",
                 413: "Payload too large", 415: "Unsupported media type"}
_HTTP_CODES = {400: "bad-request", 404: "not-found", 405: "method-not-allowed",
               406: "not-acceptable", 413: "payload-too-large", 415: "unsupported-media-type"}


def status_of(exc: RcscError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"


def wants_taxii_error(request: Request) -> bool:
    return request.url.path.startswith("/taxii2")


def taxii_error(status: int, title: str, detail: str, errors: list[FieldError] | None = None,
                headers: dict[str, str] | None = None) -> Response:
    """TAXII 2.1 §3.6.1 error message; `details` names each bad field."""
    body: dict[str, Any] = {"title": title, "description": detail, "http_status": str(status)}
    if errors:
        body["details"] = {e.field: e.message for e in errors}
    return Response(orjson.dumps(body), status_code=status, media_type=TAXII_MEDIA_TYPE,
                    headers=headers)


def wants_problem_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path in ("/healthz", "/readyz")


def problem(request: Request, status: int, code: str, title: str, detail: str,
            errors: list[FieldError] | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code, "title": title, "status": status, "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    body.update(extra)
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON,
                    headers=headers)


def html_error(request: Request, status: int, title: str, detail: str,
               headers: dict[str, str] | None = None) -> Response:
    from rcsc.web.pages.render import render_error

    return render_error(request, status, title, detail, headers=headers)


def _audit_refusal(request: Request, exc: RcscError) -> None:
    claimed = getattr(request.state, "claimed_identity", None) or getattr(exc, "subject", "")
    actor: Principal = getattr(request.state, "principal", None) or anonymous(
        request.client.host if request.client else None, claimed or "anonymous",
    )
    action, outcome = {
        AuthenticationRequired: ("auth.failed", Outcome.FAILURE),
        PermissionDenied: ("access.denied", Outcome.DENIED),
        RateLimited: ("auth.rate_limited", Outcome.DENIED),
    }[type(exc)]
    detail: dict[str, object] = {
        "method": request.method, "path": request.url.path, "reason": exc.detail,
    }
    try:
        event = AuditEvent(action, outcome, detail=detail)
        record_refusal(request.app.state.rcsc.db, actor, event)
    except Exception:  # the refusal stands even if the audit database is unavailable
        log.exception("could not audit a refused request")


def _headers_for(exc: RcscError, request: Request) -> dict[str, str]:
    if isinstance(exc, AuthenticationRequired) and request.url.path.startswith("/api/"):
        return {"WWW-Authenticate": 'Bearer realm="rcsc"'}
    if isinstance(exc, AuthenticationRequired) and wants_taxii_error(request):
        return {"WWW-Authenticate": 'Basic realm="rcsc-taxii"'}
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after_seconds)}
    return {}


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RcscError)
    if type(exc) in (AuthenticationRequired, PermissionDenied, RateLimited):
        # A database write: keep it off the event loop, like every other one.
        await run_in_threadpool(_audit_refusal, request, exc)
    status = status_of(exc)
    headers = _headers_for(exc, request)
    errors = exc.errors if isinstance(exc, ValidationFailed) else None
    if isinstance(exc, Conflict) and exc.field:
        errors = [FieldError(exc.field, exc.detail)]
    if wants_taxii_error(request):
        return taxii_error(status, exc.title, exc.detail, errors, headers)
    if wants_problem_json(request):
        return problem(request, status, exc.code, exc.title, exc.detail, errors, headers)
    if isinstance(exc, AuthenticationRequired) and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return html_error(request, status, _(exc.title), exc.detail, headers)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def _field_error(error: dict[str, Any]) -> FieldError:
    if error.get("type") == "json_invalid":  # its loc is ("body", <character offset>)
        reason = error.get("ctx", {}).get("error", "")
        return FieldError("body", f"not valid JSON at character {error['loc'][-1]}: {reason}")
    return FieldError(_field_of(tuple(error["loc"])), error["msg"])


async def handle_request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(e) for e in exc.errors()]
    return await handle_domain_error(request, ValidationFailed(errors))


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, RcscError):  # FastAPI's 400 around a body that failed to read
        return await handle_domain_error(request, exc.__cause__)
    code = _HTTP_CODES.get(exc.status_code, "http-error")
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
    detail = str(exc.detail)
    headers = dict(exc.headers or {})
    if wants_taxii_error(request):
        return taxii_error(exc.status_code, _TAXII_TITLES.get(exc.status_code, title), detail,
                           headers=headers)
    if wants_problem_json(request):
        return problem(request, exc.status_code, code, title, detail, headers=headers)
    return html_error(request, exc.status_code, _(title), detail, headers)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    detail = "an unexpected error occurred; it has been logged"
    if wants_taxii_error(request):
        return taxii_error(500, "Internal error", detail)
    if wants_problem_json(request):
        return problem(request, 500, "internal-error", "Internal error", detail)
    return html_error(request, 500, _("Internal error"), _(detail))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RcscError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_request_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(Exception, handle_unexpected)
