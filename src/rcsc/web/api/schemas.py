"""Request and response bodies of /api/v1. Unknown fields are refused, by name."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from rcsc.core.identity import ApiToken, AuditEntry, Community, Organisation, User


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganisationIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    kind: str


class OrganisationPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    kind: str | None = None


class OrganisationOut(BaseModel):
    id: uuid.UUID
    name: str
    country: str
    kind: str
    created_at: datetime

    @classmethod
    def of(cls, org: Organisation) -> OrganisationOut:
        return cls(id=org.id, name=org.name, country=org.country, kind=org.kind.value,
                   created_at=org.created_at)


class UserIn(Strict):
    email: str = Field(max_length=320)
    name: str = Field(min_length=1, max_length=200)
    org_id: uuid.UUID
    roles: list[str] = Field(min_length=1)
    password: str | None = Field(default=None, max_length=1024)
    timezone: str = "Europe/Vilnius"
    locale: str = "en"


class UserPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    org_id: uuid.UUID | None = None
    roles: list[str] | None = Field(default=None, min_length=1)
    active: bool | None = None
    timezone: str | None = None
    locale: str | None = None


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    org_id: uuid.UUID
    roles: list[str]
    active: bool
    timezone: str
    locale: str
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, email=user.email, name=user.name, org_id=user.org_id,
                   roles=sorted(r.value for r in user.roles), active=user.active,
                   timezone=user.timezone, locale=user.locale, created_at=user.created_at)


class CommunityIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    member_ids: list[uuid.UUID] = Field(default_factory=list)


class CommunityPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    member_ids: list[uuid.UUID] | None = None


class CommunityOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    is_default: bool
    member_ids: list[uuid.UUID]
    created_at: datetime

    @classmethod
    def of(cls, c: Community) -> CommunityOut:
        return cls(id=c.id, name=c.name, description=c.description, is_default=c.is_default,
                   member_ids=sorted(c.member_ids, key=str), created_at=c.created_at)


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(default_factory=lambda: ["read"], min_length=1)
    expires_days: int | None = Field(
        default=None, ge=1, le=3650, description="default: the node's RCSC_TOKEN_DEFAULT_DAYS"
    )
    user_id: uuid.UUID | None = Field(default=None, description="admins only: another user")


class TokenOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, t: ApiToken) -> TokenOut:
        return cls(id=t.id, user_id=t.user_id, name=t.name, prefix=t.prefix,
                   scopes=sorted(s.value for s in t.scopes), created_at=t.created_at,
                   expires_at=t.expires_at, revoked_at=t.revoked_at,
                   last_used_at=t.last_used_at)


class TokenCreated(TokenOut):
    token: str = Field(description="the secret; shown once and never again")


class MeOut(BaseModel):
    user_id: uuid.UUID | None
    email: str
    name: str
    org_id: uuid.UUID | None
    roles: list[str]
    scopes: list[str]
    via: str


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor_type: str
    actor_id: uuid.UUID | None
    actor_label: str
    org_id: uuid.UUID | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    client_addr: str | None
    detail: dict[str, object]

    @classmethod
    def of(cls, e: AuditEntry) -> AuditOut:
        return cls(id=e.id, at=e.at, actor_type=e.actor_type.value, actor_id=e.actor_id,
                   actor_label=e.actor_label, org_id=e.org_id, action=e.action,
                   object_type=e.object_type, object_id=e.object_id, outcome=e.outcome.value,
                   client_addr=e.client_addr, detail=e.detail)


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_before_id: int | None = Field(description="pass as before_id for the next page")
