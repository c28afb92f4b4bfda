"""MISP event JSON and MISP feeds in, MISP event JSON out, on SQLite and PostgreSQL: the
attributes (type, value), their tags and distribution ↔ TLP survive MISP → RCSC → MISP, and
PyMISP loads what we write."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from pymisp import MISPEvent

from rcsc.core.tlp import Tlp
from rcsc.exchange.files.formats import Format
from rcsc.stix.recipients import read_recipients
from rcsc.storage import Database
from tests.conftest import World
from tests.exchange.files.support import (
    DATA,
    actor,
    export_bytes,
    import_bytes,
    import_path,
    levels,
    stored,
)

EVENT = json.loads((DATA / "misp_event.json").read_text())
ATTRIBUTE = "a1f3c2b4-1d2e-4f5a-8b6c-7d8e9f0a1b2"  # + 1..5


def _event(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    event["Event"].update(changes)
    return event


def _effective(event: MISPEvent, attribute: Any) -> int:
    own = int(attribute.distribution)
    return int(event.distribution) if own == 5 else own


def _tags(item: Any) -> set[str]:
    return {t.name for t in item.tags}


def _load(data: bytes) -> MISPEvent:
    event = MISPEvent()
    event.load(data)
    return event


def test_misp_event_round_trip_keeps_attributes_tags_and_distribution(
        db: Database, world: World) -> None:
    who = actor(db, world.analyst)
    report = import_bytes(db, who, "event-1432.json", (DATA / "misp_event.json").read_bytes())
    assert report.ok and report.files[0].format == "misp"
    out = _load(export_bytes(db, who, format="misp"))
    source = _load((DATA / "misp_event.json").read_bytes())

    def attributes(event: MISPEvent) -> dict[tuple[str, str], Any]:
        return {(a.type, a.value): a for a in event.attributes}
    before, after = attributes(source), attributes(out)
    assert set(after) == set(before)
    for key, old in before.items():
        new = after[key]
        assert new.uuid == old.uuid, key
        assert _effective(out, new) == _effective(source, old), key
        assert _tags(new) - {"tlp:green", "tlp:amber+strict"} == _tags(old), key
        assert bool(new.to_ids) == bool(old.to_ids), key
    assert _tags(after[("sha256", before[("sha256", next(
        v for t, v in before if t == "sha256"))].value)]) >= {"tlp:amber+strict"}
    assert int(out.distribution) == int(source.distribution) == 1
    assert _tags(out) == _tags(source)  # tlp:green and rsit:fraud="phishing"


def test_attribute_distribution_narrows_its_objects_and_never_widens(
        db: Database, world: World) -> None:
    who = actor(db, world.analyst)
    import_bytes(db, who, "event.json", (DATA / "misp_event.json").read_bytes())
    found = levels(db)
    assert found[f"indicator--{ATTRIBUTE}4"] is Tlp.AMBER_STRICT  # distribution 0
    assert found[f"file--{ATTRIBUTE}4"] is Tlp.AMBER_STRICT
    assert found[f"indicator--{ATTRIBUTE}1"] is Tlp.GREEN  # inherits the event's tlp:green
    assert found["report--5f0d3c4a-8a1b-4f2e-9c3d-2b7e1a6f4d10"] is Tlp.GREEN
    report = next(body for (i, _v), (_t, body) in stored(db).items() if i.startswith("report"))
    assert f"indicator--{ATTRIBUTE}4" not in report["object_refs"]  # not named to GREEN
    assert not any("marking-definition--34098fce" in str(body.get("object_marking_refs"))
                   for _tlp, body in stored(db).values())  # no TLP 1.0 left


@pytest.mark.parametrize(("distribution", "tags", "expected"), [
    ("0", [], Tlp.AMBER_STRICT), ("1", [], Tlp.GREEN), ("2", [], Tlp.GREEN),
    ("3", [], Tlp.CLEAR), ("3", ["tlp:red"], Tlp.RED), ("0", ["tlp:white"], Tlp.CLEAR),
    (None, [], Tlp.GREEN),  # neither: the collection's default, never CLEAR
])
def test_event_level_follows_tag_then_distribution(
        db: Database, world: World, distribution: str | None, tags: list[str],
        expected: Tlp) -> None:
    event = _event(Tag=[{"name": t} for t in tags])
    if distribution is None:
        del event["Event"]["distribution"]
    else:
        event["Event"]["distribution"] = distribution
    import_bytes(db, actor(db, world.analyst), "e.json", orjson.dumps(event))
    assert levels(db)["report--5f0d3c4a-8a1b-4f2e-9c3d-2b7e1a6f4d10"] is expected


def test_sharing_group_members_this_node_knows_become_recipients(
        db: Database, world: World) -> None:
    unknown = "11111111-2222-4333-8444-555555555555"
    event = _event(distribution="4", Tag=[], sharing_group_id="7", SharingGroup={
        "id": "7", "name": "Baltic energy", "uuid": "c0ffee00-1111-4222-8333-444455556666",
        "Organisation": {"uuid": str(world.lt_org), "name": "CERT-LT"},
        "SharingGroupOrg": [{"Organisation": {"uuid": str(world.ua_org), "name": "CERT-UA"}},
                            {"Organisation": {"uuid": unknown, "name": "Elsewhere"}}]})
    who = actor(db, world.analyst)
    import_bytes(db, who, "sg.json", orjson.dumps(event))
    report = next(body for (i, _v), (tlp, body) in stored(db).items()
                  if i.startswith("report"))
    assert read_recipients(report).org_ids == {world.lt_org, world.ua_org}
    assert levels(db)[f"indicator--{ATTRIBUTE}1"] is Tlp.AMBER
    ua = export_bytes(db, actor(db, world.ua_analyst), format="values").decode()
    admin = export_bytes(db, actor(db, world.admin), format="values").decode()
    assert "203.0.113.17" in ua.splitlines() and admin == ""


def test_a_bad_event_is_rejected_naming_the_field_and_stores_nothing(
        db: Database, world: World) -> None:
    event = _event()
    event["Event"]["Attribute"][2]["distribution"] = "9"
    report = import_bytes(db, actor(db, world.analyst), "bad.json", orjson.dumps(event))
    assert [r.text for r in report.files[0].rejected] == [
        "Event.Attribute.2.distribution: '9' is not a MISP distribution (0-5)"]
    assert stored(db) == {}


def _feed(folder: Path, *events: dict[str, Any]) -> Path:
    folder.mkdir()
    manifest = {}
    for event in events:
        inner = event["Event"]
        manifest[inner["uuid"]] = {"info": inner["info"], "timestamp": inner["timestamp"]}
        (folder / f"{inner['uuid']}.json").write_bytes(orjson.dumps(event))
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest))
    (folder / "hashes.csv").write_text("abc,5f0d3c4a-8a1b-4f2e-9c3d-2b7e1a6f4d10\n")
    return folder


def _second() -> dict[str, Any]:
    event = _event(uuid="8e1d2c3b-4a5f-4e6d-9c8b-7a6f5e4d3c2b", info="Second")
    for index, attribute in enumerate(event["Event"]["Attribute"]):
        attribute["uuid"] = f"b2c3d4e5-0000-4000-8000-00000000000{index}"
    event["Event"]["Attribute"][0]["distribution"] = "x"
    return event


def test_a_feed_directory_imports_each_event_as_its_own_unit(
        db: Database, world: World, tmp_path: Path) -> None:
    feed = _feed(tmp_path / "feed", _event(), _second())
    report = import_path(db, actor(db, world.analyst), feed)
    assert [(f.name, f.ok) for f in report.files] == [
        ("feed/5f0d3c4a-8a1b-4f2e-9c3d-2b7e1a6f4d10.json", True),
        ("feed/8e1d2c3b-4a5f-4e6d-9c8b-7a6f5e4d3c2b.json", False)]
    assert report.files[1].rejected[0].where == "Event.Attribute.0.distribution"
    assert {i for i in levels(db) if "b2c3d4e5" in i} == set()  # the bad event: nothing
    assert len(report.files[0].created) == len(levels(db))


def test_a_zipped_feed_is_a_feed_and_a_missing_event_is_named(
        db: Database, world: World, tmp_path: Path) -> None:
    feed = _feed(tmp_path / "feed", _event())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in feed.iterdir():
            if path.name != "manifest.json":
                archive.write(path, f"feed/{path.name}")
        archive.writestr("feed/manifest.json", orjson.dumps({
            "5f0d3c4a-8a1b-4f2e-9c3d-2b7e1a6f4d10": {},
            "9d9d9d9d-1111-4222-8333-444455556666": {}}))
    report = import_bytes(db, actor(db, world.analyst), "feed.zip", buffer.getvalue())
    assert [f.format for f in report.files] == [Format.MISP_FEED.value] * 2
    assert report.files[0].ok and report.files[0].written
    assert [r.text for r in report.files[1].rejected] == [
        "9d9d9d9d-1111-4222-8333-444455556666.json: is named in the manifest but missing"]


def test_misp_export_is_loadable_and_states_the_tlp_of_every_attribute(
        db: Database, world: World) -> None:
    who = actor(db, world.analyst)
    import_bytes(db, who, "smokeloader.json", (DATA / "stix_bundle.json").read_bytes())
    out = _load(export_bytes(db, who, format="misp"))
    found = {(a.type, a.value): (int(a.distribution), _tags(a), bool(a.to_ids))
             for a in out.attributes}
    assert found[("ip-dst", "198.51.100.23")] == (1, {"tlp:green"}, True)
    assert found[("domain", "cdn-update-check.example")] == (1, {"tlp:green"}, True)
    (sha,) = [k for k in found if k[0] == "sha256"]
    assert found[sha] == (0, {"tlp:amber"}, True)
    assert int(out.distribution) == 1 and _tags(out) == {"tlp:green"}
