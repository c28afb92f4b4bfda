"""The indexer thread of a serving app indexes what is written, after it commits, without
anyone calling it; stopping the app stops it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from rcsc.config import load_settings
from rcsc.storage import Database
from rcsc.web.app import create_app
from tests.conftest import World
from tests.processes import poll
from tests.web.incident_support import API, file


def test_the_serving_app_indexes_new_objects_by_itself(tmp_path: Path, db_url: str,
                                                        db: Database, world: World) -> None:
    settings = load_settings(data_dir=tmp_path / "data", database_url=db_url,
                             federation_scheduler=False, intel_index_seconds=0.05)
    with TestClient(create_app(settings, db=db), base_url="http://127.0.0.1") as client:
        incident = file(client, world.analyst)
        added = client.post(f"{API}/{incident['id']}/observables", headers=world.analyst.auth,
                            json={"type": "ipv4", "value": "198.51.100.201"})
        assert added.status_code == 201, added.text

        def indexed() -> bool:
            with db.transaction(readonly=True) as uow:
                return uow.intel.posting_count() > 0

        poll(indexed, 30, "the indexer thread to index the incident's objects")
        found = client.post("/api/v1/intel/lookup", headers=world.ua_analyst.auth,
                            json={"values": ["198.51.100.201"]}).json()
        assert [r["ref"] for r in found["related"]] == [incident["id"]]
