"""Free-text extraction on SQLite and PostgreSQL: defanged forms in a report are found and
refanged to the values the index holds, warninglisted ones are marked, every ioc-finder
type we map lands on our type, and the picked values attach to an incident through the
incident rules (then correlate as any observable does)."""

from __future__ import annotations

import pytest

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType as T
from rcsc.errors import PermissionDenied, ValidationFailed
from rcsc.intel import correlate, extract, index
from rcsc.storage import Database
from tests.conftest import World
from tests.intel.test_correlate import _file, _refs, _who

REPORT = """CERT-UA#1234: the dropper (sha256
E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855, md5
d41d8cd98f00b204e9800998ecf8427e) beacons to hxxps://update-check[.]lt/gate.php and
5.188.10[.]3, falls back to 2a0d:5600:aa::5 and the range 5.188.0.0/16, resolves via
8.8.8[.]8 and exploits CVE-2021-44228; mail from ops[@]update-check[.]lt; AS 12345
announces it (ASN12345)."""


def _found(db: Database, world: World, text: str = REPORT) -> dict[IndexedValue, list[str]]:
    with db.transaction() as uow:
        return {f.value: f.benign for f in extract.find(uow, _who(uow, world.analyst.id),
                                                        text)}


def test_defanged_observables_are_found_refanged_and_typed(db: Database,
                                                           world: World) -> None:
    found = _found(db, world)
    expected = {
        IndexedValue(T.SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        IndexedValue(T.MD5, "d41d8cd98f00b204e9800998ecf8427e"),
        IndexedValue(T.URL, "https://update-check.lt/gate.php"),
        IndexedValue(T.DOMAIN, "update-check.lt"),
        IndexedValue(T.IPV4, "5.188.10.3"), IndexedValue(T.IPV4, "5.188.0.0/16"),
        IndexedValue(T.IPV6, "2a0d:5600:aa::5"), IndexedValue(T.IPV4, "8.8.8.8"),
        IndexedValue(T.CVE, "CVE-2021-44228"), IndexedValue(T.EMAIL, "ops@update-check.lt"),
        IndexedValue(T.ASN, "AS12345"),
    }
    assert expected <= set(found), expected - set(found)
    assert "warninglist: List of known IPv4 public DNS resolvers" in found[
        IndexedValue(T.IPV4, "8.8.8.8")]
    assert found[IndexedValue(T.IPV4, "5.188.10.3")] == []


def test_every_mapped_type_is_an_observable_type() -> None:
    assert set(extract.TYPES.values()) <= set(T)
    assert {"urls", "domains", "ipv4s", "ipv6s", "sha256s", "cves"} <= set(extract.TYPES)


def test_text_too_long_is_refused(db: Database, world: World) -> None:
    with pytest.raises(ValidationFailed) as bad:
        _found(db, world, "x" * (extract.MAX_TEXT + 1))
    assert [e.field for e in bad.value.errors] == ["text"]


def test_picked_values_attach_and_then_correlate(db: Database, world: World) -> None:
    lt = _file(db, world.analyst.id, "green")
    ua = _file(db, world.ua_analyst.id, "green", ("url", "https://update-check.lt/gate.php"))
    with db.transaction() as uow:
        made = extract.attach(uow, _who(uow, world.analyst.id), lt, [
            {"type": "url", "value": "https://update-check.lt/gate.php"},
            {"type": "ipv4", "value": "5.188.10.3"}])
    assert [o.value for o in made] == ["https://update-check.lt/gate.php", "5.188.10.3"]
    index.catch_up(db)
    with db.transaction() as uow:
        assert _refs(correlate.for_incident(uow, _who(uow, world.analyst.id), lt)) == {str(ua)}


def test_attaching_checks_every_pick_and_the_incident(db: Database, world: World) -> None:
    lt = _file(db, world.analyst.id, "green")
    with db.transaction() as uow, pytest.raises(ValidationFailed) as bad:
        extract.attach(uow, _who(uow, world.analyst.id), lt, [
            {"type": "ipv4", "value": "5.188.10.3"}, {"type": "ipv4", "value": "nope"}])
    assert [e.field for e in bad.value.errors] == ["observables[1].value"]
    with db.transaction() as uow, pytest.raises(PermissionDenied):  # only LT edits it
        extract.attach(uow, _who(uow, world.ua_analyst.id), lt,
                       [{"type": "ipv4", "value": "5.188.10.3"}])
