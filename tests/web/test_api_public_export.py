"""Anonymous export of TLP:CLEAR incidents: off unless the node enables it; on, it gives
exactly the real CLEAR incidents, without internal references, and is audited."""

from __future__ import annotations

import csv
import io
import uuid
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from rcsc.config import Settings
from rcsc.core.identity import ActorType
from rcsc.core.tlp import Tlp
from tests.incidents.sharing_world import SharingWorld, build_sharing_world, incident_body
from tests.web.api_support import assert_problem, audit_entries, row_counts

if TYPE_CHECKING:
    from rcsc.storage import Database

API = "/api/v1/incidents"
PUBLIC = "/api/v1/public/incidents/export"


@pytest.fixture
def sharing_world(db: Database) -> SharingWorld:
    return build_sharing_world(db)


def _client(settings: Settings, db: Database, enabled: bool) -> TestClient:
    from rcsc.web.app import create_app

    app = create_app(settings.model_copy(update={"anonymous_clear_export": enabled}), db=db)
    return TestClient(app, base_url="http://127.0.0.1")


def _file_every_level(client: TestClient, w: SharingWorld) -> dict[str, str]:
    made = {}
    for tlp in Tlp:
        body = incident_body(w, tlp, f"Public check {tlp.value}")
        response = client.post(API, json=body, headers=w.auth("author"))
        assert response.status_code == 201, response.text
        made[tlp.value] = response.json()["id"]
    drill = {**incident_body(w, Tlp.CLEAR, "Drill at clear"), "exercise_id": str(uuid.uuid4())}
    response = client.post(API, json=drill, headers=w.auth("author"))
    assert response.status_code == 201, response.text
    made["exercise"] = response.json()["id"]
    return made


def test_anonymous_export_is_404_unless_enabled(settings: Settings, db: Database,
                                                sharing_world: SharingWorld) -> None:
    with _client(settings, db, enabled=False) as client:
        _file_every_level(client, sharing_world)
        before = row_counts(db)
        for fmt in ("csv", "json"):
            assert_problem(client.get(PUBLIC, params={"format": fmt}), 404)
        assert row_counts(db) == before  # not even an audit row for a route that is off


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_enabled_export_gives_real_clear_incidents_only(
    settings: Settings, db: Database, sharing_world: SharingWorld, fmt: str
) -> None:
    with _client(settings, db, enabled=True) as client:
        made = _file_every_level(client, sharing_world)
        response = client.get(PUBLIC, params={"format": fmt})
    assert response.status_code == 200, response.text
    text = response.text
    rows = response.json() if fmt == "json" else list(csv.DictReader(io.StringIO(text)))
    assert [row["id"] for row in rows] == [made["clear"]]
    assert not {"author_id", "recipient_org_ids", "recipient_user_ids", "exercise_id"} & set(
        rows[0])
    entries = audit_entries(db, action="incident.export")
    assert entries[-1].actor_type is ActorType.ANONYMOUS
    assert entries[-1].detail["count"] == 1 and entries[-1].detail["anonymous"] is True


def test_public_export_honours_filters_and_refuses_bad_format(
    settings: Settings, db: Database, sharing_world: SharingWorld
) -> None:
    with _client(settings, db, enabled=True) as client:
        _file_every_level(client, sharing_world)
        asked_amber = client.get(PUBLIC, params={"format": "json", "tlp": "amber"})
        assert asked_amber.status_code == 200 and asked_amber.json() == []
        assert_problem(client.get(PUBLIC, params={"format": "xml"}), 422)
