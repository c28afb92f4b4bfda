"""The import and export pages on SQLite and PostgreSQL: an upload shows its report (and
why each bad row was rejected, nothing stored), CSRF is required, the export downloads only
what the viewer may see."""

from __future__ import annotations

from fastapi.testclient import TestClient

from rcsc.core.tlp import Tlp
from rcsc.storage import Database
from tests.conftest import World
from tests.exchange.files.support import DATA, bundle, stored
from tests.web.page_support import assert_html, csrf_of, logged_in
from tests.web.taxii_support import indicator


def _upload(client: TestClient, name: str, data: bytes, **fields: str) -> object:
    token = csrf_of(client.get("/exchange/import").text)
    return client.post("/exchange/import", files={"file": (name, data)},
                       data={"csrf_token": token, "format": "auto", "collection": "shared",
                             "atomic": "on", **fields})


def test_import_page_shows_the_report(client: TestClient, world: World) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    page = assert_html(client.get("/exchange/import"), 200)
    assert 'enctype="multipart/form-data"' in page and 'href="/exchange/export"' in page
    shown = assert_html(_upload(client, "smokeloader.json",  # type: ignore[arg-type]
                                (DATA / "stix_bundle.json").read_bytes()), 200)
    assert "<td>smokeloader.json</td><td>stix</td><td>12</td><td>0</td><td>0</td><td>0</td>" \
        in shown


def test_a_rejected_csv_lists_each_bad_row_and_stores_nothing(
        client: TestClient, world: World, db: Database) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    data = (DATA / "values.csv").read_bytes() + b"ipv4,300.1.1.1,,,,,,\n"
    shown = assert_html(_upload(client, "iocs.csv", data), 422)  # type: ignore[arg-type]
    assert "<code>row 8</code></td><td>value: &#39;300.1.1.1&#39; is not an IPv4" in shown
    assert "nothing stored" in shown
    assert stored(db) == {}


def test_import_without_the_form_token_is_refused(client: TestClient, world: World,
                                                  db: Database) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    refused = client.post("/exchange/import", files={"file": ("b.json", bundle(
        indicator("192.0.2.8", Tlp.GREEN)))}, data={"csrf_token": "forged"})
    assert_html(refused, 403)
    assert stored(db) == {}


def test_export_page_downloads_what_the_viewer_may_see(
        client: TestClient, world: World) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    _upload(client, "b.json", bundle(indicator("192.0.2.8", Tlp.GREEN),
                                     indicator("192.0.2.66", Tlp.AMBER_STRICT)))
    assert "STIX 2.1 bundle" in assert_html(client.get("/exchange/export"), 200)
    mine = client.get("/exchange/export/download", params={"format": "values"})
    assert mine.text.split() == ["192.0.2.8", "192.0.2.66"]
    client.cookies.clear()
    logged_in(client, world.ua_analyst.email, world.ua_analyst.password)
    theirs = client.get("/exchange/export/download", params={"format": "values"})
    assert theirs.text.split() == ["192.0.2.8"]
    bad = assert_html(client.get("/exchange/export/download", params={"type": "Not A Type"}),
                      422)
    assert "is not a STIX type" in bad
