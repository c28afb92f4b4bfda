"""STIX 2.1 bundles in and out, on SQLite and PostgreSQL: created / updated / unchanged as
the write path decides; a bundle with one bad object among many stores nothing and names it;
STIX → RCSC → STIX keeps ids, markings and relationships and still validates."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import orjson

from rcsc.core.tlp import Tlp
from rcsc.storage import Database
from tests.conftest import World
from tests.exchange.files.support import (
    DATA,
    actor,
    bundle,
    export_bytes,
    import_bytes,
    levels,
    stored,
)
from tests.stix.support import Verdict
from tests.web.api_support import audit_entries

SOURCE = orjson.loads((DATA / "stix_bundle.json").read_bytes())
IDS = [o["id"] for o in SOURCE["objects"]]


def _objects() -> list[dict[str, Any]]:
    return copy.deepcopy(SOURCE["objects"])


def test_bundle_is_stored_as_created_then_unchanged_then_updated(
        db: Database, world: World, clock: Any) -> None:
    who = actor(db, world.analyst)
    first = import_bytes(db, who, "smokeloader.json", (DATA / "stix_bundle.json").read_bytes())
    (report,) = first.files
    assert report.format == "stix" and report.ok and report.written
    assert sorted(report.created) == sorted(IDS) and report.updated == report.unchanged == []

    again = import_bytes(db, who, "smokeloader.json", (DATA / "stix_bundle.json").read_bytes())
    assert sorted(again.files[0].unchanged) == sorted(IDS)
    assert again.files[0].counts() == {"created": 0, "updated": 0, "unchanged": len(IDS),
                                       "rejected": 0}

    objects = _objects()
    changed = next(o for o in objects if o["id"].startswith("malware--"))
    changed["modified"] = "2026-11-19T08:00:00.000Z"
    changed["description"] = "Now also drops a miner"
    clock.advance(minutes=5)
    third = import_bytes(db, who, "smokeloader-v2.json", bundle(*objects))
    assert third.files[0].updated == [changed["id"]]
    assert len(third.files[0].unchanged) == len(IDS) - 1
    versions = [k for k in stored(db) if k[0] == changed["id"]]
    assert len(versions) == 2
    imports = audit_entries(db, action="intel.import")
    assert [e.detail["created"] for e in imports] == [len(IDS), 0, 0]
    assert imports[-1].detail["updated"] == 1 and imports[-1].detail["file"] == \
        "smokeloader-v2.json"


def test_one_bad_object_among_many_stores_nothing_and_the_report_names_it(
        db: Database, world: World) -> None:
    who = actor(db, world.analyst)
    objects = _objects()
    bad = next(o for o in objects if o["id"].endswith("4a52"))
    bad["pattern"] = "[file:hashes.'SHA-256' = "  # cut off: not a STIX pattern
    late = next(o for o in objects if o["type"] == "malware")
    late["modified"] = "2020-01-01T00:00:00.000Z"  # before created
    report = import_bytes(db, who, "broken.json", bundle(*objects)).files[0]
    assert not report.ok and not report.written
    assert report.created == report.updated == report.unchanged == []
    named = {r.where: r.reason for r in report.rejected}
    assert set(named) == {bad["id"], late["id"]}
    assert named[bad["id"]].startswith("pattern: not a valid STIX pattern")
    assert named[late["id"]] == "modified: must not be earlier than created"
    assert stored(db) == {}
    (entry,) = audit_entries(db, action="intel.import")
    assert entry.outcome.value == "failure" and entry.detail["rejected"] == 2


def test_not_atomic_stores_the_good_objects_and_reports_the_bad_one(
        db: Database, world: World) -> None:
    who = actor(db, world.analyst)
    objects = _objects()
    objects[5]["spec_version"] = "2.0"
    report = import_bytes(db, who, "mixed.json", bundle(*objects), atomic=False).files[0]
    assert [r.where for r in report.rejected] == [objects[5]["id"]]
    assert "spec_version" in report.rejected[0].reason
    assert len(report.created) == len(objects) - 1
    assert objects[5]["id"] not in levels(db)


def test_a_file_that_is_not_a_bundle_is_rejected_with_the_field(
        db: Database, world: World) -> None:
    who = actor(db, world.analyst)
    cases = {
        b'{"type": "bundle", "objects": {"a": 1}}': "objects",
        b'{"type": "indicator", "id": "x"}': "format",
        b'{"type": "bundle", "spec_version": "2.0", "objects": []}': "spec_version",
        b'{"type": "bundle", "objects": [': "file",
    }
    for data, field in cases.items():
        report = import_bytes(db, who, "x.json", data).files[0]
        assert [r.where for r in report.rejected] == [field], data
    assert stored(db) == {}


def test_stix_round_trip_keeps_ids_markings_relationships_and_validates(
        db: Database, world: World, validate: Callable[[dict[str, Any]], Verdict]) -> None:
    who = actor(db, world.analyst)
    import_bytes(db, who, "smokeloader.json", (DATA / "stix_bundle.json").read_bytes())
    exported = orjson.loads(export_bytes(db, who, format="stix"))
    validate(exported).assert_clean()
    assert exported["type"] == "bundle"
    assert {o["id"]: o for o in exported["objects"]} == {o["id"]: o for o in SOURCE["objects"]}
    relationships = [o for o in exported["objects"] if o["type"] == "relationship"]
    assert {(r["source_ref"], r["target_ref"]) for r in relationships} == {
        (o["source_ref"], o["target_ref"]) for o in SOURCE["objects"]
        if o["type"] == "relationship"}
    assert levels(db)["indicator--6b8e2a1f-3c4d-4e5f-8a9b-0c1d2e3f4a52"] is Tlp.AMBER


def test_an_empty_export_is_a_valid_bundle(
        db: Database, world: World, validate: Callable[[dict[str, Any]], Verdict]) -> None:
    exported = orjson.loads(export_bytes(db, actor(db, world.analyst), format="stix"))
    assert set(exported) == {"type", "id"}
    validate(exported).assert_clean()
