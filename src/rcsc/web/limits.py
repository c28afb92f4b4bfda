"""Request body size limit, enforced before the body is read (pure ASGI, streams too).

A declared Content-Length over the limit is answered with 413 at once, before routing or
authentication. A body that grows past the limit while it streams raises PayloadTooLarge
from `receive`; FastAPI wraps that in a 400, which `rcsc.web.errors` unwraps back to 413.

Uploads of evidence files (POST to `…/incidents/{id}/attachments`, API or page, files
with an exercise answer, API or the inbox form, and files of an inject, API or the inject
edit page) get their own, larger limit: the file limit plus room for the multipart
envelope. The file limit itself is enforced exactly by the blob store as it streams in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rcsc.errors import PayloadTooLarge
from rcsc.web.errors import handle_domain_error

MULTIPART_OVERHEAD = 1_048_576  # headers and boundaries around one file, generously
UPLOAD_PATHS = re.compile(r"^(?:(?:/api/v1)?/incidents/[^/]+/attachments"
                          r"|/api/v1/exercises/[^/]+/responses/[^/]+/attachments"
                          r"|/exercises/[^/]+/injects/[^/]+/respond"  # answers' files
                          r"|(?:/api/v1)?/exercises/[^/]+/injects/[^/]+/attachments"
                          r")/?$")  # injects' files


TAXII_POST_PATHS = re.compile(r"^/taxii2/[^/]+/collections/[^/]+/objects/?$")
# File imports (API and page) may be as large as a TAXII envelope, plus the multipart frame.
IMPORT_PATHS = re.compile(r"^(?:/api/v1/exchange/imports|/exchange/import)/?$")


def upload_limits(max_attachment_bytes: int, taxii_max_content_length: int
                  ) -> tuple[tuple[re.Pattern[str], int], ...]:
    """The per-path overrides: attachment uploads, TAXII envelopes (the API root's
    max_content_length) and file imports (as large as an envelope)."""
    return ((UPLOAD_PATHS, max_attachment_bytes + MULTIPART_OVERHEAD),
            (TAXII_POST_PATHS, taxii_max_content_length),
            (IMPORT_PATHS, taxii_max_content_length + MULTIPART_OVERHEAD))


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int,
                 overrides: Sequence[tuple[re.Pattern[str], int]] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = tuple(overrides)  # (path pattern, limit) for POSTs to those paths

    def limit_for(self, scope: Scope) -> int:
        if scope.get("method") == "POST":
            for pattern, limit in self.overrides:
                if pattern.match(scope.get("path", "")):
                    return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._refuse(scope, receive, send, max_bytes)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                raise PayloadTooLarge(_detail(max_bytes), max_bytes)
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        error = PayloadTooLarge(_detail(max_bytes), max_bytes)
        response = await handle_domain_error(Request(scope, receive), error)
        await response(scope, receive, send)


def _detail(max_bytes: int) -> str:
    return f"the request body is larger than {max_bytes} bytes"
