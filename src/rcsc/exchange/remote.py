"""The HTTP side of federation: a TAXII 2.1 client for one peer node that trusts nothing
it receives. Every answer is checked (status, media type, JSON, shape, size, time) before
anything is used; whatever is wrong becomes `PeerFailed` with a sentence that says what the
peer did, never the token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson

from rcsc import __version__
from rcsc.core.exchange import TAXII_MEDIA_TYPE
from rcsc.errors import ValidationFailed
from rcsc.stix.common import parse_timestamp

MAX_RESPONSE_BYTES = 256 * 1024 * 1024
DEADLINE_READS = 5  # a whole answer may take this many read timeouts, no more
SNIPPET = 200


class PeerFailed(Exception):
    """The peer could not be reached, or did not answer as a TAXII 2.1 server must."""


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float


@dataclass(frozen=True)
class Answer:
    """A checked JSON answer: its body, parsed and raw, and its headers."""

    body: dict[str, Any]
    raw: bytes
    headers: httpx.Headers


def _snippet(raw: bytes) -> str:
    """What a failed answer said: a TAXII error's title and description, else its text."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and ("title" in body or "description" in body):
        text = f"{body.get('title', '')}: {body.get('description', '')}"
    else:
        text = raw.decode("utf-8", "replace")
    text = " ".join(text.split())
    return text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")


class Remote:
    """One peer's TAXII API root (`url`, ending in "/") with our token on it."""

    def __init__(self, url: str, token: str, timeouts: Timeouts,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url
        self.timeouts = timeouts
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            headers={"Accept": TAXII_MEDIA_TYPE, "Authorization": f"Bearer {token}",
                     "User-Agent": f"rcsc/{__version__} federation"},
            follow_redirects=False,  # a redirect must not carry the token elsewhere
            transport=transport)

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, what: str, *, ok: tuple[int, ...] = (200,),
                params: dict[str, str] | None = None, content: bytes | None = None,
                ) -> Answer | None:
        """A checked answer; None for 404 when 404 is in `ok` (the resource is absent)."""
        headers = {"Content-Type": TAXII_MEDIA_TYPE} if content is not None else None
        try:
            with self._stream(method, self.url + path, params, content, headers) as response:
                raw = self._read(response, what)
        except httpx.TimeoutException:
            raise PeerFailed(f"{what}: no answer within the timeout (connect "
                             f"{self.timeouts.connect:g} s, read {self.timeouts.read:g} s)"
                             ) from None
        except httpx.ConnectError as exc:
            raise PeerFailed(f"{what}: cannot connect to {self.url} ({exc})") from None
        except httpx.HTTPError as exc:
            raise PeerFailed(f"{what}: {type(exc).__name__}: {exc}") from None
        if response.status_code == 404 and 404 in ok:
            return None
        if response.status_code not in ok:
            raise PeerFailed(f"{what}: HTTP {response.status_code} {_snippet(raw)}".rstrip())
        return Answer(_object(raw, response.headers, what), raw, response.headers)

    @contextmanager
    def _stream(self, method: str, url: str, params: dict[str, str] | None,
                content: bytes | None, headers: dict[str, str] | None
                ) -> Iterator[httpx.Response]:
        with self.client.stream(method, url, params=params, content=content,
                                headers=headers) as response:
            yield response

    def _read(self, response: httpx.Response, what: str) -> bytes:
        """The body, refused when it is too large or trickles in too slowly."""
        deadline = time.monotonic() + self.timeouts.read * DEADLINE_READS
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise PeerFailed(f"{what}: the answer exceeds {MAX_RESPONSE_BYTES} bytes")
            if time.monotonic() > deadline:
                raise PeerFailed(f"{what}: the answer took longer than "
                                 f"{self.timeouts.read * DEADLINE_READS:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


def _object(raw: bytes, headers: httpx.Headers, what: str) -> dict[str, Any]:
    kind = headers.get("content-type", "")
    if "json" not in kind.lower():
        raise PeerFailed(f"{what}: the peer answered {kind or 'without a Content-Type'}, "
                         f"not {TAXII_MEDIA_TYPE} ({_snippet(raw)})")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PeerFailed(f"{what}: the answer is not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise PeerFailed(f"{what}: the answer is not a JSON object")
    return body


def field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], what: str,
          default: Any = None) -> Any:
    """`body[name]` when it has the expected type (or is absent: `default`)."""
    value = body.get(name, default)
    if value is default or isinstance(value, kind) and not (
            kind is int and isinstance(value, bool)):
        return value
    raise PeerFailed(f"{what}: `{name}` is {type(value).__name__}, not "
                     f"{getattr(kind, '__name__', kind)}")


def date_added_last(answer: Answer, what: str) -> datetime:
    """The page's `X-TAXII-Date-Added-Last` (TAXII 2.1 §3.3.1): the bookmark after it."""
    text = answer.headers.get("x-taxii-date-added-last")
    if not text:
        raise PeerFailed(f"{what}: objects without an X-TAXII-Date-Added-Last header; "
                         "there is nothing to bookmark")
    try:
        return parse_timestamp(text, "X-TAXII-Date-Added-Last")
    except ValidationFailed as exc:
        raise PeerFailed(f"{what}: {exc.detail}") from None
