"""Exports apply the sharing rule object by object, in every format, on SQLite and
PostgreSQL: a viewer never gets an object (or a value) it may not see. They read a page at a
time, so a walk over many pages must neither repeat nor drop anything."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import orjson
import pytest
from pymisp import MISPEvent

from rcsc.core.incidents import Recipients
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.exchange.files import items
from rcsc.stix.ids import sco_id
from rcsc.stix.recipients import mark
from rcsc.storage import Database
from tests.conftest import World
from tests.exchange.files.support import actor, bundle, export_bytes, import_bytes
from tests.incidents.sharing_world import EXPECTED, VIEWERS, SharingWorld, build_sharing_world
from tests.web.api_support import audit_entries
from tests.web.taxii_support import indicator

ADDRESS = {tlp: f"198.51.100.{n}" for n, tlp in enumerate(Tlp, start=10)}


@pytest.fixture
def sharing_world(db: Database) -> SharingWorld:
    w = build_sharing_world(db)
    audience = Recipients(org_ids=frozenset({w.recipient_org}),
                          community_ids=frozenset({w.named_community}),
                          user_ids=frozenset({w.named_user}))
    objects = []
    for tlp, value in ADDRESS.items():
        objects.append(mark(indicator(value, None, description=f"{tlp.label} C2"), tlp,
                            audience))
        objects.append(mark({"type": "ipv4-addr", "spec_version": "2.1", "value": value,
                             "id": sco_id("ipv4-addr", {"value": value})}, tlp, audience))
    report = import_bytes(db, w.people["author"], "marked.json", bundle(*objects))
    assert report.ok, report
    return w


def _expected(who: str) -> set[str]:
    return {ADDRESS[tlp] for tlp in Tlp if EXPECTED[tlp][VIEWERS.index(who)]}


@pytest.mark.parametrize("who", VIEWERS)
def test_every_export_format_follows_the_truth_table(
        db: Database, sharing_world: SharingWorld, who: str) -> None:
    person = sharing_world.people[who]
    want = _expected(who)
    stix = orjson.loads(export_bytes(db, person, format="stix"))
    assert {o.get("value") or o["pattern"].split("'")[1] for o in stix.get("objects", [])} \
        == want
    assert set(export_bytes(db, person, format="values").decode().split()) == want
    rows = list(csv.DictReader(io.StringIO(export_bytes(db, person, format="csv").decode())))
    assert {r["value"] for r in rows} == want
    assert {r["tlp"] for r in rows} == {t.value for t in Tlp if ADDRESS[t] in want}
    event = MISPEvent()
    event.load(export_bytes(db, person, format="misp"))
    assert {a.value for a in event.attributes} == want


def test_walks_many_pages_without_repeats_or_gaps(
        db: Database, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(items, "PAGE", 3)
    who = actor(db, world.analyst)
    values = [f"192.0.2.{n}" for n in range(1, 24)]
    import_bytes(db, who, "many.json", bundle(*(indicator(v, Tlp.GREEN) for v in values)))
    stix = orjson.loads(export_bytes(db, who, format="stix"))
    assert sorted(o["pattern"] for o in stix["objects"]) == sorted(
        f"[ipv4-addr:value = '{v}']" for v in values)
    assert export_bytes(db, who, format="values").decode().split() == values


def test_values_are_written_once_whatever_holds_them(db: Database, world: World) -> None:
    who = actor(db, world.analyst)
    twice = [indicator("192.0.2.7", Tlp.GREEN), indicator("192.0.2.7", Tlp.CLEAR),
             {"type": "ipv4-addr", "spec_version": "2.1", "value": "192.0.2.7",
              "id": sco_id("ipv4-addr", {"value": "192.0.2.7"})}]
    import_bytes(db, who, "dupes.json", bundle(*twice))
    assert export_bytes(db, who, format="values") == b"192.0.2.7\n"


def test_type_and_added_after_filters(db: Database, world: World, clock: Any) -> None:
    who = actor(db, world.analyst)
    import_bytes(db, who, "a.json", bundle(indicator("192.0.2.1", Tlp.GREEN)))
    cut = clock.now()
    clock.advance(minutes=1)
    later = {"type": "ipv4-addr", "spec_version": "2.1", "value": "192.0.2.2",
             "id": sco_id("ipv4-addr", {"value": "192.0.2.2"})}
    import_bytes(db, who, "b.json", bundle(indicator("192.0.2.3", Tlp.GREEN), later))
    assert export_bytes(db, who, format="values", added_after=cut).split() == [
        b"192.0.2.3", b"192.0.2.2"]
    assert export_bytes(db, who, format="values", types=frozenset({"ipv4-addr"})) == \
        b"192.0.2.2\n"
    assert export_bytes(db, who, format="values",
                        added_after=cut + timedelta(hours=1)) == b""
    (first, *_rest) = audit_entries(db, action="intel.export")
    assert first.detail["format"] == "values" and first.detail["collection"] == "shared"


@pytest.mark.parametrize(("request_fields", "field"), [
    ({"format": "xml"}, "format"), ({"types": frozenset({"Not A Type"})}, "type")])
def test_bad_export_requests_name_the_field(
        db: Database, world: World, request_fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        export_bytes(db, actor(db, world.analyst), **request_fields)
    assert [e.field for e in caught.value.errors] == [field]
    assert audit_entries(db, action="intel.export") == []
