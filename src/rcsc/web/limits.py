"""Request body size limit, enforced before the body is read (pure ASGI, streams too).

A declared Content-Length over the limit is answered with 413 at once, before routing or
authentication. A body that grows past the limit while it streams raises PayloadTooLarge
from `receive`; FastAPI wraps that in a 400, which `rcsc.web.errors` unwraps back to 413.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rcsc.errors import PayloadTooLarge
from rcsc.web.errors import handle_domain_error


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise PayloadTooLarge(self._detail(), self.max_bytes)
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLarge(self._detail(), self.max_bytes)
        response = await handle_domain_error(Request(scope, receive), error)
        await response(scope, receive, send)

    def _detail(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes"
