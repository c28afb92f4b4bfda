"""Three real nodes on loopback — hub LT, node UA, node PL — each `rcsc serve` with its own
data folder and SQLite database. UA and PL peer with LT only; every node knows the three
organisations by the same UUIDs (`rcsc org add --id`) and holds a peer account for each
node it talks to. UA files incidents (REST API) and posts indicators (TAXII) at every TLP
level; `rcsc peer sync` runs on UA, LT, PL and LT again; then each object is checked on each
node, in its database (provenance) and over TAXII as a local analyst:

| level                          | LT  | PL                                   |
|--------------------------------|-----|--------------------------------------|
| CLEAR, GREEN                   | yes | yes                                  |
| AMBER for LT and PL            | yes | yes, forwarded by LT (PL a recipient) |
| AMBER+STRICT for LT and PL     | yes | never: it is not forwarded           |
| RED                            | no  | no                                   |

Nothing comes back to UA as a copy, and a second sync of every node moves nothing.
"""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from rcsc.accounts import organisations, tokens, users
from rcsc.accounts.auth import system
from rcsc.core.identity import Role, scopes_allowed
from rcsc.core.tlp import Tlp
from rcsc.stix.ids import identity_id
from rcsc.storage import Database
from rcsc.storage.tables import StixObjectRow
from tests.conftest import PASSWORD
from tests.exchange.federation_support import LT, ORGS, PL, UA, marked
from tests.processes import RCSC, Process, child_env, free_port, start

pytestmark = pytest.mark.e2e
TAXII = "application/taxii+json;version=2.1"
LEVELS = {  # level -> recipient organisations
    Tlp.CLEAR: (), Tlp.GREEN: (), Tlp.AMBER: (LT, PL), Tlp.AMBER_STRICT: (LT, PL),
    Tlp.RED: (),
}
REACHES = {  # level -> (reaches LT, reaches PL)
    Tlp.CLEAR: (True, True), Tlp.GREEN: (True, True), Tlp.AMBER: (True, True),
    Tlp.AMBER_STRICT: (True, False), Tlp.RED: (False, False),
}


@dataclass
class Node:
    name: str
    home: Path
    env: dict[str, str]
    base: str = ""
    process: Process | None = None
    analyst: str = ""  # a local analyst's token
    peer_tokens: dict[uuid.UUID, str] = field(default_factory=dict)  # for other nodes

    @property
    def url(self) -> str:
        return self.env["RCSC_DATABASE_URL"]

    @property
    def api_root(self) -> str:
        return f"{self.base}/taxii2/api/"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*RCSC, *args], env=self.env, cwd=self.home, text=True,
                              capture_output=True, timeout=180)
        if check:
            assert done.returncode == 0, f"{self.name}: rcsc {' '.join(args)}\n" \
                                         f"{done.stdout}\n{done.stderr}"
        return done


def _user(db: Database, email: str, org_id: uuid.UUID, role: Role) -> str:
    with db.transaction() as uow:
        user = users.create(uow, system("test"), email=email, name=email.split("@")[0],
                            org_id=org_id, roles=[role.value], password=PASSWORD)
        scopes = sorted(s.value for s in scopes_allowed(frozenset({role})))
        _token, secret = tokens.create(uow, system("test"), user_id=user.id, name=email,
                                       scopes=scopes, expires_days=2)
    return secret


