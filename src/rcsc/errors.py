"""Typed domain errors.

They carry fields, never HTTP status codes: `rcsc.web.errors` is the one place that turns
each class into problem+json, a TAXII error or an HTML page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One rejected field: `field` is a dotted path such as `roles.0`."""

    field: str
    message: str


class RcscError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"
    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(RcscError):
    """Input broke a rule; nothing was changed."""

    code = "validation-failed"
    title = "Invalid input"

    def __init__(self, errors: list[FieldError] | FieldError, detail: str | None = None) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        text = detail or "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(text)

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls(FieldError(field, message))


class NotFound(RcscError):
    code = "not-found"
    title = "Not found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"No {kind} {key!s}")
        self.kind = kind
        self.key = key


class Conflict(RcscError):
    """The change contradicts existing data (a duplicate name, a stale state)."""

    code = "conflict"
    title = "Conflict"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class PreconditionFailed(RcscError):
    """A write based on a stale version (If-Match did not match): nothing was changed."""

    code = "precondition-failed"
    title = "Precondition failed"

    def __init__(self, detail: str, current_version: int | None = None) -> None:
        super().__init__(detail)
        self.current_version = current_version


class AuthenticationRequired(RcscError):
    """No credentials, or credentials that are wrong, expired or revoked."""

    code = "authentication-required"
    title = "Authentication required"


class PermissionDenied(RcscError):
    """Authenticated, but a role or token scope is missing."""

    code = "permission-denied"
    title = "Forbidden"

    def __init__(self, detail: str, *, action: str = "", required: str = "") -> None:
        super().__init__(detail)
        self.action = action
        self.required = required


class RateLimited(RcscError):
    code = "rate-limited"
    title = "Too many attempts"

    def __init__(self, detail: str, retry_after_seconds: int, *, subject: str = "") -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
        self.subject = subject  # the account the attempts were for, for the audit log


class PayloadTooLarge(RcscError):
    code = "payload-too-large"
    title = "Payload too large"

    def __init__(self, detail: str, limit_bytes: int) -> None:
        super().__init__(detail)
        self.limit_bytes = limit_bytes


class ConfigurationError(RcscError):
    """Settings that cannot be used (refused in production, malformed anywhere)."""

    code = "configuration-error"
    title = "Configuration error"


class DatabaseBehind(RcscError):
    """The schema is older than this code; `rcsc db upgrade` fixes it."""

    code = "database-behind"
    title = "Database needs upgrading"

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(
            f"database schema is at {current or 'nothing (empty database)'}, this code needs "
            f"{head}; run `rcsc db upgrade` (or `rcsc serve --upgrade`)"
        )
        self.current = current
        self.head = head
