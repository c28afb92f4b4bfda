"""Every read path of incidents against the TLP truth table, on SQLite and PostgreSQL:
detail, list, free-text search, counts and facets must agree with the rule exactly."""

from __future__ import annotations

import uuid

import pytest

from rcsc.core.identity import Principal
from rcsc.core.tlp import Tlp
from rcsc.errors import NotFound
from rcsc.incidents import service
from rcsc.storage import Database
from rcsc.storage.repos.incidents import IncidentQuery, Page
from tests.incidents.sharing_world import (
    EXPECTED,
    VIEWERS,
    SharingWorld,
    build_sharing_world,
)
from tests.incidents.sharing_world import file_incident as _file


@pytest.fixture
def sharing_world(db: Database) -> SharingWorld:
    return build_sharing_world(db)


def _sees_detail(db: Database, who: Principal, incident_id: uuid.UUID) -> bool:
    try:
        with db.transaction() as uow:
            service.get(uow, who, incident_id)
        return True
    except NotFound:
        return False


@pytest.mark.parametrize("tlp", list(Tlp))
def test_every_read_path_follows_the_truth_table(
    db: Database, sharing_world: SharingWorld, tlp: Tlp
) -> None:
    incident_id = _file(db, sharing_world, tlp, f"Kaunas {tlp.value} incident")
    _file(db, sharing_world, Tlp.RED, "unrelated red")  # never visible to most; never counted
    for who, expected in zip(VIEWERS, EXPECTED[tlp], strict=True):
        person = sharing_world.people[who]
        text = IncidentQuery(text=f"kaunas {tlp.value}")
        with db.transaction() as uow:
            listed = {i.id for i in service.search(uow, person, IncidentQuery(), Page())}
            found = {i.id for i in service.search(uow, person, text, Page())}
            counted = service.count(uow, person, text)
            facets = service.facets(uow, person, text)
        seen = (incident_id in listed, incident_id in found, counted == 1,
                facets["tlp"].get(tlp.value, 0) == 1, _sees_detail(db, person, incident_id))
        assert seen == (bool(expected),) * 5, f"{who} on {tlp.label}: {seen}"
        if not expected:
            assert counted == 0 and facets["tlp"] == {} or tlp.value not in facets["tlp"]


def test_green_without_named_communities_reaches_every_member(
    db: Database, sharing_world: SharingWorld
) -> None:
    with db.transaction() as uow:
        incident = service.create(uow, sharing_world.people["author"], {
            "title": "green for all", "rsit_class": "availability", "rsit_type": "ddos",
            "severity": "medium", "tlp": "green"})
    for who in VIEWERS:
        assert _sees_detail(db, sharing_world.people[who], incident.id), who
