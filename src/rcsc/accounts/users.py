"""People and machine accounts (peers) of member organisations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace

from rcsc.accounts import validate
from rcsc.accounts.audit import record
from rcsc.core.identity import AuditEvent, Principal, Role, User
from rcsc.core.permissions import Action, require
from rcsc.core.secrets import hash_password, verify_password
from rcsc.errors import Conflict, NotFound, ValidationFailed
from rcsc.storage import UnitOfWork


def create(
    uow: UnitOfWork, actor: Principal, *, email: str, name: str, org_id: uuid.UUID,
    roles: Iterable[str], password: str | None, timezone: str = "Europe/Vilnius",
    locale: str = "en",
) -> User:
    require(actor, Action.USER_MANAGE)
    user = User(
        id=uuid.uuid4(), email=validate.email(email), name=validate.name(name),
        org_id=org_id, roles=validate.choices(Role, roles, "roles"), active=True,
        timezone=validate.timezone(timezone), locale=validate.locale(locale),
        created_at=uow.clock.now(), has_password=password is not None,
    )
    if uow.orgs.get(org_id) is None:
        raise ValidationFailed.field("org_id", f"no organisation {org_id}")
    if uow.users.get_by_email(user.email):
        raise Conflict(f"a user with e-mail {user.email} exists already", field="email")
    hashed = hash_password(validate.password(password)) if password is not None else None
    uow.users.add(user, hashed)
    record(uow, actor, _event("user.create", user))
    return user


def update(
    uow: UnitOfWork, actor: Principal, user_id: uuid.UUID, *, name: str | None = None,
    org_id: uuid.UUID | None = None, roles: Iterable[str] | None = None,
    active: bool | None = None, timezone: str | None = None, locale: str | None = None,
) -> User:
    require(actor, Action.USER_MANAGE)
    user = get(uow, actor, user_id)
    if org_id is not None and uow.orgs.get(org_id) is None:
        raise ValidationFailed.field("org_id", f"no organisation {org_id}")
    changed = replace(
        user,
        name=validate.name(name) if name is not None else user.name,
        org_id=org_id or user.org_id,
        roles=validate.choices(Role, roles, "roles") if roles is not None else user.roles,
        active=user.active if active is None else active,
        timezone=validate.timezone(timezone) if timezone is not None else user.timezone,
        locale=validate.locale(locale) if locale is not None else user.locale,
    )
    _keep_one_admin(uow, user, changed)
    uow.users.update(changed)
    if not changed.active:  # a deactivated account loses its sessions and tokens at once
        uow.sessions.delete_for_user(user.id)
        uow.tokens.revoke_all_for_user(user.id, uow.clock.now())
    record(uow, actor, _event("user.update", changed))
    return changed


def _keep_one_admin(uow: UnitOfWork, before: User, after: User) -> None:
    was_admin = Role.ADMIN in before.roles and before.active
    is_admin = Role.ADMIN in after.roles and after.active
    if was_admin and not is_admin and uow.users.count_with_role(Role.ADMIN) <= 1:
        raise Conflict("this is the last active admin; make another admin first", field="roles")


def update_own_preferences(
    uow: UnitOfWork, actor: Principal, *, timezone: str, locale: str
) -> User:
    user = _self(uow, actor)
    changed = replace(
        user, timezone=validate.timezone(timezone), locale=validate.locale(locale)
    )
    uow.users.update(changed)
    return changed


def change_own_password(
    uow: UnitOfWork, actor: Principal, *, current: str, new: str
) -> None:
    user = _self(uow, actor)
    if not verify_password(uow.users.password_hash(user.id), current):
        raise ValidationFailed.field("current_password", "is not your current password")
    uow.users.set_password_hash(user.id, hash_password(validate.password(new, "new_password")))
    record(uow, actor, AuditEvent("user.password", object_type="user", object_id=str(user.id)))


def set_password(uow: UnitOfWork, actor: Principal, user_id: uuid.UUID, password: str) -> None:
    require(actor, Action.USER_MANAGE)
    user = get(uow, actor, user_id)
    uow.users.set_password_hash(user.id, hash_password(validate.password(password)))
    record(uow, actor, AuditEvent("user.password", object_type="user", object_id=str(user.id)))


def _self(uow: UnitOfWork, actor: Principal) -> User:
    user = uow.users.get(actor.user_id) if actor.user_id else None
    if user is None:
        raise NotFound("user", actor.email)
    return user


def get(uow: UnitOfWork, actor: Principal, user_id: uuid.UUID) -> User:
    if user_id != actor.user_id:
        require(actor, Action.USER_READ)
    user = uow.users.get(user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def by_email(uow: UnitOfWork, email: str) -> User:
    user = uow.users.get_by_email(email.strip().lower())
    if user is None:
        raise NotFound("user", email)
    return user


def list_all(uow: UnitOfWork, actor: Principal, org_id: uuid.UUID | None = None) -> list[User]:
    require(actor, Action.USER_READ)
    return uow.users.list(org_id)


def _event(action: str, user: User) -> AuditEvent:
    return AuditEvent(
        action, object_type="user", object_id=str(user.id),
        detail={
            "email": user.email, "org_id": str(user.org_id),
            "roles": sorted(r.value for r in user.roles), "active": user.active,
        },
    )
