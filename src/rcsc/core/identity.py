"""Organisations, users, communities, tokens and the principal acting on a request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OrgKind(StrEnum):
    NATIONAL_CSIRT = "national-csirt"
    GOVERNMENT = "government"
    MILITARY = "military"
    CRITICAL_INFRASTRUCTURE = "critical-infrastructure"
    REGIONAL_CENTRE = "regional-centre"
    OTHER = "other"


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    ANALYST = "analyst"
    PLANNER = "planner"
    EVALUATOR = "evaluator"
    PLAYER = "player"
    VIEWER = "viewer"
    PEER = "peer"  # the machine account of another RCSC node


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
    SYNC = "sync"


class ActorType(StrEnum):
    USER = "user"  # a person on a web session
    TOKEN = "token"  # an API token of a person
    PEER = "peer"  # another node's machine account
    SYSTEM = "system"  # the CLI on the server itself
    ANONYMOUS = "anonymous"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"  # the attempt was wrong (bad password, bad input)
    DENIED = "denied"  # refused by policy (role, scope, rate limit)


def scopes_allowed(roles: frozenset[Role]) -> frozenset[Scope]:
    """Scopes a user with these roles may put on a token (and holds on a web session)."""
    allowed = {Scope.READ}
    if roles - {Role.VIEWER, Role.PEER}:
        allowed.add(Scope.WRITE)
    if Role.ADMIN in roles:
        allowed |= {Scope.ADMIN, Scope.SYNC}
    if Role.PEER in roles:
        allowed |= {Scope.WRITE, Scope.SYNC}
    return frozenset(allowed)


@dataclass(frozen=True)
class Organisation:
    id: uuid.UUID
    name: str
    country: str
    kind: OrgKind
    created_at: datetime


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    email: str
    name: str
    org_id: uuid.UUID
    roles: frozenset[Role]
    active: bool
    timezone: str
    locale: str
    created_at: datetime
    has_password: bool = True


@dataclass(frozen=True)
class Community:
    id: uuid.UUID
    name: str
    description: str
    is_default: bool
    member_ids: frozenset[uuid.UUID]
    created_at: datetime


@dataclass(frozen=True)
class ApiToken:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str  # the first characters, to tell tokens apart; never enough to use one
    scopes: frozenset[Scope]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user through a session or a token, or the system itself."""

    actor_type: ActorType
    user_id: uuid.UUID | None
    email: str
    name: str
    org_id: uuid.UUID | None
    roles: frozenset[Role]
    scopes: frozenset[Scope]
    token_id: uuid.UUID | None = None
    timezone: str = "UTC"
    locale: str = "en"
    client_addr: str | None = None

    @property
    def label(self) -> str:
        return self.email

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_type: ActorType
    actor_id: uuid.UUID | None
    actor_label: str
    org_id: uuid.UUID | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: Outcome
    client_addr: str | None
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEvent:
    """An audit row before it is written."""

    action: str
    outcome: Outcome = Outcome.SUCCESS
    object_type: str | None = None
    object_id: str | None = None
    detail: dict[str, object] = field(default_factory=dict)
