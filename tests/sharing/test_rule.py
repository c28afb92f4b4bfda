"""The sharing rule as a truth table: TLP level × the viewer's relation to the item."""

from __future__ import annotations

import uuid

import pytest

from rcsc.core.tlp import Tlp
from rcsc.sharing import Marking, Viewer, visible

OWNER_ORG, RECIPIENT_ORG, OTHER_ORG = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
AUTHOR, NAMED_USER, COLLEAGUE, STRANGER = (uuid.uuid4() for _ in range(4))
NAMED_COMMUNITY, OTHER_COMMUNITY = uuid.uuid4(), uuid.uuid4()


def _marking(tlp: Tlp, *, communities: bool = True) -> Marking:
    return Marking(
        tlp=tlp, owner_org_id=OWNER_ORG, author_id=AUTHOR,
        recipient_org_ids=frozenset({RECIPIENT_ORG}),
        recipient_community_ids=frozenset({NAMED_COMMUNITY}) if communities else frozenset(),
        recipient_user_ids=frozenset({NAMED_USER}),
    )


VIEWERS = {
    "author": Viewer(AUTHOR, OWNER_ORG, frozenset(), True),
    "same org": Viewer(COLLEAGUE, OWNER_ORG, frozenset(), True),
    "recipient org": Viewer(STRANGER, RECIPIENT_ORG, frozenset(), True),
    "recipient community": Viewer(STRANGER, OTHER_ORG, frozenset({NAMED_COMMUNITY}), True),
    "named user": Viewer(NAMED_USER, OTHER_ORG, frozenset(), True),
    "other member org": Viewer(STRANGER, OTHER_ORG, frozenset(), True),
    "other community": Viewer(STRANGER, OTHER_ORG, frozenset({OTHER_COMMUNITY}), True),
    "outside node community": Viewer(STRANGER, OTHER_ORG, frozenset(), False),
}

#                        author same  r-org r-com named other o-com outside
EXPECTED = {
    Tlp.CLEAR:           (1,    1,    1,    1,    1,    1,    1,    1),
    Tlp.GREEN:           (1,    1,    0,    1,    0,    0,    0,    0),
    Tlp.AMBER:           (1,    1,    1,    1,    0,    0,    0,    0),
    Tlp.AMBER_STRICT:    (1,    1,    1,    0,    0,    0,    0,    0),
    Tlp.RED:             (1,    0,    0,    0,    1,    0,    0,    0),
}


@pytest.mark.parametrize("tlp", list(Tlp))
@pytest.mark.parametrize("who", list(VIEWERS))
def test_truth_table(tlp: Tlp, who: str) -> None:
    expected = EXPECTED[tlp][list(VIEWERS).index(who)]
    assert visible(VIEWERS[who], _marking(tlp)) is bool(expected)


@pytest.mark.parametrize("who", list(VIEWERS))
def test_green_without_named_communities_reaches_the_node_community(who: str) -> None:
    reaches = who not in ("outside node community",) or who in ("author", "same org")
    assert visible(VIEWERS[who], _marking(Tlp.GREEN, communities=False)) is reaches
