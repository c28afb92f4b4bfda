"""The sharing rule compiled to SQL: the same table (`rcsc.sharing.RULE`) that `visible()`
evaluates, turned into a WHERE clause so lists, searches, counts and exports never load
what the viewer may not see. Tests check the two agree on random worlds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, select, true

from rcsc.core.exchange import PEER_PREFIX, Boundary
from rcsc.core.tlp import Tlp
from rcsc.sharing import RULE, Relation, Viewer
from rcsc.storage.tables import (
    IncidentRecipientRow,
    IncidentRow,
    ObservableRow,
    StixObjectRow,
    StixRecipientRow,
)


@dataclass(frozen=True)
class Recipients:
    """Where the named recipients of one kind of item are kept: (item, kind, ref) rows."""

    item: Any
    kind: Any
    ref: Any


INCIDENT_RECIPIENTS = Recipients(IncidentRecipientRow.incident_id, IncidentRecipientRow.kind,
                                 IncidentRecipientRow.ref_id)
STIX_RECIPIENTS = Recipients(StixRecipientRow.object_pk, StixRecipientRow.kind,
                             StixRecipientRow.ref_id)


def _named(r: Recipients, item_id: Any, kind: str,
           condition: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    where = [r.item == item_id, r.kind == kind]
    return exists(select(r.item).where(*where, *([condition] if condition is not None else [])))


def _relation(relation: Relation, viewer: Viewer, owner: Any, author: Any,
              item_id: Any, r: Recipients) -> ColumnElement[bool]:
    match relation:
        case Relation.ANYONE:
            return true()
        case Relation.OWNER_ORG:
            return owner == viewer.org_id  # type: ignore[no-any-return]
        case Relation.AUTHOR:
            return author == viewer.user_id  # type: ignore[no-any-return]
        case Relation.RECIPIENT_ORG:
            return _named(r, item_id, "org", r.ref == viewer.org_id)
        case Relation.RECIPIENT_COMMUNITY:
            if not viewer.community_ids:
                return false()
            return _named(r, item_id, "community", r.ref.in_(viewer.community_ids))
        case Relation.NODE_COMMUNITY:
            if not viewer.in_node_community:
                return false()
            return ~_named(r, item_id, "community")
        case Relation.RECIPIENT_USER:
            return _named(r, item_id, "user", r.ref == viewer.user_id)


def visible_clause(viewer: Viewer | None, *, tlp: Any, owner: Any, author: Any,
                   item_id: Any, recipients: Recipients = INCIDENT_RECIPIENTS
                   ) -> ColumnElement[bool]:
    """True for the rows whose marking `visible(viewer, marking)` accepts.

    Grouped by relation, not by level: `(tlp IN levels granting r) AND r` for each relation
    r of the table, so each recipient subquery appears once (AMBER and AMBER+STRICT share
    the recipient-organisation test). A relation the viewer cannot hold is left out."""
    if viewer is None:
        return false()
    granted: dict[Relation, list[str]] = {}
    for level in Tlp:
        for relation in RULE[level]:
            granted.setdefault(relation, []).append(level.value)
    terms = []
    for relation in sorted(granted):
        held = _relation(relation, viewer, owner, author, item_id, recipients)
        if held is false():
            continue
        levels = granted[relation]
        level_test = tlp == levels[0] if len(levels) == 1 else tlp.in_(levels)
        terms.append(level_test if held is true() else and_(level_test, held))
    return or_(*terms) if terms else false()


def incident_visible(viewer: Viewer | None) -> ColumnElement[bool]:
    return visible_clause(viewer, tlp=IncidentRow.tlp, owner=IncidentRow.owner_org_id,
                          author=IncidentRow.author_id, item_id=IncidentRow.id)


def observable_visible(viewer: Viewer | None) -> ColumnElement[bool]:
    """The incident must be visible, and so must the observable's own stricter level."""
    own = visible_clause(viewer, tlp=ObservableRow.tlp, owner=IncidentRow.owner_org_id,
                         author=IncidentRow.author_id, item_id=IncidentRow.id)
    return and_(incident_visible(viewer), or_(ObservableRow.tlp.is_(None), own))


def stix_visible(viewer: Viewer | None, row: Any = StixObjectRow) -> ColumnElement[bool]:
    """For stored STIX object versions (`row` may be an alias of the table): visible at its
    own level and, when it has one, at the level of what it belongs to (`context_tlp`)."""
    own = visible_clause(viewer, tlp=row.tlp, owner=row.owner_org_id, author=row.author_id,
                         item_id=row.pk, recipients=STIX_RECIPIENTS)
    context = visible_clause(viewer, tlp=row.context_tlp, owner=row.owner_org_id,
                             author=row.author_id, item_id=row.pk, recipients=STIX_RECIPIENTS)
    return and_(own, or_(row.context_tlp.is_(None), context))


def boundary_clause(boundary: Boundary, row: Any = StixObjectRow) -> ColumnElement[bool]:
    """What may cross to a peer node (see `core.exchange.Boundary`), in SQL; applied on top
    of `stix_visible` for the peer's organisation."""
    strict = Tlp.AMBER_STRICT.value
    red = Tlp.RED.value
    received_from_peer = row.received_from.startswith(PEER_PREFIX)
    # NULL-safe: `context_tlp = x` is NULL when context_tlp is NULL, and NOT NULL is NULL,
    # which would drop every object received from a peer (three-valued logic).
    strict_anywhere = or_(row.tlp == strict,
                          and_(row.context_tlp.is_not(None), row.context_tlp == strict))
    return and_(
        row.tlp != red,
        or_(row.context_tlp.is_(None), row.context_tlp != red),
        or_(row.received_from.is_(None),
            and_(row.received_from != boundary.label,
                 not_(and_(received_from_peer, strict_anywhere)))),
        row.owner_org_id != boundary.peer_org_id,
    )
