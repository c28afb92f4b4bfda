"""Which roles and token scopes each action needs: a table, so it can be read and tested."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rcsc.core.identity import Principal, Role, Scope
from rcsc.errors import PermissionDenied

EVERYONE = frozenset(Role)


class Action(StrEnum):
    ORG_READ = "organisation.read"
    ORG_MANAGE = "organisation.manage"
    USER_READ = "user.read"
    USER_MANAGE = "user.manage"
    COMMUNITY_READ = "community.read"
    COMMUNITY_MANAGE = "community.manage"
    TOKEN_OWN = "token.own"
    TOKEN_MANAGE = "token.manage"
    AUDIT_READ = "audit.read"
    INCIDENT_READ = "incident.read"
    INCIDENT_WRITE = "incident.write"
    BLOBS_MANAGE = "blobs.manage"
    INTEL_READ = "intel.read"  # STIX objects, over TAXII and the API
    INTEL_WRITE = "intel.write"
    COLLECTION_MANAGE = "collection.manage"
    PEER_MANAGE = "peer.manage"  # federation: add, change, remove and sync peer nodes
    EXERCISE_READ = "exercise.read"
    EXERCISE_CREATE = "exercise.create"
    EXERCISE_ACT = "exercise.act"  # plan, control, play, evaluate: the exercise role decides


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    scope: Scope


RULES: dict[Action, Rule] = {
    Action.ORG_READ: Rule(EVERYONE, Scope.READ),
    Action.ORG_MANAGE: Rule(frozenset({Role.ADMIN}), Scope.ADMIN),
    Action.USER_READ: Rule(frozenset({Role.ADMIN}), Scope.ADMIN),
    Action.USER_MANAGE: Rule(frozenset({Role.ADMIN}), Scope.ADMIN),
    Action.COMMUNITY_READ: Rule(EVERYONE, Scope.READ),
    Action.COMMUNITY_MANAGE: Rule(frozenset({Role.ADMIN}), Scope.ADMIN),
    Action.TOKEN_OWN: Rule(EVERYONE, Scope.READ),
    Action.TOKEN_MANAGE: Rule(frozenset({Role.ADMIN}), Scope.ADMIN),
    Action.AUDIT_READ: Rule(frozenset({Role.ADMIN}), Scope.ADMIN),
    # Reading is open to every role: the sharing rule, not the role, decides what is seen.
    Action.INCIDENT_READ: Rule(EVERYONE, Scope.READ),
    Action.INCIDENT_WRITE: Rule(
        frozenset({Role.ANALYST, Role.COORDINATOR, Role.ADMIN}), Scope.WRITE
    ),
    # Removing unreferenced evidence files is node maintenance (`rcsc blobs gc`).
    Action.BLOBS_MANAGE: Rule(frozenset({Role.ADMIN}), Scope.ADMIN),
    # STIX objects: the sharing rule decides what is seen; peers (other nodes) push too.
    Action.INTEL_READ: Rule(EVERYONE, Scope.READ),
    Action.INTEL_WRITE: Rule(
        frozenset({Role.ANALYST, Role.COORDINATOR, Role.ADMIN, Role.PEER}), Scope.WRITE
    ),
    Action.COLLECTION_MANAGE: Rule(frozenset({Role.ADMIN}), Scope.ADMIN),
    Action.PEER_MANAGE: Rule(frozenset({Role.ADMIN}), Scope.ADMIN),
    # Exercises: which exercises are seen is the sharing rule's; what a person does inside
    # one is decided by their role in that exercise (planner, controller, player, ...).
    Action.EXERCISE_READ: Rule(EVERYONE, Scope.READ),
    Action.EXERCISE_CREATE: Rule(
        frozenset({Role.PLANNER, Role.COORDINATOR, Role.ADMIN}), Scope.WRITE
    ),
    Action.EXERCISE_ACT: Rule(EVERYONE - {Role.PEER, Role.VIEWER}, Scope.WRITE),
}


def allowed(principal: Principal, action: Action) -> bool:
    rule = RULES[action]
    return bool(principal.roles & rule.roles) and rule.scope in principal.scopes


def require(principal: Principal, action: Action) -> None:
    """Raise PermissionDenied naming the missing role or scope."""
    rule = RULES[action]
    if not principal.roles & rule.roles:
        needed = " or ".join(sorted(r.value for r in rule.roles))
        raise PermissionDenied(
            f"{action.value} needs the role {needed}", action=action.value, required=needed
        )
    if rule.scope not in principal.scopes:
        raise PermissionDenied(
            f"{action.value} needs a token with the scope {rule.scope.value}",
            action=action.value,
            required=f"scope:{rule.scope.value}",
        )
