"""Who may see a marked item.

| level        | who sees it                                                               |
|--------------|---------------------------------------------------------------------------|
| CLEAR        | every authenticated user of the node                                      |
| GREEN        | the owner organisation; the members of the communities named, or — when   |
|              | none is named — every member organisation of the node's default community |
| AMBER        | the owner organisation, the recipient organisations, the members of the   |
|              | recipient communities                                                     |
| AMBER+STRICT | the owner organisation and the recipient organisations only               |
| RED          | the author and the named individual users only                            |

Roles give no implicit right: an admin or coordinator sees AMBER or RED data of another
organisation only as a named recipient, like anyone else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from rcsc.core.tlp import Tlp


class Relation(StrEnum):
    """A relation between a viewer and a marked item that can grant sight of it."""

    ANYONE = "anyone"
    OWNER_ORG = "owner-org"
    AUTHOR = "author"
    RECIPIENT_ORG = "recipient-org"
    RECIPIENT_COMMUNITY = "recipient-community"
    NODE_COMMUNITY = "node-community"  # member of the default community, none named
    RECIPIENT_USER = "recipient-user"


RULE: dict[Tlp, frozenset[Relation]] = {
    Tlp.CLEAR: frozenset({Relation.ANYONE}),
    Tlp.GREEN: frozenset(
        {Relation.OWNER_ORG, Relation.RECIPIENT_COMMUNITY, Relation.NODE_COMMUNITY}
    ),
    Tlp.AMBER: frozenset(
        {Relation.OWNER_ORG, Relation.RECIPIENT_ORG, Relation.RECIPIENT_COMMUNITY}
    ),
    Tlp.AMBER_STRICT: frozenset({Relation.OWNER_ORG, Relation.RECIPIENT_ORG}),
    Tlp.RED: frozenset({Relation.AUTHOR, Relation.RECIPIENT_USER}),
}


@dataclass(frozen=True)
class Viewer:
    """What the rule needs to know of the person (or peer) reading."""

    user_id: uuid.UUID
    org_id: uuid.UUID
    community_ids: frozenset[uuid.UUID] = frozenset()  # communities the org belongs to
    in_node_community: bool = False  # the org is a member of the node's default community


NOBODY = uuid.UUID(int=0)
# The public (an anonymous reader, when the node allows anonymous export of TLP:CLEAR): a
# viewer with no relation to anything, so the same table gives it exactly the CLEAR items.
PUBLIC = Viewer(user_id=NOBODY, org_id=NOBODY)


@dataclass(frozen=True)
class Marking:
    tlp: Tlp
    owner_org_id: uuid.UUID
    author_id: uuid.UUID | None
    recipient_org_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    recipient_community_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    recipient_user_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


def relations_holding(viewer: Viewer, marking: Marking) -> frozenset[Relation]:
    """Every relation the viewer has to the item, whatever its level."""
    held = {Relation.ANYONE}
    if viewer.org_id == marking.owner_org_id:
        held.add(Relation.OWNER_ORG)
    if marking.author_id is not None and viewer.user_id == marking.author_id:
        held.add(Relation.AUTHOR)
    if viewer.org_id in marking.recipient_org_ids:
        held.add(Relation.RECIPIENT_ORG)
    if viewer.community_ids & marking.recipient_community_ids:
        held.add(Relation.RECIPIENT_COMMUNITY)
    if viewer.in_node_community and not marking.recipient_community_ids:
        held.add(Relation.NODE_COMMUNITY)
    if viewer.user_id in marking.recipient_user_ids:
        held.add(Relation.RECIPIENT_USER)
    return frozenset(held)


def visible(viewer: Viewer, marking: Marking) -> bool:
    return bool(RULE[marking.tlp] & relations_holding(viewer, marking))


def stricter(a: Tlp, b: Tlp) -> Tlp:
    """The stricter of two levels (an observable never shows more than its incident)."""
    return a if a.rank >= b.rank else b
