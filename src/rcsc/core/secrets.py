"""Hashing of passwords (argon2) and of random bearer secrets (SHA-256).

Tokens and session ids are 256-bit random values, so a fast hash is enough to make the
stored form useless to a reader of the database; passwords are low-entropy and get argon2.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "rcsc_"
_hasher = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
# Verified against when the account does not exist, so both paths cost the same time;
# made on first use, not at import (every CLI command would pay for it).
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def use_cheapest_hashing() -> None:
    """For test suites only: argon2id with its cheapest parameters (still real argon2).

    Stored hashes carry their parameters, so hashes made either way keep verifying, and
    `needs_rehash` upgrades them at the next login with the normal parameters.
    """
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    _DUMMY_HASH = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def new_token() -> str:
    """An API token as shown once to its owner: `rcsc_` + 43 url-safe characters."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_password() -> str:
    """A generated password for first admins and demo users (about 120 bits)."""
    return secrets.token_urlsafe(15)


def digest(secret: str) -> str:
    """The stored form of a token or session id."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sign(key: str, message: str) -> str:
    """HMAC-SHA256 used for CSRF tokens bound to a cookie."""
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
