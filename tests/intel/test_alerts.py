"""Alerts raised after indexing, on SQLite and PostgreSQL: the same value in a UA and an LT
incident alerts both organisations (once, however often the indexer runs); an organisation
that may see only one side gets nothing and learns nothing; a warninglisted value never
alerts; a cross-border cluster reaches the coordinators that may see it, once per value
and window; `recent_clusters` shows a viewer only clusters of items it may see."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from rcsc.accounts.auth import principal_for
from rcsc.core.alerts import Alert, AlertKind
from rcsc.core.clock import FrozenClock
from rcsc.core.identity import ActorType, Principal
from rcsc.incidents import observables, service
from rcsc.intel import alert_inbox, clusters, index
from rcsc.intel.alerts import AlertRules, after_index
from rcsc.storage import Database, UnitOfWork
from tests.conftest import World, _account

RULES = AlertRules(correlation_limit=100, cluster_window_days=7)


def _who(uow: UnitOfWork, user_id: uuid.UUID) -> Principal:
    user = uow.users.get(user_id)
    assert user is not None
    return principal_for(user, via=ActorType.USER)


def file_incident(db: Database, user_id: uuid.UUID, tlp: str, *values: tuple[str, str],
                  **extra: Any) -> uuid.UUID:
    with db.transaction() as uow:
        author = _who(uow, user_id)
        incident = service.create(uow, author, {
            "title": f"Incident {uuid.uuid4().hex[:6]}", "rsit_class": "intrusions",
            "rsit_type": "system-compromise", "severity": "high", "tlp": tlp, **extra})
        for kind, value in values:
            observables.add(uow, author, incident.id, type=kind, value=value)
        return incident.id


def index_and_alert(db: Database, rules: AlertRules = RULES) -> int:
    made: list[int] = []
    index.catch_up(db, on_batch=lambda pks: made.append(after_index(db, pks, rules)))
    return sum(made)


def inbox(db: Database, user_id: uuid.UUID) -> list[Alert]:
    with db.transaction(readonly=True) as uow:
        return alert_inbox.inbox(uow, _who(uow, user_id)).items


def test_same_value_in_ua_and_lt_incidents_alerts_both_orgs_once(db: Database,
                                                                 world: World) -> None:
    lt = file_incident(db, world.analyst.id, "green", ("ipv4", "45.137.21.9"))
    index_and_alert(db)
    ua = file_incident(db, world.ua_analyst.id, "green", ("ipv4", "45.137.21.9"),
                       ("domain", "only-ua.example"))
    assert index_and_alert(db) == 2
    (to_lt,) = inbox(db, world.analyst.id)
    (to_ua,) = inbox(db, world.ua_analyst.id)
    assert to_lt.kind is AlertKind.MATCH and to_lt.value.value == "45.137.21.9"
    assert to_lt.detail["other"]["ref"] == str(ua) and to_lt.detail["own"]["ref"] == str(lt)
    assert to_lt.detail["other"]["country"] == "UA"
    assert to_ua.detail["other"]["ref"] == str(lt) and to_ua.org_id == world.ua_org
    assert inbox(db, world.viewer.id) == [to_lt]  # the organisation's, for all its users
    with db.transaction(readonly=True) as uow:  # run again over every object: no duplicate
        pks = list(uow.session.execute(text("SELECT pk FROM stix_objects")).scalars())
    assert after_index(db, pks, RULES) == 0
    assert len(inbox(db, world.analyst.id)) == 1


def test_an_org_that_may_see_only_one_side_gets_nothing(db: Database, world: World) -> None:
    file_incident(db, world.analyst.id, "green", ("sha256", "ab" * 32))
    file_incident(db, world.ua_analyst.id, "amber", ("sha256", "ab" * 32))  # UA only
    assert index_and_alert(db) == 0
    assert inbox(db, world.analyst.id) == [] and inbox(db, world.ua_analyst.id) == []


def test_an_amber_recipient_and_the_owner_are_both_alerted(db: Database,
                                                           world: World) -> None:
    file_incident(db, world.analyst.id, "green", ("domain", "shared-c2.example"))
    file_incident(db, world.ua_analyst.id, "amber", ("domain", "shared-c2.example"),
                  recipient_org_ids=[str(world.lt_org)])
    assert index_and_alert(db) == 2


def test_a_warninglisted_value_never_alerts(db: Database, world: World) -> None:
    file_incident(db, world.analyst.id, "green", ("ipv4", "8.8.8.8"))
    file_incident(db, world.ua_analyst.id, "green", ("ipv4", "8.8.8.8"))
    assert index_and_alert(db) == 0
    assert inbox(db, world.analyst.id) == []


def test_an_over_correlating_value_never_alerts(db: Database, world: World) -> None:
    for user in (world.analyst.id, world.ua_analyst.id, world.ua_analyst.id):
        file_incident(db, user, "green", ("ipv4", "91.214.124.31"))
    assert index_and_alert(db, AlertRules(correlation_limit=2)) == 0


def test_cross_border_cluster_reaches_the_coordinator_once(db: Database, world: World,
                                                           clock: FrozenClock) -> None:
    coordinator = _account(db, "coord@rcsc.example", world.node_org, ["coordinator"])
    file_incident(db, world.analyst.id, "green", ("domain", "c2.cluster.example"))
    file_incident(db, world.ua_analyst.id, "green", ("domain", "c2.cluster.example"))
    index_and_alert(db)
    (cluster,) = [a for a in inbox(db, coordinator.id) if a.kind is AlertKind.CLUSTER]
    assert cluster.user_id == coordinator.id and cluster.value.value == "c2.cluster.example"
    assert cluster.detail["countries"] == ["LT", "UA"] and cluster.detail["items"] == 2
    assert [a for a in inbox(db, world.analyst.id) if a.kind is AlertKind.CLUSTER] == []
    clock.advance(hours=1)  # a third item in the same window: no second cluster alert
    file_incident(db, world.ua_analyst.id, "green", ("domain", "c2.cluster.example"))
    index_and_alert(db)
    assert len([a for a in inbox(db, coordinator.id) if a.kind is AlertKind.CLUSTER]) == 1
    with db.transaction(readonly=True) as uow:
        (seen,) = clusters.recent_clusters(uow, _who(uow, coordinator.id))
    assert seen.countries == ("LT", "UA") and seen.items == 3


def test_a_cluster_of_items_the_coordinator_may_not_see_is_not_told(db: Database,
                                                                     world: World) -> None:
    coordinator = _account(db, "coord@rcsc.example", world.node_org, ["coordinator"])
    file_incident(db, world.analyst.id, "amber", ("domain", "hidden.cluster.example"))
    file_incident(db, world.ua_analyst.id, "amber", ("domain", "hidden.cluster.example"))
    index_and_alert(db)
    assert inbox(db, coordinator.id) == []
    with db.transaction(readonly=True) as uow:
        assert clusters.recent_clusters(uow, _who(uow, coordinator.id)) == []
        assert clusters.recent_clusters(uow, _who(uow, world.analyst.id)) == []


def test_a_value_marked_false_positive_stops_alerting_its_marker(db: Database,
                                                                  world: World) -> None:
    from rcsc.intel import sightings

    with db.transaction() as uow:
        sightings.add(uow, _who(uow, world.analyst.id), sightings.SightingInput(
            kind="false-positive", value="fp-candidate.example", tlp="amber"))
    file_incident(db, world.analyst.id, "green", ("domain", "fp-candidate.example"))
    file_incident(db, world.ua_analyst.id, "green", ("domain", "fp-candidate.example"))
    assert index_and_alert(db) == 1  # UA still learns of it; LT said it is benign
    assert inbox(db, world.analyst.id) == [] and len(inbox(db, world.ua_analyst.id)) == 1


def test_the_indexer_of_a_serving_process_raises_alerts_after_its_commit(
        db: Database, world: World) -> None:
    from rcsc.intel.worker import Indexer

    file_incident(db, world.analyst.id, "green", ("domain", "worker.alerts.example"))
    file_incident(db, world.ua_analyst.id, "green", ("domain", "worker.alerts.example"))
    assert Indexer(db, 0).round() > 0 and inbox(db, world.analyst.id) == []  # no rules
    file_incident(db, world.ua_analyst.id, "green", ("domain", "worker.alerts.example"))
    assert Indexer(db, 0, RULES).round() > 0
    assert [a.value.value for a in inbox(db, world.analyst.id)] == ["worker.alerts.example"]


def test_rcsc_intel_index_raises_the_alerts_too(db: Database, world: World,
                                                monkeypatch: Any, tmp_path: Any) -> None:
    """Without `rcsc serve` (RCSC_INTEL_INDEX_SECONDS=0), indexing from the command line
    alerts as the serving process's indexer would."""
    from typer.testing import CliRunner

    from rcsc.cli.main import app

    file_incident(db, world.analyst.id, "green", ("ipv4", "45.137.21.9"))
    file_incident(db, world.ua_analyst.id, "green", ("ipv4", "45.137.21.9"))
    monkeypatch.setenv("RCSC_DATABASE_URL", db.url)
    monkeypatch.setenv("RCSC_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["intel", "index"])
    assert result.exit_code == 0, result.output
    assert "2 new alerts" in result.output
    assert len(inbox(db, world.analyst.id)) == 1 and len(inbox(db, world.ua_analyst.id)) == 1
