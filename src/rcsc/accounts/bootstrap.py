"""`rcsc init`: the node's own organisation, its default community and the first admin."""

from __future__ import annotations

from dataclasses import dataclass

from rcsc.accounts import communities, organisations, users
from rcsc.accounts.auth import system
from rcsc.core.identity import OrgKind, Role
from rcsc.core.secrets import new_password
from rcsc.storage import UnitOfWork


@dataclass(frozen=True)
class InitResult:
    admin_email: str
    admin_password: str | None  # only when the admin was created just now
    organisation: str


def initialise(
    uow: UnitOfWork, *, node_name: str, node_country: str, admin_email: str,
    timezone: str = "Europe/Vilnius",
) -> InitResult:
    """Idempotent: creates only what is missing."""
    actor = system("cli:init")
    orgs = uow.orgs.list()
    org = orgs[0] if orgs else organisations.create(
        uow, actor, name=node_name, country=node_country, kind=OrgKind.REGIONAL_CENTRE.value
    )
    communities.create_default(uow, actor, node_name)
    if uow.users.count_with_role(Role.ADMIN) > 0:
        admin = next(u for u in uow.users.list() if Role.ADMIN in u.roles)
        return InitResult(admin.email, None, org.name)
    password = new_password()
    admin = users.create(
        uow, actor, email=admin_email, name="Node administrator", org_id=org.id,
        roles=[Role.ADMIN.value], password=password, timezone=timezone,
    )
    return InitResult(admin.email, password, org.name)
