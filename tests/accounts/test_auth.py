"""Authentication services on both databases: sessions, tokens, the failed-login limit."""

from __future__ import annotations

import pytest

from rcsc.accounts import auth, bootstrap, tokens, users
from rcsc.accounts.auth import LoginPolicy, system
from rcsc.core.clock import FrozenClock
from rcsc.core.identity import ActorType, Outcome, Scope
from rcsc.errors import AuthenticationRequired, RateLimited
from rcsc.storage import Database
from rcsc.storage.repos.audit import AuditFilter
from tests.conftest import PASSWORD, World

POLICY = LoginPolicy(window_minutes=15, max_per_account=3, max_per_address=5, session_hours=2)


def _login(db: Database, email: str, password: str, addr: str = "192.0.2.1"):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        return auth.login(uow, POLICY, email, password, addr)


def test_login_opens_a_session_that_ends_after_its_lifetime(
    db: Database, world: World, clock: FrozenClock
) -> None:
    result = _login(db, world.analyst.email, PASSWORD)
    assert result is not None
    principal, session_id = result
    assert principal.actor_type is ActorType.USER
    with db.transaction() as uow:
        assert auth.session_principal(uow, session_id, None).email == world.analyst.email
    clock.advance(hours=2, seconds=1)
    with pytest.raises(AuthenticationRequired, match="session has ended"), \
            db.transaction() as uow:
        auth.session_principal(uow, session_id, None)


def test_failed_logins_are_audited_and_limited_per_account(
    db: Database, world: World, clock: FrozenClock
) -> None:
    for _ in range(POLICY.max_per_account):
        assert _login(db, world.analyst.email, "wrong password!!") is None
    with pytest.raises(RateLimited):
        _login(db, world.analyst.email, PASSWORD)
    with db.transaction() as uow:
        failures = uow.audit.count(AuditFilter(action="auth.login", outcome=Outcome.FAILURE))
    assert failures == POLICY.max_per_account
    assert _login(db, world.viewer.email, PASSWORD) is not None  # other accounts unaffected
    clock.advance(minutes=POLICY.window_minutes, seconds=1)
    assert _login(db, world.analyst.email, PASSWORD) is not None


def test_failed_logins_are_limited_per_address(db: Database, world: World) -> None:
    for i in range(POLICY.max_per_address):
        assert _login(db, f"nobody{i}@x.example", "wrong password!!", addr="198.51.100.7") is None
    with pytest.raises(RateLimited):
        _login(db, world.viewer.email, PASSWORD, addr="198.51.100.7")
    assert _login(db, world.viewer.email, PASSWORD, addr="198.51.100.8") is not None


def test_deactivation_ends_sessions_and_tokens_at_once(db: Database, world: World) -> None:
    result = _login(db, world.analyst.email, PASSWORD)
    assert result is not None
    with db.transaction() as uow:
        users.update(uow, system(), world.analyst.id, active=False)
    with pytest.raises(AuthenticationRequired), db.transaction() as uow:
        auth.session_principal(uow, result[1], None)
    with pytest.raises(AuthenticationRequired), db.transaction() as uow:
        auth.authenticate_token(uow, world.analyst.token, None)
    assert _login(db, world.analyst.email, PASSWORD) is None


def test_token_scopes_shrink_when_roles_do(db: Database, world: World) -> None:
    with db.transaction() as uow:
        users.update(uow, system(), world.analyst.id, roles=["viewer"])
    with db.transaction() as uow:
        principal = auth.authenticate_token(uow, world.analyst.token, None)
    assert principal.scopes == {Scope.READ}


def test_token_last_used_is_recorded(db: Database, world: World, clock: FrozenClock) -> None:
    with db.transaction() as uow:
        auth.authenticate_token(uow, world.viewer.token, "192.0.2.9")
    with db.transaction() as uow:
        listed = tokens.list_for(uow, system(), world.viewer.id)
    assert listed[0].last_used_at == clock.now()


def test_basic_auth_needs_the_owners_email(db: Database, world: World) -> None:
    with db.transaction() as uow:
        ok = auth.authenticate_token(uow, world.viewer.token, None, email=world.viewer.email)
    assert ok.email == world.viewer.email
    with pytest.raises(AuthenticationRequired), db.transaction() as uow:
        auth.authenticate_token(uow, world.viewer.token, None, email=world.admin.email)


def test_initialise_is_idempotent(db: Database) -> None:
    with db.transaction() as uow:
        first = bootstrap.initialise(uow, node_name="N", node_country="LT",
                                     admin_email="boss@rcsc.example")
    with db.transaction() as uow:
        second = bootstrap.initialise(uow, node_name="N", node_country="LT",
                                      admin_email="boss@rcsc.example")
        assert uow.orgs.count() == 1 and uow.users.count() == 1
        assert len(uow.communities.list()) == 1
    assert first.admin_password and second.admin_password is None
