"""Who is calling: bearer tokens, e-mail + token (HTTP Basic, for TAXII clients), and
password logins that open web sessions, with failed logins limited per account and address.

Every secret is looked up by its SHA-256 digest and re-checked with a constant-time compare;
a login for an unknown account still pays for one argon2 verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rcsc.accounts.audit import failed_logins, record
from rcsc.core.identity import (
    ActorType,
    ApiToken,
    AuditEvent,
    Outcome,
    Principal,
    Role,
    Scope,
    User,
    scopes_allowed,
)
from rcsc.core.secrets import (
    digest,
    hash_password,
    needs_rehash,
    new_session_id,
    same,
    verify_password,
)
from rcsc.errors import AuthenticationRequired, RateLimited
from rcsc.storage import UnitOfWork

TOUCH_EVERY = timedelta(seconds=60)  # last-used times are kept to the minute, not per request


@dataclass(frozen=True)
class LoginPolicy:
    window_minutes: int = 15
    max_per_account: int = 5
    max_per_address: int = 20
    session_hours: int = 12


def anonymous(client_addr: str | None, label: str = "anonymous") -> Principal:
    return Principal(
        ActorType.ANONYMOUS, None, label, "", None, frozenset(), frozenset(),
        client_addr=client_addr,
    )


def system(label: str = "cli") -> Principal:
    """The operator at the server's own console (the CLI): every role and scope."""
    return Principal(ActorType.SYSTEM, None, label, "", None, frozenset(Role), frozenset(Scope))


def principal_for(user: User, *, via: ActorType, scopes: frozenset[Scope] | None = None,
                  token_id: object = None, client_addr: str | None = None) -> Principal:
    return Principal(
        actor_type=ActorType.PEER if Role.PEER in user.roles and via is ActorType.TOKEN else via,
        user_id=user.id, email=user.email, name=user.name, org_id=user.org_id,
        roles=user.roles,
        scopes=scopes if scopes is not None else scopes_allowed(user.roles),
        token_id=token_id, timezone=user.timezone, locale=user.locale,  # type: ignore[arg-type]
        client_addr=client_addr,
    )


def authenticate_token(uow: UnitOfWork, secret: str, client_addr: str | None,
                       email: str | None = None) -> Principal:
    """A principal for a bearer token (and, for HTTP Basic, the e-mail it must belong to)."""
    found = uow.tokens.find_by_hash(digest(secret))
    if found is None or not same(found[1], digest(secret)):
        raise AuthenticationRequired("the token is not valid")
    token, _ = found
    now = uow.clock.now()
    _check_live(token, now)
    user = uow.users.get(token.user_id)
    if user is None or not user.active:
        raise AuthenticationRequired("the token's user is deactivated")
    if email is not None and not same(user.email, email.strip().lower()):
        raise AuthenticationRequired("the token is not valid")
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        uow.tokens.touch(token.id, now)
    # Scopes are cut to what the user's roles allow today, whatever the token once got.
    scopes = token.scopes & scopes_allowed(user.roles)
    return principal_for(
        user, via=ActorType.TOKEN, scopes=scopes, token_id=token.id, client_addr=client_addr
    )


def _check_live(token: ApiToken, now: datetime) -> None:
    if token.revoked_at is not None:
        raise AuthenticationRequired("the token has been revoked")
    if token.expires_at <= now:
        raise AuthenticationRequired("the token has expired")


def login(uow: UnitOfWork, policy: LoginPolicy, email: str, password: str,
          client_addr: str | None) -> tuple[Principal, str] | None:
    """Check a password; on success open a web session and return (principal, session id).

    A failure returns None after recording it in `uow`, which the caller commits so the
    limit counts it; a limited attempt raises RateLimited before the password is checked.
    """
    email = email.strip().lower()
    _enforce_limit(uow, policy, email, client_addr)
    user = uow.users.get_by_email(email)
    stored = uow.users.password_hash(user.id) if user else None
    if not verify_password(stored, password) or user is None or not user.active:
        record(uow, anonymous(client_addr, email), AuditEvent(
            "auth.login", Outcome.FAILURE, "user", str(user.id) if user else None))
        return None
    if stored and needs_rehash(stored):  # parameters were raised since this hash was made
        uow.users.set_password_hash(user.id, hash_password(password))
    session_id = new_session_id()
    now = uow.clock.now()
    uow.sessions.add(digest(session_id), user.id, now,
                     now + timedelta(hours=policy.session_hours), client_addr)
    actor = principal_for(user, via=ActorType.USER, client_addr=client_addr)
    record(uow, actor, AuditEvent("auth.login", object_type="user", object_id=str(user.id)))
    return actor, session_id


def _enforce_limit(uow: UnitOfWork, policy: LoginPolicy, email: str,
                   client_addr: str | None) -> None:
    per_account = failed_logins(uow, since_minutes=policy.window_minutes, email=email)
    per_address = (
        failed_logins(uow, since_minutes=policy.window_minutes, client_addr=client_addr)
        if client_addr else 0
    )
    if per_account >= policy.max_per_account or per_address >= policy.max_per_address:
        raise RateLimited(
            f"too many failed logins; try again in {policy.window_minutes} minutes",
            retry_after_seconds=policy.window_minutes * 60, subject=email,
        )


def session_principal(uow: UnitOfWork, session_id: str, client_addr: str | None) -> Principal:
    id_hash = digest(session_id)
    found = uow.sessions.find(id_hash)
    if found is None:
        raise AuthenticationRequired("please log in")
    user_id, expires_at, last_seen = found
    now = uow.clock.now()
    user = uow.users.get(user_id)
    if expires_at <= now or user is None or not user.active:
        uow.sessions.delete(id_hash)
        raise AuthenticationRequired("your session has ended; please log in again")
    if now - last_seen >= TOUCH_EVERY:
        uow.sessions.touch(id_hash, now)
    return principal_for(user, via=ActorType.USER, client_addr=client_addr)


def logout(uow: UnitOfWork, actor: Principal, session_id: str) -> None:
    uow.sessions.delete(digest(session_id))
    record(uow, actor, AuditEvent("auth.logout", object_type="user", object_id=str(actor.user_id)))
