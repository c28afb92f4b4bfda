"""Repositories for organisations, users, communities, API tokens and web sessions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from rcsc.core.identity import ApiToken, Community, Organisation, OrgKind, Role, Scope, User
from rcsc.storage.tables import (
    ApiTokenRow,
    CommunityMemberRow,
    CommunityRow,
    NodeMeta,
    OrganisationRow,
    UserRoleRow,
    UserRow,
    WebSessionRow,
)


class MetaRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, key: str) -> str | None:
        row = self.s.get(NodeMeta, key)
        return row.value if row else None

    def set(self, key: str, value: str) -> None:
        self.s.merge(NodeMeta(key=key, value=value))


def _org(row: OrganisationRow) -> Organisation:
    return Organisation(row.id, row.name, row.country, OrgKind(row.kind), row.created_at)


class OrganisationRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, org: Organisation) -> None:
        self.s.add(
            OrganisationRow(
                id=org.id, name=org.name, country=org.country, kind=org.kind.value,
                created_at=org.created_at,
            )
        )

    def get(self, org_id: uuid.UUID) -> Organisation | None:
        row = self.s.get(OrganisationRow, org_id)
        return _org(row) if row else None

    def get_by_name(self, name: str) -> Organisation | None:
        row = self.s.scalar(
            select(OrganisationRow).where(func.lower(OrganisationRow.name) == name.lower())
        )
        return _org(row) if row else None

    def list(self) -> list[Organisation]:
        rows = self.s.scalars(
            select(OrganisationRow).order_by(OrganisationRow.country, OrganisationRow.name)
        )
        return [_org(r) for r in rows]

    def count(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(OrganisationRow)) or 0)

    def update(self, org: Organisation) -> None:
        self.s.execute(
            update(OrganisationRow)
            .where(OrganisationRow.id == org.id)
            .values(name=org.name, country=org.country, kind=org.kind.value)
        )


class UserRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _to_user(self, row: UserRow, roles: Iterable[str] | None = None) -> User:
        if roles is None:
            roles = self.s.scalars(select(UserRoleRow.role).where(UserRoleRow.user_id == row.id))
        return User(
            id=row.id, email=row.email, name=row.name, org_id=row.org_id,
            roles=frozenset(Role(r) for r in roles), active=row.active, timezone=row.timezone,
            locale=row.locale, created_at=row.created_at,
            has_password=row.password_hash is not None,
        )

    def add(self, user: User, password_hash: str | None) -> None:
        self.s.add(
            UserRow(
                id=user.id, email=user.email, name=user.name, org_id=user.org_id,
                password_hash=password_hash, active=user.active, timezone=user.timezone,
                locale=user.locale, created_at=user.created_at,
            )
        )
        self.s.flush()
        self.s.add_all(UserRoleRow(user_id=user.id, role=r.value) for r in user.roles)

    def get(self, user_id: uuid.UUID) -> User | None:
        row = self.s.get(UserRow, user_id)
        return self._to_user(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        row = self.s.scalar(select(UserRow).where(UserRow.email == email.lower()))
        return self._to_user(row) if row else None

    def password_hash(self, user_id: uuid.UUID) -> str | None:
        return self.s.scalar(select(UserRow.password_hash).where(UserRow.id == user_id))

    def list(self, org_id: uuid.UUID | None = None) -> list[User]:
        query = select(UserRow).order_by(UserRow.email)
        if org_id is not None:
            query = query.where(UserRow.org_id == org_id)
        rows = list(self.s.scalars(query))
        roles: dict[uuid.UUID, list[str]] = {r.id: [] for r in rows}
        for user_id, role in self.s.execute(select(UserRoleRow.user_id, UserRoleRow.role)):
            if user_id in roles:
                roles[user_id].append(role)
        return [self._to_user(r, roles[r.id]) for r in rows]

    def count(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(UserRow)) or 0)

    def count_with_role(self, role: Role, *, active_only: bool = True) -> int:
        query = (
            select(func.count())
            .select_from(UserRoleRow)
            .join(UserRow, UserRow.id == UserRoleRow.user_id)
            .where(UserRoleRow.role == role.value)
        )
        if active_only:
            query = query.where(UserRow.active.is_(True))
        return int(self.s.scalar(query) or 0)

    def update(self, user: User) -> None:
        self.s.execute(
            update(UserRow)
            .where(UserRow.id == user.id)
            .values(
                name=user.name, org_id=user.org_id, active=user.active,
                timezone=user.timezone, locale=user.locale,
            )
        )
        self.s.execute(delete(UserRoleRow).where(UserRoleRow.user_id == user.id))
        self.s.add_all(UserRoleRow(user_id=user.id, role=r.value) for r in user.roles)

    def set_password_hash(self, user_id: uuid.UUID, password_hash: str) -> None:
        self.s.execute(
            update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
        )


class CommunityRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _members(self, community_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
        members: dict[uuid.UUID, set[uuid.UUID]] = {c: set() for c in community_ids}
        query = select(CommunityMemberRow.community_id, CommunityMemberRow.org_id).where(
            CommunityMemberRow.community_id.in_(community_ids)
        )
        for community_id, org_id in self.s.execute(query):
            members[community_id].add(org_id)
        return members

    def _many(self, rows: Sequence[CommunityRow]) -> list[Community]:
        members = self._members([r.id for r in rows])
        return [
            Community(
                r.id, r.name, r.description, r.is_default, frozenset(members[r.id]), r.created_at
            )
            for r in rows
        ]

    def add(self, community: Community) -> None:
        self.s.add(
            CommunityRow(
                id=community.id, name=community.name, description=community.description,
                is_default=community.is_default, created_at=community.created_at,
            )
        )
        self.s.flush()
        self.set_members(community.id, community.member_ids)

    def get(self, community_id: uuid.UUID) -> Community | None:
        row = self.s.get(CommunityRow, community_id)
        return self._many([row])[0] if row else None

    def get_by_name(self, name: str) -> Community | None:
        row = self.s.scalar(
            select(CommunityRow).where(func.lower(CommunityRow.name) == name.lower())
        )
        return self._many([row])[0] if row else None

    def default(self) -> Community | None:
        row = self.s.scalar(select(CommunityRow).where(CommunityRow.is_default.is_(True)))
        return self._many([row])[0] if row else None

    def list(self) -> list[Community]:
        rows = list(
            self.s.scalars(
                select(CommunityRow).order_by(CommunityRow.is_default.desc(), CommunityRow.name)
            )
        )
        return self._many(rows)

    def update(self, community: Community) -> None:
        self.s.execute(
            update(CommunityRow)
            .where(CommunityRow.id == community.id)
            .values(name=community.name, description=community.description)
        )
        self.set_members(community.id, community.member_ids)

    def set_members(self, community_id: uuid.UUID, org_ids: Iterable[uuid.UUID]) -> None:
        self.s.execute(
            delete(CommunityMemberRow).where(CommunityMemberRow.community_id == community_id)
        )
        self.s.add_all(CommunityMemberRow(community_id=community_id, org_id=o) for o in org_ids)


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id, user_id=row.user_id, name=row.name, prefix=row.prefix,
        scopes=frozenset(Scope(s) for s in row.scopes.split()), created_at=row.created_at,
        expires_at=row.expires_at, revoked_at=row.revoked_at, last_used_at=row.last_used_at,
    )


class TokenRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, token: ApiToken, token_hash: str) -> None:
        self.s.add(
            ApiTokenRow(
                id=token.id, user_id=token.user_id, name=token.name, token_hash=token_hash,
                prefix=token.prefix, scopes=" ".join(sorted(s.value for s in token.scopes)),
                created_at=token.created_at, expires_at=token.expires_at,
                revoked_at=None, last_used_at=None,
            )
        )

    def get(self, token_id: uuid.UUID) -> ApiToken | None:
        row = self.s.get(ApiTokenRow, token_id)
        return _token(row) if row else None

    def find_by_hash(self, token_hash: str) -> tuple[ApiToken, str] | None:
        """The token and its stored hash (for a constant-time re-check by the caller)."""
        row = self.s.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash))
        return (_token(row), row.token_hash) if row else None

    def list(self, user_id: uuid.UUID | None = None) -> list[ApiToken]:
        query = select(ApiTokenRow).order_by(ApiTokenRow.created_at.desc())
        if user_id is not None:
            query = query.where(ApiTokenRow.user_id == user_id)
        return [_token(r) for r in self.s.scalars(query)]

    def revoke(self, token_id: uuid.UUID, at: datetime) -> None:
        self.s.execute(update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(revoked_at=at))

    def revoke_all_for_user(self, user_id: uuid.UUID, at: datetime) -> None:
        self.s.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def touch(self, token_id: uuid.UUID, at: datetime) -> None:
        self.s.execute(
            update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=at)
        )


class SessionRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(
        self, id_hash: str, user_id: uuid.UUID, now: datetime, expires: datetime,
        client_addr: str | None,
    ) -> None:
        self.s.add(
            WebSessionRow(
                id_hash=id_hash, user_id=user_id, created_at=now, expires_at=expires,
                last_seen_at=now, client_addr=client_addr,
            )
        )

    def find(self, id_hash: str) -> tuple[uuid.UUID, datetime, datetime] | None:
        """(user id, expiry, last seen) of a live or expired session."""
        row = self.s.get(WebSessionRow, id_hash)
        return (row.user_id, row.expires_at, row.last_seen_at) if row else None

    def touch(self, id_hash: str, at: datetime) -> None:
        self.s.execute(
            update(WebSessionRow).where(WebSessionRow.id_hash == id_hash).values(last_seen_at=at)
        )

    def delete(self, id_hash: str) -> None:
        self.s.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == id_hash))

    def delete_for_user(self, user_id: uuid.UUID) -> None:
        self.s.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))

    def delete_expired(self, now: datetime) -> None:
        self.s.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
