"""Benign values on SQLite and PostgreSQL: a warninglisted value (8.8.8.8) is flagged with
its list's name, in lookups and correlations; local allow-lists flag values and addresses
inside their CIDR ranges (IPv4 and IPv6), are admin-only and audited; a warninglist the
node turns off stops flagging; a benign value is no reason for a correlation."""

from __future__ import annotations

import pytest

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType as T
from rcsc.errors import Conflict, PermissionDenied, ValidationFailed
from rcsc.intel import allowlists, benign, correlate
from rcsc.storage import Database
from tests.conftest import World
from tests.intel.test_correlate import _file, _refs, _related, _who
from tests.web.api_support import audit_entries

RESOLVERS = "warninglist: List of known IPv4 public DNS resolvers"


def _allow(db: Database, world: World, value: str, name: str = "partners") -> None:
    with db.transaction() as uow:
        allowlists.add(uow, _who(uow, world.admin.id), list_name=name, value=value)


def test_a_warninglisted_value_is_flagged_with_the_list_name(db: Database,
                                                              world: World) -> None:
    with db.transaction() as uow:
        found = benign.reasons(uow, ["8[.]8.8.8", IndexedValue(T.IPV4, "5.188.10.3"),
                                     "not a value"])
    assert list(found) == ["8[.]8.8.8"] and RESOLVERS in found["8[.]8.8.8"]


@pytest.mark.parametrize(("entry", "inside", "outside"), [
    ("5.188.0.0/16", ["5.188.77.1", "5.188.77.0/24"], ["5.189.0.1", "5.0.0.0/8"]),
    ("2a0d:5600::/32", ["2a0d:5600:aa::5", "2a0d:5600:aa::/48"],
     ["2a0d:5601::1", "2a0d::/16"]),
    ("evil-but-ours.lt", ["evil-but-ours.lt"], ["other.lt"]),
])
def test_allow_lists_flag_values_and_addresses_inside_their_ranges(
    db: Database, world: World, entry: str, inside: list[str], outside: list[str]
) -> None:
    _allow(db, world, entry)
    with db.transaction() as uow:
        verdicts = benign.load(uow)
    assert verdicts.of(inside) == {v: ["allow-list: partners"] for v in inside}
    assert verdicts.of(outside) == {}


def test_allow_lists_are_admin_only_audited_and_checked(db: Database, world: World) -> None:
    with db.transaction() as uow:
        with pytest.raises(PermissionDenied):
            allowlists.add(uow, _who(uow, world.analyst.id), list_name="x", value="5.1.1.1")
        with pytest.raises(ValidationFailed) as bad:
            allowlists.add(uow, _who(uow, world.admin.id), list_name="", value="no value")
        assert {e.field for e in bad.value.errors} == {"list", "value"}
    _allow(db, world, "5.188.10.0/24")
    with db.transaction() as uow, pytest.raises(Conflict):
        allowlists.add(uow, _who(uow, world.admin.id), list_name="partners",
                       value="5.188.10[.]0/24")
    with db.transaction() as uow:
        (entry,) = allowlists.entries(uow, _who(uow, world.viewer.id))
        allowlists.remove(uow, _who(uow, world.admin.id), entry.pk)
        assert allowlists.entries(uow, _who(uow, world.viewer.id)) == []
    actions = [e.action for e in audit_entries(db) if e.action.startswith("allowlist.")]
    assert actions == ["allowlist.add", "allowlist.remove"]


def test_a_warninglist_turned_off_stops_flagging(db: Database, world: World) -> None:
    resolvers = RESOLVERS.removeprefix("warninglist: ")
    with db.transaction() as uow:
        allowlists.set_warninglist(uow, _who(uow, world.admin.id), resolvers, False)
    with db.transaction() as uow:
        reasons = benign.reasons(uow, ["8.8.8.8"]).get("8.8.8.8", [])
        states = {w.name: w for w in allowlists.warninglist_states(uow,
                                                                  _who(uow, world.viewer.id))}
    assert RESOLVERS not in reasons
    assert states[resolvers].enabled is False and states[resolvers].entries > 0
    with db.transaction() as uow:
        allowlists.set_warninglist(uow, _who(uow, world.admin.id), resolvers, True)
        assert RESOLVERS in benign.reasons(uow, ["8.8.8.8"])["8.8.8.8"]
    assert any(e.action == "warninglist.disable" for e in audit_entries(db))


def test_a_benign_value_is_no_reason_for_a_correlation(db: Database, world: World) -> None:
    lt = _file(db, world.analyst.id, "green", ("ipv4", "8.8.8.8"), ("ipv4", "5.188.0.0/16"))
    ua = _file(db, world.ua_analyst.id, "green", ("ipv4", "8.8.8.8"))
    found = _related(db, world.analyst.id, lt)
    assert _refs(found) == set()
    assert RESOLVERS in found.benign[IndexedValue(T.IPV4, "8.8.8.8")]
    inside = _file(db, world.ua_analyst.id, "green", ("ipv4", "5.188.10.9"))
    assert _refs(_related(db, world.analyst.id, lt)) == {str(inside)}
    _allow(db, world, "5.188.10.9")  # the address found inside LT's range is allow-listed
    assert _refs(_related(db, world.analyst.id, lt)) == set()
    with db.transaction() as uow:  # the value search still shows who carries it
        looked = correlate.lookup(uow, _who(uow, world.analyst.id), ["8.8.8.8"])
    assert _refs(looked.correlation) == {str(lt), str(ua)}
    (report,) = looked.reports
    assert RESOLVERS in report.benign and report.items == 2


def test_verdicts_cover_a_thousand_values(db: Database, world: World) -> None:
    values = [f"5.188.{n // 250}.{n % 250 + 1}" for n in range(990)] + ["8.8.8.8"] * 10
    with db.transaction() as uow:
        found = benign.reasons(uow, values)
    assert set(found) == {"8.8.8.8"}
