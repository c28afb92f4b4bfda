"""The permission table as a truth table, and token scopes per role."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcsc.core.identity import ActorType, Principal, Role, Scope, scopes_allowed
from rcsc.core.permissions import RULES, Action, allowed, require
from rcsc.errors import PermissionDenied


def _principal(roles: set[Role], scopes: set[Scope] | None = None) -> Principal:
    frozen = frozenset(roles)
    return Principal(ActorType.USER, uuid.uuid4(), "u@x.example", "U", uuid.uuid4(), frozen,
                     frozenset(scopes) if scopes is not None else scopes_allowed(frozen))


ADMIN_ONLY = {Action.ORG_MANAGE, Action.USER_READ, Action.USER_MANAGE,
              Action.COMMUNITY_MANAGE, Action.TOKEN_MANAGE, Action.AUDIT_READ,
              Action.BLOBS_MANAGE, Action.COLLECTION_MANAGE, Action.PEER_MANAGE}
INCIDENT_WRITERS = {Role.ANALYST, Role.COORDINATOR, Role.ADMIN}
INTEL_WRITERS = INCIDENT_WRITERS | {Role.PEER}  # another node pushes STIX objects
EXERCISE_CREATORS = {Role.PLANNER, Role.COORDINATOR, Role.ADMIN}
EXERCISE_ACTORS = set(Role) - {Role.PEER, Role.VIEWER}  # the exercise role decides the rest


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_only_admins_may_administer(role: Role, action: Action) -> None:
    if action is Action.INCIDENT_WRITE:
        expected = role in INCIDENT_WRITERS
    elif action is Action.INTEL_WRITE:
        expected = role in INTEL_WRITERS
    elif action is Action.EXERCISE_CREATE:
        expected = role in EXERCISE_CREATORS
    elif action is Action.EXERCISE_ACT:
        expected = role in EXERCISE_ACTORS
    else:
        expected = role is Role.ADMIN or action not in ADMIN_ONLY
    assert allowed(_principal({role}), action) is expected


def test_admin_token_without_admin_scope_is_refused_naming_the_scope() -> None:
    admin = _principal({Role.ADMIN}, {Scope.READ, Scope.WRITE})
    with pytest.raises(PermissionDenied, match="scope admin"):
        require(admin, Action.AUDIT_READ)


def test_missing_role_is_named() -> None:
    with pytest.raises(PermissionDenied, match="needs the role admin"):
        require(_principal({Role.ANALYST}), Action.USER_MANAGE)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({Role.VIEWER}, {Scope.READ}),
        ({Role.ANALYST}, {Scope.READ, Scope.WRITE}),
        ({Role.PEER}, {Scope.READ, Scope.WRITE, Scope.SYNC}),
        ({Role.ADMIN}, set(Scope)),
        ({Role.VIEWER, Role.PLAYER}, {Scope.READ, Scope.WRITE}),
    ],
)
def test_scopes_allowed_per_role(roles: set[Role], expected: set[Scope]) -> None:
    assert scopes_allowed(frozenset(roles)) == expected


@given(st.sets(st.sampled_from(list(Role)), min_size=1))
def test_admin_scope_only_ever_with_admin_role(roles: set[Role]) -> None:
    scopes = scopes_allowed(frozenset(roles))
    assert (Scope.ADMIN in scopes) == (Role.ADMIN in roles)
    assert Scope.READ in scopes


def test_every_action_has_a_rule() -> None:
    assert set(RULES) == set(Action)
