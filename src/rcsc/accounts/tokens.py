"""API tokens: random, shown once, stored only as a SHA-256 digest, with scopes and expiry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

from rcsc.accounts import validate
from rcsc.accounts.audit import record
from rcsc.core.identity import ApiToken, AuditEvent, Principal, Scope, scopes_allowed
from rcsc.core.permissions import Action, allowed, require
from rcsc.core.secrets import TOKEN_PREFIX, digest, new_token
from rcsc.errors import NotFound, ValidationFailed
from rcsc.storage import UnitOfWork

MAX_DAYS = 3650


def create(
    uow: UnitOfWork, actor: Principal, *, user_id: uuid.UUID, name: str,
    scopes: Iterable[str], expires_days: int,
) -> tuple[ApiToken, str]:
    """Return the stored token and its secret, which is never available again."""
    _require_for(actor, user_id)
    owner = uow.users.get(user_id)
    if owner is None or not owner.active:
        raise ValidationFailed.field("user_id", f"no active user {user_id}")
    wanted = validate.choices(Scope, scopes, "scopes")
    limit = scopes_allowed(owner.roles)
    if owner.id == actor.user_id:  # a token never mints a wider token than itself
        limit &= actor.scopes
    too_wide = wanted - limit
    if too_wide:
        raise ValidationFailed.field(
            "scopes", f"{owner.email} may not hold {', '.join(sorted(too_wide))}"
        )
    if not 1 <= expires_days <= MAX_DAYS:
        raise ValidationFailed.field("expires_days", f"must be between 1 and {MAX_DAYS}")
    secret = new_token()
    now = uow.clock.now()
    token = ApiToken(
        id=uuid.uuid4(), user_id=owner.id, name=validate.name(name),
        prefix=secret[: len(TOKEN_PREFIX) + 6], scopes=wanted, created_at=now,
        expires_at=now + timedelta(days=expires_days), revoked_at=None, last_used_at=None,
    )
    uow.tokens.add(token, digest(secret))
    record(uow, actor, _event("token.create", token, owner.email))
    return token, secret


def revoke(uow: UnitOfWork, actor: Principal, token_id: uuid.UUID) -> ApiToken:
    token = uow.tokens.get(token_id)
    if token is None or not _may_manage(actor, token.user_id):
        raise NotFound("token", token_id)  # never confirm that someone else's token exists
    if token.revoked_at is None:
        uow.tokens.revoke(token.id, uow.clock.now())
    record(uow, actor, _event("token.revoke", token, None))
    return uow.tokens.get(token_id) or token


def list_for(uow: UnitOfWork, actor: Principal, user_id: uuid.UUID | None) -> list[ApiToken]:
    """A user's own tokens; admins may list anyone's, or all with user_id=None."""
    if user_id is None or user_id != actor.user_id:
        require(actor, Action.TOKEN_MANAGE)
    else:
        require(actor, Action.TOKEN_OWN)
    return uow.tokens.list(user_id)


def _may_manage(actor: Principal, user_id: uuid.UUID) -> bool:
    if user_id == actor.user_id:
        return allowed(actor, Action.TOKEN_OWN)
    return allowed(actor, Action.TOKEN_MANAGE)


def _require_for(actor: Principal, user_id: uuid.UUID) -> None:
    require(actor, Action.TOKEN_OWN if user_id == actor.user_id else Action.TOKEN_MANAGE)


def _event(action: str, token: ApiToken, owner_email: str | None) -> AuditEvent:
    detail: dict[str, object] = {
        "user_id": str(token.user_id), "name": token.name, "prefix": token.prefix,
        "scopes": sorted(s.value for s in token.scopes),
        "expires_at": token.expires_at.isoformat(),
    }
    if owner_email:
        detail["owner"] = owner_email
    return AuditEvent(action, object_type="token", object_id=str(token.id), detail=detail)
