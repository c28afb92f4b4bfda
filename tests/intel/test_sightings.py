"""Sightings and ageing, on SQLite and PostgreSQL: a sighting is read through the sharing
rule (an AMBER sighting only by its organisation and recipients); bad input names every
field; the value search shows sightings and first/last seen; confidence halves per
half-life, a `seen` sighting restarts it, a false positive or an expiry stops alerting,
and expired values stay searchable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType as T
from rcsc.core.tlp import Tlp
from rcsc.core.verdicts import Sighting, SightingKind
from rcsc.errors import ValidationFailed
from rcsc.intel import ageing, correlate, index, sightings
from rcsc.intel.sightings import SightingInput
from rcsc.storage import Database
from tests.conftest import World
from tests.intel.test_correlate import _file, _refs, _who
from tests.web.api_support import audit_entries

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
VALUE = IndexedValue(T.IPV4, "5.188.10.44")


def _sight(db: Database, user_id: object, **given: object) -> Sighting:
    with db.transaction() as uow:
        return sightings.add(uow, _who(uow, user_id),  # type: ignore[arg-type]
                             SightingInput(**given))  # type: ignore[arg-type]


def _seen_by(db: Database, user_id: object) -> list[Sighting]:
    with db.transaction() as uow:
        return sightings.visible(uow, _who(uow, user_id), values=[VALUE])  # type: ignore[arg-type]


def test_a_sighting_is_read_through_the_sharing_rule(db: Database, world: World) -> None:
    amber = _sight(db, world.ua_analyst.id, kind="seen", value="5.188.10[.]44", count=3,
                   tlp="amber")
    green = _sight(db, world.ua_analyst.id, kind="false-positive", value="5.188.10.44",
                   tlp="green")
    addressed = _sight(db, world.ua_analyst.id, kind="seen", value="5.188.10.44",
                       tlp="amber", recipient_org_ids=[str(world.lt_org)])
    assert {s.id for s in _seen_by(db, world.ua_analyst.id)} == {amber.id, green.id,
                                                                 addressed.id}
    assert {s.id for s in _seen_by(db, world.analyst.id)} == {green.id, addressed.id}
    assert amber.value == VALUE and amber.count == 3 and amber.owner_org_id == world.ua_org


def test_restricted_sightings_are_audited_when_read(db: Database, world: World) -> None:
    strict = _sight(db, world.ua_analyst.id, kind="seen", value="5.188.10.44",
                    tlp="amber+strict")
    _seen_by(db, world.ua_analyst.id)
    reads = [e for e in audit_entries(db, action="intel.read") if e.object_type == "sighting"]
    assert len(reads) == 1 and reads[0].detail["ids"] == [str(strict.id)]


def test_bad_sightings_name_every_field(db: Database, world: World) -> None:
    with pytest.raises(ValidationFailed) as bad:
        _sight(db, world.analyst.id, kind="maybe", value="not a value", count=0, tlp="pink",
               first_seen="2026-11-02T00:00:00+00:00", last_seen="2026-11-01T00:00:00+00:00")
    assert {e.field for e in bad.value.errors} == {"kind", "value", "count", "tlp",
                                                   "last_seen"}
    with pytest.raises(ValidationFailed) as neither:
        _sight(db, world.analyst.id, kind="seen")
    assert {e.field for e in neither.value.errors} == {"value"}
    with pytest.raises(ValidationFailed) as both:
        _sight(db, world.analyst.id, kind="seen", value="5.1.1.1", stix_id="indicator--x")
    assert {e.field for e in both.value.errors} == {"value"}


def test_the_value_search_shows_sightings_and_first_last_seen(db: Database,
                                                              world: World) -> None:
    lt = _file(db, world.analyst.id, "green", ("ipv4", "5.188.10.44"))
    _sight(db, world.ua_analyst.id, kind="seen", value="5.188.10.44", count=4, tlp="green",
           first_seen="2026-10-01T00:00:00+00:00", last_seen="2026-10-03T00:00:00+00:00")
    _sight(db, world.ua_analyst.id, kind="seen", value="5.188.10.44", count=9, tlp="amber")
    index.catch_up(db)
    with db.transaction() as uow:
        found = correlate.lookup(uow, _who(uow, world.analyst.id), ["5.188.10[.]44"])
    assert _refs(found.correlation) == {str(lt)}
    (report,) = found.reports
    assert report.sightings.counts[SightingKind.SEEN] == 4  # not the AMBER 9
    assert report.first_seen == datetime(2026, 10, 1, tzinfo=UTC)
    assert report.last_seen is not None and report.last_seen > report.first_seen
    assert report.items == 1 and report.benign == [] and not report.over_correlating


# --- ageing (pure) ---------------------------------------------------------------------------

def _life(kind: T | None = T.IPV4, until: datetime | None = None) -> ageing.Lifetime:
    return ageing.Lifetime(kind=kind, confidence=80, valid_from=T0, valid_until=until)


def _s(kind: SightingKind, days: float) -> Sighting:
    at = T0 + timedelta(days=days)
    return Sighting(id=uuid.uuid4(), kind=kind, value=VALUE, stix_id=None,
                    count=1, first_seen=at, last_seen=at, tlp=Tlp.GREEN,
                    owner_org_id=uuid.uuid4(), author_id=None, created_at=at)


@pytest.mark.parametrize(("kind", "days", "expected"), [
    (T.IPV4, 30, 40.0), (T.IPV4, 60, 20.0), (T.DOMAIN, 90, 40.0), (T.SHA256, 365, 40.0),
    (T.CVE, 3650, 80.0), (None, 90, 40.0),
])
def test_confidence_halves_per_half_life(kind: T | None, days: int, expected: float) -> None:
    at = T0 + timedelta(days=days)
    assert ageing.confidence_at(_life(kind), None, at) == pytest.approx(expected)


def test_a_seen_sighting_restarts_the_decay() -> None:
    at = T0 + timedelta(days=70)
    assert ageing.assess(_life(), [], at).status is ageing.Status.DECAYED
    fresh = ageing.assess(_life(), [_s(SightingKind.SEEN, 60)], at)
    assert fresh.status is ageing.Status.ACTIVE and fresh.confidence == pytest.approx(
        80 * 0.5 ** (10 / 30))
    assert not ageing.still_alerts(_life(), [_s(SightingKind.SEEN, 80)], at)  # future


@pytest.mark.parametrize(("found", "until", "status"), [
    ([_s(SightingKind.FALSE_POSITIVE, 2)], None, ageing.Status.FALSE_POSITIVE),
    ([_s(SightingKind.FALSE_POSITIVE, 2), _s(SightingKind.SEEN, 3)], None,
     ageing.Status.ACTIVE),
    ([_s(SightingKind.EXPIRED, 2)], None, ageing.Status.EXPIRED),
    ([], T0 + timedelta(days=4), ageing.Status.EXPIRED),
    ([], T0 + timedelta(days=6), ageing.Status.ACTIVE),
])
def test_false_positives_and_expiry_stop_alerting(found: list[Sighting], until: datetime | None,
                                                  status: ageing.Status) -> None:
    assessed = ageing.assess(_life(until=until), found, T0 + timedelta(days=5))
    assert assessed.status is status and assessed.alerts == (status is ageing.Status.ACTIVE)


def test_lifetime_of_a_stix_indicator() -> None:
    body = {"type": "indicator", "spec_version": "2.1", "id": "indicator--1",
            "pattern": "[ipv4-addr:value = '5.188.10.44']", "pattern_type": "stix",
            "valid_from": "2026-11-01T12:00:00Z", "valid_until": "2026-12-01T12:00:00.000Z",
            "confidence": 90}
    life = ageing.lifetime_of(body, T0 + timedelta(days=3))
    assert life == ageing.Lifetime(T.IPV4, 90, T0, T0 + timedelta(days=30))
    assert ageing.lifetime_of(b'{"type": "note"}', T0) == ageing.Lifetime(None, 50, T0, None)


def test_expired_values_alert_no_more_but_stay_searchable(db: Database,
                                                          world: World) -> None:
    lt = _file(db, world.analyst.id, "green", ("ipv4", "5.188.10.44"))
    _sight(db, world.analyst.id, kind="expired", value="5.188.10.44", tlp="green")
    index.catch_up(db)
    with db.transaction() as uow:
        actor = _who(uow, world.ua_analyst.id)
        life = ageing.Lifetime(T.IPV4, 80, uow.clock.now() - timedelta(days=1))
        assert not ageing.alerts_now(uow, actor, VALUE, None, life)
        assert ageing.alerts_now(uow, _who(uow, world.admin.id),
                                 IndexedValue(T.IPV4, "5.188.10.45"), None, life)
        found = correlate.lookup(uow, actor, ["5.188.10.44"])
    assert _refs(found.correlation) == {str(lt)}
    assert found.reports[0].sightings.counts[SightingKind.EXPIRED] == 1
