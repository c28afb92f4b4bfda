"""`rcsc import` and `rcsc export` as real processes, on SQLite and PostgreSQL: the report
table and exit status, a rejected file storing nothing beside a good one, exports of what
the acting user may see."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from pymisp import MISPEvent

from rcsc.accounts import bootstrap, users
from rcsc.accounts.auth import system
from rcsc.storage import migrate
from tests.cli.test_cli import Node
from tests.conftest import BACKENDS, PASSWORD
from tests.exchange.files.support import DATA, stored

ANALYST = "ona@rcsc.example"


@pytest.fixture(params=BACKENDS)
def initialised(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Node, str, str]:
    """A node as `rcsc init` leaves it, with an analyst of the node's organisation."""
    data_dir = tmp_path / "data"
    url = f"sqlite:///{data_dir / 'rcsc.sqlite3'}" if request.param == "sqlite" else \
        request.getfixturevalue("scratch_pg_url")
    node = Node(data_dir=data_dir, url=url, cwd=tmp_path)
    data_dir.mkdir(parents=True)
    with node.database() as db:
        migrate.upgrade(db.engine)
        with db.transaction() as uow:
            result = bootstrap.initialise(uow, node_name="RCSC Kaunas", node_country="LT",
                                          admin_email="admin@rcsc.example")
            users.create(uow, system(), email=ANALYST, name="Ona",
                         org_id=uow.orgs.list()[0].id, roles=["analyst"], password=PASSWORD)
    assert result.admin_password
    return node, result.admin_email, result.admin_password


def test_import_reports_each_file_and_fails_when_one_is_rejected(
        initialised: tuple[Node, str, str], tmp_path: Path) -> None:
    node, _email, _password = initialised
    bad = tmp_path / "bad.csv"
    bad.write_bytes((DATA / "values.csv").read_bytes() + b"ipv4,10.0.0.300,,,,,,\n")
    result = node.fails("import", "--as", ANALYST, str(DATA / "stix_bundle.json"), str(bad),
                        str(DATA / "misp_event.json"))
    assert result.returncode == 1
    assert "stix_bundle.json" in result.stdout and "misp_event.json" in result.stdout
    assert "rejected (nothing stored) bad.csv: row 8: value: '10.0.0.300'" in result.stdout
    assert "created: 34, updated: 0, unchanged: 0, rejected: 1" in result.stdout
    with node.database() as db:
        kept = {stix_id for stix_id, _v in stored(db)}
    bundle = orjson.loads((DATA / "stix_bundle.json").read_bytes())
    assert {o["id"] for o in bundle["objects"]} <= kept
    assert not any("203.0.113.17" in i for i in kept)  # nothing of the CSV

    again = node.ok("import", "--as", ANALYST, str(DATA / "stix_bundle.json"),
                    "--format", "stix")
    assert "created: 0, updated: 0, unchanged: 12, rejected: 0" in again.stdout


def test_export_writes_what_the_user_may_see(initialised: tuple[Node, str, str],
                                             tmp_path: Path) -> None:
    node, admin, _password = initialised
    node.ok("import", "--as", ANALYST, str(DATA / "misp_event.json"))
    target = tmp_path / "event.json"
    node.ok("export", "--as", ANALYST, "--format", "misp", "-o", str(target))
    event = MISPEvent()
    event.load(target.read_bytes())
    assert {a.value for a in event.attributes} >= {"203.0.113.17",
                                                   "login-energy-portal.example"}
    values = node.ok("export", "--format", "values", "--type", "indicator").stdout.split()
    # the admin is of the same organisation: the AMBER+STRICT hash is theirs to see too
    assert "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" in values
    refused = node.fails("export", "--as", "nobody@rcsc.example")
    assert "nobody@rcsc.example" in refused.stderr and admin not in refused.stdout


def test_intel_index_and_lookup_from_the_command_line(
        initialised: tuple[Node, str, str]) -> None:
    """`rcsc intel index` indexes the imported objects; `rcsc intel lookup` finds them by a
    defanged value, as the acting user may see them."""
    node, _email, _password = initialised
    node.ok("import", "--as", ANALYST, str(DATA / "values.csv"))
    assert "indexed" in node.ok("intel", "index").stdout
    found = node.ok("intel", "lookup", "--as", ANALYST, "203.0.113[.]17", "no value").stdout
    assert "203.0.113.17" in found and "indicator--" in found
    assert "not a value of an indexed type: no value" in found
    assert "indexed 0 objects" in node.ok("intel", "index").stdout
