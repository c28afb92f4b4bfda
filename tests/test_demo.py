"""`rcsc demo` on both databases: a year of the region's incidents that looks like one —
600 of them, a rise in the last three months, every TLP level, cross-border incidents,
indicators two countries share, NIS2 reports filed and some overdue."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from rcsc import demo
from rcsc.accounts import bootstrap
from rcsc.accounts.auth import principal_for
from rcsc.core.clock import FrozenClock
from rcsc.core.identity import ActorType, Principal, Role
from rcsc.core.tlp import Tlp
from rcsc.demo.plan import CERTS, MONTHLY, plan_year
from rcsc.incidents import service
from rcsc.storage import Database, migrate
from rcsc.storage.tables import (
    IncidentCountryRow,
    IncidentRecipientRow,
    IncidentRow,
    ObservableRow,
    OrganisationRow,
)
from tests.conftest import BACKENDS
from tests.pg_scratch import scratch_database


@dataclass
class Loaded:
    db: Database
    now: datetime
    incidents: list[IncidentRow]
    people: dict[str, Principal]  # analysts by CERT key, and "coordinator"


@pytest.fixture(scope="module", params=BACKENDS)
def demo_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            sqlite_template: Path) -> Iterator[Database]:
    """A database of this module's own, loaded once per backend: the tests only read."""
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("demo") / "rcsc.sqlite3"
        shutil.copy(sqlite_template, target)
        urls: Iterator[str] = iter([f"sqlite:///{target}"])
    else:
        urls = scratch_database("demo")
    url = next(urls)
    db = Database(url, clock=FrozenClock())
    if db.dialect == "postgresql":
        migrate.upgrade(db.engine)
    yield db
    db.dispose()
    next(urls, None)  # drops the scratch database


@pytest.fixture(scope="module")
def loaded(demo_db: Database) -> Loaded:
    db = demo_db
    with db.transaction() as uow:
        bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                             admin_email="admin@rcsc.example")
        demo.load(uow)
        now = uow.clock.now()
        people = {}
        for user in uow.users.list():
            key = "coordinator" if Role.COORDINATOR in user.roles else user.email.split("@")[1]
            people[key.removesuffix(".example")] = principal_for(user, via=ActorType.USER)
    with db.engine.connect() as conn:
        rows = list(conn.execute(select(IncidentRow)).all())
    return Loaded(db, now, rows, people)  # type: ignore[arg-type]


def _select(db: Database, query: object) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query).all()]  # type: ignore[call-overload]


def test_a_year_of_incidents_rising_in_the_last_three_months(loaded: Loaded) -> None:
    assert len(loaded.incidents) == sum(MONTHLY) == 600
    ages = [loaded.now - r.created_at for r in loaded.incidents]
    assert max(ages) <= timedelta(days=365) and min(ages) > timedelta(0)
    last = sum(age < timedelta(days=91) for age in ages)
    before = sum(timedelta(days=91) <= age < timedelta(days=182) for age in ages)
    first_half = sum(age >= timedelta(days=182) for age in ages) / 2
    assert last > 1.8 * before and before < 1.3 * first_half  # a rise, after a steady pace


def test_every_tlp_level_class_and_member_country_is_there(loaded: Loaded) -> None:
    tlps = Counter(r.tlp for r in loaded.incidents)
    assert set(tlps) == {t.value for t in Tlp} and min(tlps.values()) >= 20
    assert len({r.rsit_class for r in loaded.incidents}) >= 8
    assert len({r.sector for r in loaded.incidents if r.sector}) >= 10
    owners = _select(loaded.db, select(OrganisationRow.country).join(
        IncidentRow, IncidentRow.owner_org_id == OrganisationRow.id).distinct())
    assert {c for (c,) in owners} == set(CERTS.values())


def test_recipients_of_every_kind(loaded: Loaded) -> None:
    kinds = Counter((tlp, kind) for tlp, kind in _select(loaded.db, select(
        IncidentRow.tlp, IncidentRecipientRow.kind).join(
        IncidentRecipientRow, IncidentRecipientRow.incident_id == IncidentRow.id)))
    assert kinds[("amber", "org")] > 50 and kinds[("amber+strict", "org")] > 20
    assert kinds[("red", "user")] > 20 and kinds[("green", "community")] > 10
    assert not any(tlp == "clear" for tlp, _ in kinds)


def test_cross_border_incidents(loaded: Loaded) -> None:
    countries: dict[object, set[object]] = defaultdict(set)
    for incident_id, country in _select(loaded.db, select(IncidentCountryRow.incident_id,
                                                          IncidentCountryRow.country)):
        countries[incident_id].add(country)
    crossing = [r for r in loaded.incidents if len(countries[r.id]) > 1]
    assert len(crossing) >= 60
    assert all(r.cross_border for r in crossing)


def test_two_countries_report_the_same_indicators(loaded: Loaded) -> None:
    reporters: dict[tuple[object, object], set[object]] = defaultdict(set)
    for kind, value, country in _select(loaded.db, select(
            ObservableRow.type, ObservableRow.value, OrganisationRow.country)
            .join(IncidentRow, IncidentRow.id == ObservableRow.incident_id)
            .join(OrganisationRow, OrganisationRow.id == IncidentRow.owner_org_id)):
        reporters[(kind, value)].add(country)
    shared = {key for key, seen in reporters.items() if len(seen) >= 2}
    assert len(shared) >= 15
    assert {kind for kind, _ in shared} >= {"ipv4", "domain", "sha256"}
    documentation = ("192.0.2.", "198.51.100.", "203.0.113.", "2001:db8:")
    for kind, value in reporters:
        if kind in ("ipv4", "ipv6"):
            assert str(value).startswith(documentation), value
        if kind == "domain":
            assert str(value).endswith((".example", ".test")), value


def test_nis2_reports_filed_and_some_overdue(loaded: Loaded) -> None:
    overdue: list[str] = []
    with loaded.db.transaction() as uow:
        for key in CERTS:
            open_ones = service.deadlines(uow, loaded.people[key], own_org_only=True)
            overdue += [d.milestone.value for _, d in open_ones if d.overdue(loaded.now)]
        coordinator = service.deadlines(uow, loaded.people["coordinator"], own_org_only=False)
        filed = [i for key in CERTS for i in service.search(
            uow, loaded.people[key], service.IncidentQuery(aware_known=True,
                                                           owner_org_id=loaded.people[key].org_id),
            service.Page(limit=500))]
    assert len(filed) >= 100  # significant incidents: the NIS2 clock runs
    assert sum(len(i.submissions) for i in filed) >= 2 * len(filed)  # most reports are in
    assert len(overdue) >= 10 and len(set(overdue)) == 3  # each kind of report is missed
    assert coordinator, "the centre sees the overdue reports shared with it"


def test_partners_see_a_share_of_the_picture(loaded: Loaded) -> None:
    with loaded.db.transaction() as uow:
        for key in ("cert-ua", "cert-lt", "coordinator"):
            seen = service.count(uow, loaded.people[key], service.IncidentQuery())
            assert 100 < seen < 600, (key, seen)


def test_the_plan_is_the_same_for_the_same_load_time() -> None:
    now = datetime.fromisoformat("2026-11-23T09:00:00+00:00")
    assert plan_year(now) == plan_year(now)
    assert plan_year(now) != plan_year(now, seed=1)
