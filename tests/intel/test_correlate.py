"""Correlation through the index, on SQLite and PostgreSQL: the same value in a UA and an LT
incident correlates both ways; a match is invisible to an organisation that may see only one
side; CIDR containment both ways for IPv4 and IPv6; defanged input matches; over-correlating
values are named, not expanded; the indexer is idempotent and follows deletions."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from rcsc.accounts.auth import principal_for
from rcsc.core.identity import ActorType, Principal
from rcsc.core.intel import detect
from rcsc.errors import PermissionDenied
from rcsc.incidents import observables, service
from rcsc.intel import correlate, index
from rcsc.storage import Database, UnitOfWork
from tests.conftest import World


def _who(uow: UnitOfWork, user_id: uuid.UUID) -> Principal:
    user = uow.users.get(user_id)
    assert user is not None
    return principal_for(user, via=ActorType.USER)


def _file(db: Database, user_id: uuid.UUID, tlp: str, *values: tuple[str, str],
          **extra: Any) -> uuid.UUID:
    with db.transaction() as uow:
        author = _who(uow, user_id)
        incident = service.create(uow, author, {
            "title": f"Incident {uuid.uuid4().hex[:6]}", "rsit_class": "intrusions",
            "rsit_type": "system-compromise", "severity": "high", "tlp": tlp, **extra})
        for kind, value in values:
            observables.add(uow, author, incident.id, type=kind, value=value)
        return incident.id


def _related(db: Database, user_id: uuid.UUID, incident_id: uuid.UUID) -> correlate.Correlation:
    index.catch_up(db)
    with db.transaction() as uow:
        return correlate.for_incident(uow, _who(uow, user_id), incident_id)


def _refs(found: correlate.Correlation) -> set[str]:
    return {item.ref for item in found.related}


def test_same_value_in_ua_and_lt_incidents_correlates_both_ways(db: Database,
                                                               world: World) -> None:
    lt = _file(db, world.analyst.id, "green", ("ipv4", "5.188.10.77"))
    ua = _file(db, world.ua_analyst.id, "green", ("ipv4", "5.188.10.77"),
               ("domain", "only-ua.example"))
    from_lt = _related(db, world.analyst.id, lt)
    from_ua = _related(db, world.ua_analyst.id, ua)
    assert _refs(from_lt) == {str(ua)} and _refs(from_ua) == {str(lt)}
    (item,) = from_lt.related
    assert item.kind == "incident" and item.owner_org_id == world.ua_org
    assert {(a.value, f.value) for a, f in item.shared} == {("5.188.10.77",
                                                            "5.188.10.77")}


def test_a_match_is_invisible_to_an_organisation_that_sees_one_side(db: Database,
                                                                   world: World) -> None:
    lt = _file(db, world.analyst.id, "green", ("sha256", "ab" * 32))
    ua = _file(db, world.ua_analyst.id, "amber", ("sha256", "ab" * 32))  # UA only
    assert _refs(_related(db, world.analyst.id, lt)) == set()
    assert _refs(_related(db, world.viewer.id, lt)) == set()
    assert _refs(_related(db, world.ua_analyst.id, ua)) == {str(lt)}
    with db.transaction() as uow:  # nor by asking for the value itself
        found = correlate.lookup(uow, _who(uow, world.analyst.id), ["ab" * 32])
    assert _refs(found.correlation) == {str(lt)}


def test_an_amber_recipient_sees_the_match(db: Database, world: World) -> None:
    lt = _file(db, world.analyst.id, "green", ("domain", "shared-c2.example"))
    ua = _file(db, world.ua_analyst.id, "amber", ("domain", "shared-c2.example"),
               recipient_org_ids=[str(world.lt_org)])
    assert _refs(_related(db, world.analyst.id, lt)) == {str(ua)}


@pytest.mark.parametrize(("address", "network"), [
    ("5.188.30.40", "5.188.0.0/16"), ("2a0d:5600:aa::5", "2a0d:5600:aa::/48")])
def test_cidr_containment_both_ways(db: Database, world: World, address: str,
                                    network: str) -> None:
    kind = "ipv6" if ":" in address else "ipv4"
    single = _file(db, world.analyst.id, "green", (kind, address))
    ranged = _file(db, world.ua_analyst.id, "green", (kind, network))
    elsewhere = _file(db, world.ua_analyst.id, "green",
                      (kind, "5.99.0.1" if kind == "ipv4" else "2a0d:5600:bb::1"))
    assert _refs(_related(db, world.analyst.id, single)) == {str(ranged)}
    assert _refs(_related(db, world.ua_analyst.id, ranged)) == {str(single)}
    assert _refs(_related(db, world.ua_analyst.id, elsewhere)) == set()


def test_defanged_input_matches_the_refanged_value(db: Database, world: World) -> None:
    lt = _file(db, world.analyst.id, "green", ("url", "http://evil.example/payload"),
               ("domain", "evil.example"))
    with db.transaction() as uow:
        index.catch_up(db)
    with db.transaction() as uow:
        found = correlate.lookup(uow, _who(uow, world.ua_analyst.id),
                                 ["hxxp://evil[.]example/payload", "evil[.]example",
                                  "not a value at all"])
    assert _refs(found.correlation) == {str(lt)}
    assert {v.value for v in found.values} == {"http://evil.example/payload", "evil.example"}
    assert found.unrecognised == ["not a value at all"]


def test_over_correlating_values_are_named_not_expanded(db: Database, world: World) -> None:
    hot, cool = ("ipv4", "5.188.11.200"), ("domain", "rare.example")
    first = _file(db, world.analyst.id, "green", hot, cool)
    for _ in range(3):
        _file(db, world.ua_analyst.id, "green", hot)
    other = _file(db, world.ua_analyst.id, "green", cool)
    index.catch_up(db)
    with db.transaction() as uow:
        found = correlate.for_incident(uow, _who(uow, world.analyst.id), first, limit=2)
    assert [v.value for v in found.over_correlating] == ["5.188.11.200"]
    assert _refs(found) == {str(other)}


def test_spread_with_a_limit_puts_each_value_on_the_same_side_of_it(db: Database,
                                                                   world: World) -> None:
    """`spread(keys, limit)` counts postings first and items only above the limit: each
    value lands on the same side of the limit as its exact item count, and above it the
    count is exact (an incident publishes the address in more than one object)."""
    hot, cool = ("ipv4", "5.188.11.201"), ("domain", "rare2.example")
    _file(db, world.analyst.id, "green", hot, cool)
    for _ in range(3):
        _file(db, world.ua_analyst.id, "green", hot)
    _file(db, world.ua_analyst.id, "amber", cool)
    index.catch_up(db)
    keys = [v.key for v in (detect(hot[1]), detect(cool[1]), detect("absent.example"))
            if v is not None]
    with db.transaction(readonly=True) as uow:
        exact = uow.intel.spread(keys)
        assert exact.get(keys[0]) == 4 and exact.get(keys[1]) == 2 and keys[2] not in exact
        assert uow.intel.spread(keys, 0) == exact  # every key above the limit: all exact
        postings = uow.intel.spread(keys, 1_000)  # none above: the posting counts
        assert postings[keys[0]] > exact[keys[0]]  # more postings than items: exercised
        for limit in range(8):
            bounded = uow.intel.spread(keys, limit)
            for key in keys:
                assert (bounded.get(key, 0) > limit) == (exact.get(key, 0) > limit)
                if exact.get(key, 0) > limit:
                    assert bounded[key] == exact[key]
                else:
                    assert bounded.get(key, 0) >= exact.get(key, 0)


def test_indexing_twice_adds_nothing_and_deleted_objects_leave_the_index(
    db: Database, world: World
) -> None:
    lt = _file(db, world.analyst.id, "green", ("ipv4", "5.188.10.78"))
    ua = _file(db, world.ua_analyst.id, "green", ("ipv4", "5.188.10.78"))
    index.catch_up(db)
    with db.transaction(readonly=True) as uow:
        postings = uow.intel.posting_count()
    assert postings > 0 and index.catch_up(db) == 0
    with db.transaction(readonly=True) as uow:
        assert uow.intel.posting_count() == postings
    with db.transaction() as uow:  # re-marking RED withdraws and republishes the objects
        author = _who(uow, world.ua_analyst.id)
        current = service.get(uow, author, ua)
        service.update(uow, author, ua, {"tlp": "red"}, current.version)
    assert _refs(_related(db, world.analyst.id, lt)) == set()
    with db.transaction(readonly=True) as uow:
        assert uow.intel.posting_count() == postings  # old rows gone, new ones indexed


def test_over_correlating_values_are_listed_for_node_admins(db: Database,
                                                            world: World) -> None:
    hot = ("domain", "everywhere.example")
    for _ in range(3):
        _file(db, world.ua_analyst.id, "amber", hot)  # the admin may see none of them
    _file(db, world.analyst.id, "green", hot, ("domain", "once.example"))
    index.catch_up(db)
    with db.transaction() as uow:
        listed = correlate.over_correlating(uow, _who(uow, world.admin.id), limit=2)
        assert [(v.value, n) for v, n in listed] == [("everywhere.example", 4)]
        with pytest.raises(PermissionDenied):
            correlate.over_correlating(uow, _who(uow, world.analyst.id), limit=2)


@pytest.mark.parametrize(("wide", "narrow", "address", "outside"), [
    ("5.188.0.0/16", "5.188.30.0/24", "5.188.30.40", "5.189.0.1"),
    ("2a0d:5600::/32", "2a0d:5600:aa::/48", "2a0d:5600:aa::5", "2a0d:5601::1"),
])
def test_lookups_match_ranges_both_ways_and_ranges_inside_ranges(
    db: Database, world: World, wide: str, narrow: str, address: str, outside: str
) -> None:
    kind = "ipv6" if ":" in address else "ipv4"
    made = {v: _file(db, world.ua_analyst.id, "green", (kind, v))
            for v in (wide, narrow, address, outside)}
    index.catch_up(db)

    def found(value: str) -> set[str]:
        with db.transaction() as uow:
            return _refs(correlate.lookup(uow, _who(uow, world.analyst.id),
                                          [value]).correlation)

    assert found(wide) == {str(made[v]) for v in (wide, narrow, address)}
    assert found(narrow) == {str(made[v]) for v in (wide, narrow, address)}
    assert found(address) == {str(made[v]) for v in (wide, narrow, address)}
    assert found(outside) == {str(made[outside])}
