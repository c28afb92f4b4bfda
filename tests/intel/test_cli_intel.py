"""`rcsc intel allow …` and `rcsc intel lookup` as real processes, on SQLite and
PostgreSQL: an admin allows a CIDR range, an analyst may not; a lookup then shows the
allow-list and warninglist verdicts."""

from __future__ import annotations

from rcsc.intel import index
from tests.cli.conftest import scratch_pg_url  # noqa: F401  (the PostgreSQL node)
from tests.cli.test_cli import Node
from tests.cli.test_files import ANALYST, initialised  # noqa: F401  (the fixture)
from tests.exchange.files.support import DATA


def test_allow_lists_and_verdicts_from_the_command_line(
        initialised: tuple[Node, str, str]) -> None:  # noqa: F811
    node, admin, _password = initialised
    refused = node.fails("intel", "allow", "add", "--as", ANALYST, "scanners",
                         "5.188.10.0/24")
    assert "admin" in refused.stderr
    added = node.ok("intel", "allow", "add", "scanners", "5.188.10.0/24", "--comment",
                    "CERT-EE").stdout
    assert "allowed 5.188.10.0/24 on scanners" in added
    listed = node.ok("intel", "allow", "list").stdout
    assert "5.188.10.0/24" in listed and "CERT-EE" in listed
    node.ok("import", "--as", ANALYST, str(DATA / "values.csv"))
    with node.database() as db:
        index.catch_up(db)
    found = node.ok("intel", "lookup", "--as", ANALYST, "5.188.10[.]3", "8.8.8.8").stdout
    assert "5.188.10.3: 0 items; benign: allow-list: scanners" in found
    assert "List of known IPv4 public DNS resolvers" in found
    entry = added.split("(entry ")[1].split(")")[0]
    assert "removed 5.188.10.0/24" in node.ok("intel", "allow", "remove", entry).stdout
    assert admin