def _prepare(node: Node, own: uuid.UUID, partners: list[uuid.UUID]) -> None:
    """`rcsc init`, the three organisations by their ids, a local analyst, and a peer
    account for each organisation whose node talks to this one."""
    node.cli("init")
    db = Database(node.url)
    try:
        for org_id, (name, country) in ORGS.items():
            if node.name == "lt":  # `rcsc org add --id` itself; the other nodes in-process
                node.cli("org", "add", name, "--country", country, "--kind", "national-csirt",
                         "--id", str(org_id))
                continue
            with db.transaction() as uow:
                organisations.create(uow, system("test"), name=name, country=country,
                                     kind="national-csirt", org_id=org_id)
        node.analyst = _user(db, f"analyst@{node.name}.example", own, Role.ANALYST)
        for org_id in partners:
            email = f"node-{ORGS[org_id][1].lower()}@{node.name}.example"
            node.peer_tokens[org_id] = _user(db, email, org_id, Role.PEER)
    finally:
        db.dispose()


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, Node]]:
    made: dict[str, Node] = {}
    for name, country in (("lt", "LT"), ("ua", "UA"), ("pl", "PL")):
        home = tmp_path / name
        home.mkdir()
        made[name] = Node(name, home, child_env(
            data_dir=str(home / "data"), database_url=f"sqlite:///{home / 'rcsc.sqlite3'}",
            node_name=f"RCSC {country}", node_country=country, federation_scheduler="false",
            federation_read_timeout="30"))
    _prepare(made["lt"], LT, [UA, PL])
    _prepare(made["ua"], UA, [LT])
    _prepare(made["pl"], PL, [LT])
    with contextlib.ExitStack() as stack:
        for node in made.values():
            port = free_port()
            node.base = f"http://127.0.0.1:{port}"
            node.process = start([*RCSC, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                 node.env, node.home / "logs", cwd=node.home, name="serve")
            stack.callback(node.process.kill_group)
        for node in made.values():
            assert node.process is not None
            node.process.wait_for_http(f"{node.base}/healthz")
        lt, ua, pl = made["lt"], made["ua"], made["pl"]
        ua.cli("peer", "add", "lt", lt.api_root, "--org", str(LT), "--token",
               lt.peer_tokens[UA])
        pl.cli("peer", "add", "lt", lt.api_root, "--org", "CERT-LT", "--token",
               lt.peer_tokens[PL])
        lt.cli("peer", "add", "ua", ua.api_root, "--org", str(UA), "--token",
               ua.peer_tokens[LT])
        lt.cli("peer", "add", "pl", pl.api_root, "--org", str(PL), "--token",
               pl.peer_tokens[LT])
        yield made


def _file_incidents(ua: Node) -> dict[Tlp, str]:
    """One incident a level, each with an IP observable, through UA's REST API."""
    filed: dict[Tlp, str] = {}
    headers = {"Authorization": f"Bearer {ua.analyst}"}
    for n, (tlp, recipients) in enumerate(LEVELS.items()):
        body = {"title": f"Incident at {tlp.value}", "rsit_class": "fraud",
                "rsit_type": "phishing", "severity": "high", "tlp": tlp.value,
                "recipient_org_ids": [str(r) for r in recipients]}
        made = httpx.post(f"{ua.base}/api/v1/incidents", json=body, headers=headers)
        assert made.status_code == 201, made.text
        incident_id = made.json()["id"]
        added = httpx.post(f"{ua.base}/api/v1/incidents/{incident_id}/observables",
                           json={"type": "ipv4", "value": f"203.0.113.{n + 1}"},
                           headers=headers)
        assert added.status_code == 201, added.text
        filed[tlp] = incident_id
    return filed


def _post_indicators(ua: Node) -> dict[Tlp, str]:
    """One indicator a level, through UA's TAXII server."""
    objects = {tlp: marked(f"198.51.100.{n + 1}", tlp, *recipients,
                           created_by_ref=identity_id(UA))
               for n, (tlp, recipients) in enumerate(LEVELS.items())}
    response = httpx.post(f"{ua.api_root}collections/shared/objects/",
                          json={"objects": list(objects.values())},
                          headers={"Authorization": f"Bearer {ua.analyst}", "Accept": TAXII,
                                   "Content-Type": TAXII})
    assert response.status_code == 202 and response.json()["success_count"] == 5, \
        response.text
    return {tlp: obj["id"] for tlp, obj in objects.items()}


def _rows(node: Node) -> dict[str, list[tuple[str | None, str | None]]]:
    """stix id -> [(received_from, source_key)] of every stored version."""
    db = Database(node.url)
    try:
        with db.engine.connect() as conn:
            found: dict[str, list[tuple[str | None, str | None]]] = {}
            for stix_id, received, source in conn.execute(select(
                    StixObjectRow.stix_id, StixObjectRow.received_from,
                    StixObjectRow.source_key)):
                found.setdefault(stix_id, []).append((received, source))
            return found
    finally:
        db.dispose()


def _sees(node: Node, stix_id: str) -> bool:
    """Whether the node's own analyst reads the object over TAXII (in `shared`)."""
    response = httpx.get(f"{node.api_root}collections/shared/objects/",
                         params={"match[id]": stix_id},
                         headers={"Authorization": f"Bearer {node.analyst}", "Accept": TAXII})
    assert response.status_code == 200, response.text
    return [o["id"] for o in response.json().get("objects", [])] == [stix_id]


def _sync(node: Node) -> list[dict[str, Any]]:
    """`rcsc peer sync` on the node; each run as a dict of the printed table."""
    done = node.cli("peer", "sync")
    header, *lines = done.stdout.strip().splitlines()
    return [dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines]


def _moved(run: dict[str, Any]) -> int:
    return sum(int(run[k]) for k in ("pulled_created", "pulled_updated", "pushed"))


def test_three_nodes_share_exactly_what_tlp_allows_and_a_second_sync_moves_nothing(
    nodes: dict[str, Node]
) -> None:
    lt, ua, pl = nodes["lt"], nodes["ua"], nodes["pl"]
    incidents = _file_incidents(ua)
    indicators = _post_indicators(ua)
    at_ua = _rows(ua)
    objects: dict[Tlp, set[str]] = {  # each level: the incident's objects and the indicator
        tlp: {i for i, rows in at_ua.items() for _, source in rows
              if source == f"incident:{incidents[tlp]}"} | {indicators[tlp]}
        for tlp in LEVELS}
    assert all(len(ids) >= 4 for ids in objects.values()), objects

    for node in (ua, lt, pl, lt):
        assert all(run["outcome"] == "ok" for run in _sync(node)), node.name

    at_lt, at_pl, after_ua = _rows(lt), _rows(pl), _rows(ua)
    for tlp, ids in objects.items():
        to_lt, to_pl = REACHES[tlp]
        for stix_id in sorted(ids):
            what = f"{tlp.value} {stix_id}"
            assert (stix_id in at_lt) is to_lt, f"LT holds {what}"
            assert (stix_id in at_pl) is to_pl, f"PL holds {what}"
            assert _sees(lt, stix_id) is to_lt, f"LT's analyst reads {what}"
            assert _sees(pl, stix_id) is to_pl, f"PL's analyst reads {what}"
            if to_lt:
                assert [r for r, _ in at_lt[stix_id]] == [f"peer:{UA}"], what
            if to_pl:
                assert [r for r, _ in at_pl[stix_id]] == [f"peer:{LT}"], what
            assert len(after_ua[stix_id]) == len(at_ua[stix_id]), f"{what} came back to UA"
    assert not [i for i, rows in after_ua.items() for r, _ in rows
                if r and r.startswith("peer:")], "UA received copies of its own objects"

    for node in (ua, lt, pl, lt):
        runs = _sync(node)
        assert runs and all(r["outcome"] == "ok" and _moved(r) == 0 for r in runs), \
            (node.name, runs)
    assert (_rows(lt), _rows(pl), _rows(ua)) == (at_lt, at_pl, after_ua)
