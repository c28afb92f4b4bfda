"""The demo world raises alerts and cross-border clusters as soon as it is indexed (what
`make run` shows at once): its campaigns' indicators are shared by UA, LT and PL incidents."""

from __future__ import annotations

from rcsc import demo
from rcsc.accounts import bootstrap
from rcsc.core.alerts import AlertKind
from rcsc.intel import alert_inbox, clusters, index
from rcsc.intel.alerts import AlertRules, after_index
from rcsc.storage import Database
from tests.intel.test_alerts import _who


def test_the_demo_has_cross_border_clusters_and_alerts(db: Database) -> None:
    with db.transaction() as uow:
        bootstrap.initialise(uow, node_name="RCSC Demo", node_country="LT",
                             admin_email="root@rcsc.example")
    with db.transaction() as uow:
        demo.load(uow)
    made: list[int] = []
    index.catch_up(db, on_batch=lambda pks: made.append(after_index(db, pks, AlertRules())))
    assert sum(made) > 20
    with db.transaction(readonly=True) as uow:
        coordinator = uow.users.get_by_email("coordinator@rcsc.example")
        assert coordinator is not None
        actor = _who(uow, coordinator.id)
        found = clusters.recent_clusters(uow, actor)
        inbox = alert_inbox.inbox(uow, actor, kind=AlertKind.CLUSTER).items
        ua = uow.users.get_by_email("analyst@cert-ua.example")
        assert ua is not None
        matches = alert_inbox.inbox(uow, _who(uow, ua.id), kind=AlertKind.MATCH).items
    assert len(found) >= 3 and any({"LT", "PL", "UA"} <= set(c.countries) for c in found)
    assert len(inbox) >= 3 and matches
