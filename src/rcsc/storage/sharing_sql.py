"""The sharing rule compiled to SQL: the same table (`rcsc.sharing.RULE`) that `visible()`
evaluates, turned into a WHERE clause so lists, searches, counts and exports never load
what the viewer may not see. Tests check the two agree on random worlds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from rcsc.core.tlp import Tlp
from rcsc.sharing import RULE, Relation, Viewer
from rcsc.storage.tables import IncidentRecipientRow, IncidentRow, ObservableRow

R = IncidentRecipientRow


def _recipient(kind: str, item_id: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(select(R.incident_id).where(R.incident_id == item_id, R.kind == kind,
                                              condition))


def _relation(relation: Relation, viewer: Viewer, owner: Any, author: Any,
              item_id: Any) -> ColumnElement[bool]:
    match relation:
        case Relation.ANYONE:
            return true()
        case Relation.OWNER_ORG:
            return owner == viewer.org_id  # type: ignore[no-any-return]
        case Relation.AUTHOR:
            return author == viewer.user_id  # type: ignore[no-any-return]
        case Relation.RECIPIENT_ORG:
            return _recipient("org", item_id, R.ref_id == viewer.org_id)
        case Relation.RECIPIENT_COMMUNITY:
            if not viewer.community_ids:
                return false()
            return _recipient("community", item_id, R.ref_id.in_(viewer.community_ids))
        case Relation.NODE_COMMUNITY:
            if not viewer.in_node_community:
                return false()
            return ~exists(select(R.incident_id).where(R.incident_id == item_id,
                                                       R.kind == "community"))
        case Relation.RECIPIENT_USER:
            return _recipient("user", item_id, R.ref_id == viewer.user_id)


def visible_clause(viewer: Viewer | None, *, tlp: Any, owner: Any, author: Any,
                   item_id: Any) -> ColumnElement[bool]:
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
        held = _relation(relation, viewer, owner, author, item_id)
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
