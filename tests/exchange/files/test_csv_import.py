"""CSV of values in and out, on SQLite and PostgreSQL: each row an SCO and an indicator (a
vulnerability for a CVE); re-importing is all unchanged, a changed row is updated; a bad row
is `row N: field: reason` and, atomic, nothing is stored."""

from __future__ import annotations

import csv
import io
from typing import Any

from rcsc.core.tlp import Tlp
from rcsc.stix.ids import sco_id
from rcsc.storage import Database
from tests.conftest import World
from tests.exchange.files.support import DATA, actor, export_bytes, import_bytes, levels, stored

CSV = (DATA / "values.csv").read_bytes()


def _bodies(db: Database, kind: str) -> list[dict[str, Any]]:
    return [body for (i, _v), (_t, body) in stored(db).items() if i.startswith(kind + "--")]


def test_rows_become_scos_and_indicators_marked_by_their_tlp(
        db: Database, world: World) -> None:
    report = import_bytes(db, actor(db, world.analyst), "iocs.csv", CSV).files[0]
    assert report.format == "csv" and report.ok
    assert len(report.created) == 11  # 6 indicators/vulnerability + 5 SCOs (no CVE SCO)
    found = levels(db)
    assert found[sco_id("ipv4-addr", {"value": "203.0.113.17"})] is Tlp.AMBER
    assert found[sco_id("domain-name", {"value": "login-energy-portal.example"})] is Tlp.GREEN
    indicators = {b["name"]: b for b in _bodies(db, "indicator")}
    c2 = indicators["203.0.113.17"]
    assert c2["pattern"] == "[ipv4-addr:value = '203.0.113.17']"
    assert c2["labels"] == ["c2", "smokeloader"] and c2["description"] == "SmokeLoader C2"
    assert (c2["valid_from"], c2["valid_until"]) == ("2026-11-20T08:30:00.000Z",
                                                     "2026-12-20T00:00:00.000Z")
    assert c2["indicator_types"] == ["malicious-activity"]
    assert "object_marking_refs" not in indicators["login-energy-portal.example"]  # default
    assert indicators["192.0.2.10"]["indicator_types"] == ["unknown"]
    (cve,) = _bodies(db, "vulnerability")
    assert cve["external_references"] == [{"source_name": "cve",
                                           "external_id": "CVE-2024-3094"}]


def test_reimport_is_unchanged_and_a_changed_row_is_updated(
        db: Database, world: World, clock: Any) -> None:
    who = actor(db, world.analyst)
    first = import_bytes(db, who, "iocs.csv", CSV).files[0]
    clock.advance(hours=1)
    again = import_bytes(db, who, "iocs.csv", CSV).files[0]
    assert again.created == again.updated == [] and sorted(again.unchanged) == \
        sorted(first.created)
    changed = CSV.replace(b"Victim mail server", b"Victim mail relay")
    third = import_bytes(db, who, "iocs.csv", changed).files[0]
    assert len(third.updated) == 1 and len(third.unchanged) == 10
    (relay,) = [b for b in _bodies(db, "indicator") if b.get("description") ==
                "Victim mail relay"]
    assert relay["modified"] == "2026-11-23T10:00:00.000Z" and relay["created"] == \
        "2026-11-23T09:00:00.000Z"


def test_bad_rows_are_named_and_nothing_is_stored(db: Database, world: World) -> None:
    bad = CSV + (b"ipv4,1.2.3,,,,,,\n"
                 b"colour,red,,,,,,\n"
                 b"domain,evil.example,purple,,,,,\n"
                 b"domain,evil2.example,,attacker,,,,\n"
                 b"domain,evil3.example,,,,2026-11-20,2026-11-01,\n"
                 b"domain,login-energy-portal.example,,,,,,\n"
                 b"domain,short,row\n")
    report = import_bytes(db, actor(db, world.analyst), "bad.csv", bad).files[0]
    texts = [r.text for r in report.rejected]
    assert texts[0].startswith("row 8: value: '1.2.3' is not an IPv4 address")
    assert texts[1].startswith("row 9: type: 'colour' is not one of ipv4, ipv6")
    assert texts[2].startswith("row 10: tlp: 'purple' is not a TLP level")
    assert texts[3] == "row 11: role: 'attacker' is not ioc or context"
    assert texts[4] == "row 12: last_seen: must be later than first_seen"
    assert texts[5] == "row 13: value: repeats row 3 (one row per type and value)"
    assert texts[6] == "row 14: row: has 3 cells; the header has 8"
    assert len(texts) == 7 and stored(db) == {}


def test_not_atomic_stores_the_good_rows(db: Database, world: World) -> None:
    bad = CSV + b"ipv4,999.1.1.1,,,,,,\n"
    report = import_bytes(db, actor(db, world.analyst), "bad.csv", bad, atomic=False).files[0]
    assert [r.where for r in report.rejected] == ["row 8"]
    assert len(report.created) == 11


def test_a_header_we_do_not_know_rejects_the_file(db: Database, world: World) -> None:
    report = import_bytes(db, actor(db, world.analyst), "x.csv",
                          b"type,value,colour\nipv4,192.0.2.1,red\n").files[0]
    assert [r.text for r in report.rejected] == [
        "row 1: unknown column 'colour'; the columns are "
        "type,value,tlp,role,labels,first_seen,last_seen,description"]


def test_csv_export_reimports_as_unchanged_and_defuses_formulas(
        db: Database, world: World) -> None:
    """Every row marked: an unmarked row is exported with the level it got (the
    collection's), and stating it on re-import is a new version."""
    who = actor(db, world.analyst)
    marked = CSV.replace(b"Portal.example,,ioc", b"Portal.example,green,ioc")
    formula = marked + b"filename,=cmd|' /C calc'!A0,green,,,,,@SUM(1)\n"
    import_bytes(db, who, "iocs.csv", formula)
    exported = export_bytes(db, who, format="csv")
    rows = list(csv.DictReader(io.StringIO(exported.decode())))
    by_value = {r["value"]: r for r in rows}
    assert by_value["203.0.113.17"] == {
        "type": "ipv4", "value": "203.0.113.17", "tlp": "amber", "role": "ioc",
        "labels": "c2;smokeloader", "first_seen": "2026-11-20T08:30:00.000Z",
        "last_seen": "2026-12-20T00:00:00.000Z", "description": "SmokeLoader C2"}
    assert by_value["'=cmd|' /C calc'!A0"]["description"] == "'@SUM(1)"
    assert by_value["CVE-2024-3094"]["role"] == "context"
    assert len(rows) == 7  # one row per value: the SCOs add none
    again = import_bytes(db, who, "iocs.csv", exported).files[0]
    assert again.ok and again.created == again.updated == []
