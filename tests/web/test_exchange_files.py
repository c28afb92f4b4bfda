"""The file import/export API on SQLite and PostgreSQL: an upload's report, 422 problem+json
naming each bad object or row when nothing could be stored, roles and scopes, the export
stream with the caller's sharing rule."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pymisp import MISPEvent

from rcsc.core.tlp import Tlp
from rcsc.storage import Database
from tests.conftest import World
from tests.exchange.files.support import DATA, bundle, stored
from tests.web.api_support import assert_problem, assert_validation_problem, audit_entries
from tests.web.taxii_support import indicator

IMPORTS = "/api/v1/exchange/imports"
EXPORT = "/api/v1/exchange/export"


def _upload(client: TestClient, token: str, name: str, data: bytes,
            **fields: str) -> Any:
    return client.post(IMPORTS, headers={"Authorization": f"Bearer {token}"},
                       files={"file": (name, data)}, data=fields)


def test_upload_reports_created_then_unchanged(client: TestClient, world: World) -> None:
    data = (DATA / "stix_bundle.json").read_bytes()
    first = _upload(client, world.analyst.token, "smokeloader.json", data)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["ok"] and body["totals"]["created"] == 12
    (report,) = body["files"]
    assert (report["file"], report["format"], report["collection"]) == (
        "smokeloader.json", "stix", "shared")
    again = _upload(client, world.analyst.token, "smokeloader.json", data).json()
    assert again["totals"] == {"created": 0, "updated": 0, "unchanged": 12, "rejected": 0}


def test_a_rejected_file_is_a_422_naming_each_bad_row_and_stores_nothing(
        client: TestClient, world: World, db: Database) -> None:
    data = (DATA / "values.csv").read_bytes() + b"ipv4,300.1.1.1,,,,,,\nmd5,abc,,,,,,\n"
    response = _upload(client, world.analyst.token, "iocs.csv", data)
    body = assert_validation_problem(response, "row 8", "row 9")
    assert body["detail"].startswith("the file was rejected and nothing was stored: row 8: "
                                     "value:")
    assert stored(db) == {}
    (entry,) = audit_entries(db, action="intel.import")
    assert entry.outcome.value == "failure"


def test_a_bundle_with_one_bad_object_names_it(client: TestClient, world: World,
                                               db: Database) -> None:
    bad = indicator("192.0.2.9", Tlp.GREEN, pattern="[ipv4-addr:value = ")
    response = _upload(client, world.analyst.token, "b.json",
                       bundle(indicator("192.0.2.8", Tlp.GREEN), bad))
    body = assert_validation_problem(response, bad["id"])
    assert "pattern" in body["errors"][0]["message"]
    assert stored(db) == {}


def test_not_atomic_upload_stores_the_good_objects(client: TestClient, world: World) -> None:
    bad = indicator("192.0.2.9", Tlp.GREEN, pattern="[ipv4-addr:value = ")
    response = _upload(client, world.analyst.token, "b.json",
                       bundle(indicator("192.0.2.8", Tlp.GREEN), bad), atomic="false")
    assert response.status_code == 200, response.text
    report = response.json()["files"][0]
    assert report["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert report["rejected"][0]["where"] == bad["id"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"format": "xml"}, "format"), ({"collection": "nope"}, None)])
def test_bad_fields_are_problems(client: TestClient, world: World, fields: dict[str, str],
                                 field: str | None) -> None:
    response = _upload(client, world.analyst.token, "b.json",
                       bundle(indicator("192.0.2.8", Tlp.GREEN)), **fields)
    if field is None:
        assert_problem(response, 404)
    else:
        assert_validation_problem(response, field)


def test_missing_or_empty_file_is_named(client: TestClient, world: World) -> None:
    auth = {"Authorization": f"Bearer {world.analyst.token}"}
    assert_validation_problem(client.post(IMPORTS, headers=auth, data={"format": "csv"}),
                              "file")
    assert_validation_problem(_upload(client, world.analyst.token, "e.csv", b""), "file")


def test_a_viewer_may_export_but_not_import(client: TestClient, world: World,
                                            db: Database) -> None:
    refused = _upload(client, world.viewer.token, "b.json",
                      bundle(indicator("192.0.2.8", Tlp.GREEN)))
    assert_problem(refused, 403)
    assert stored(db) == {}
    assert client.get(EXPORT, headers=world.viewer.auth).status_code == 200
    assert_problem(client.get(EXPORT), 401)


def test_export_streams_each_format_with_the_sharing_rule(
        client: TestClient, world: World) -> None:
    _upload(client, world.analyst.token, "b.json", bundle(
        indicator("192.0.2.8", Tlp.GREEN), indicator("192.0.2.66", Tlp.AMBER_STRICT)))
    mine = client.get(EXPORT, headers=world.analyst.auth, params={"format": "values"})
    assert mine.status_code == 200 and mine.text.split() == ["192.0.2.8", "192.0.2.66"]
    assert mine.headers["content-disposition"] == 'attachment; filename="rcsc-shared.txt"'
    theirs = client.get(EXPORT, headers=world.ua_analyst.auth, params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(theirs.text)))
    assert [r["value"] for r in rows] == ["192.0.2.8"]
    stix = client.get(EXPORT, headers=world.ua_analyst.auth,
                      params={"type": ["indicator", "ipv4-addr"]})
    assert stix.headers["content-type"].startswith("application/stix+json")
    assert [o["name"] for o in orjson.loads(stix.content)["objects"]] == ["Scanner 192.0.2.8"]
    misp = client.get(EXPORT, headers=world.ua_analyst.auth, params={"format": "misp"})
    event = MISPEvent()
    event.load(misp.content)
    assert [a.value for a in event.attributes] == ["192.0.2.8"]


@pytest.mark.parametrize(("params", "field"), [
    ({"format": "xml"}, "format"), ({"type": "No Type"}, "type"),
    ({"added_after": "yesterday"}, "added_after")])
def test_bad_export_parameters_are_named(client: TestClient, world: World,
                                         params: dict[str, str], field: str) -> None:
    assert_validation_problem(client.get(EXPORT, headers=world.analyst.auth, params=params),
                              field)
