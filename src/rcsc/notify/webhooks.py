"""Webhooks: the signature a receiver checks, and the POST itself.

Each delivery carries three headers:

- `X-RCSC-Delivery`: the delivery's UUID (the same on every retry: receivers dedupe on it);
- `X-RCSC-Timestamp`: when this attempt was signed, in Unix seconds;
- `X-RCSC-Signature`: `sha256=` + hex HMAC-SHA256, keyed with the webhook's secret, over the
  timestamp, a dot and the exact body bytes (`f"{timestamp}.".encode() + body`).

The timestamp is inside the signature so a captured request cannot be replayed later: a
receiver refuses timestamps further than its window (`REPLAY_WINDOW`, five minutes) from its
own clock, and delivery ids it has already seen. `verify` below is that recipe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping

import httpx
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rcsc.errors import ConfigurationError

SIGNATURE = "X-RCSC-Signature"
TIMESTAMP = "X-RCSC-Timestamp"
DELIVERY = "X-RCSC-Delivery"
REPLAY_WINDOW = 300  # seconds
SECRET_PREFIX = "whsec_"
_KDF_INFO = b"rcsc alerts: webhook secrets v1"


def new_secret() -> str:
    """A webhook secret as shown once at creation: `whsec_` + 43 url-safe characters."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _fernet(secret_key: str) -> Fernet:
    """A key of its own (HKDF-SHA256 with a purpose label) derived from the node's secret
    key: the secret must be kept usable to sign, so it is encrypted, not hashed."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=_KDF_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def seal(secret_key: str, secret: str) -> bytes:
    return _fernet(secret_key).encrypt(secret.encode())


def unseal(secret_key: str, sealed: bytes) -> str:
    try:
        return _fernet(secret_key).decrypt(sealed).decode()
    except InvalidToken:
        raise ConfigurationError("a webhook secret cannot be decrypted with this node's "
                                 "secret key (was RCSC_SECRET_KEY changed?); create the "
                                 "webhook again") from None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "User-Agent": "RCSC-Webhook/1",
            DELIVERY: delivery_id, TIMESTAMP: str(timestamp),
            SIGNATURE: signature(secret, timestamp, body)}


def verify(secret: str, received: Mapping[str, str], body: bytes, now: float,
           window: int = REPLAY_WINDOW) -> bool:
    """What a receiver does: the timestamp is recent and the signature matches (compared in
    constant time). `received` is the request's headers (any case of names)."""
    lower = {k.lower(): v for k, v in received.items()}
    try:
        timestamp = int(lower.get(TIMESTAMP.lower(), ""))
    except ValueError:
        return False
    if abs(now - timestamp) > window:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, lower.get(SIGNATURE.lower(), ""))


def post(url: str, body: bytes, sent_headers: Mapping[str, str], timeout: float) -> int:
    """POST once, without following redirects; the status code (httpx.HTTPError when the
    receiver cannot be reached or is too slow)."""
    limits = httpx.Timeout(timeout, connect=min(timeout, 3.0))
    with httpx.Client(timeout=limits, follow_redirects=False) as client:
        return client.post(url, content=body, headers=dict(sent_headers)).status_code
