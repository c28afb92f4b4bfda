"""/api/v1 attachments over real HTTP semantics: streamed multipart upload, the sharing rule
on list and download, downloads that are never rendered, samples only inside the zip."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyzipper
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rcsc.config import Settings, load_settings
from rcsc.storage import Database
from tests.conftest import World
from tests.incidents.test_attachments import file_incident, principal
from tests.web.api_support import assert_problem, assert_validation_problem, row_counts

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PAGE = b"<html><script>alert(document.cookie)</script></html>"


def _url(incident_id: uuid.UUID) -> str:
    return f"/api/v1/incidents/{incident_id}/attachments"


def upload(client: TestClient, auth: dict[str, str], incident_id: uuid.UUID, data: bytes,
           name: str = "evidence.html", malware: bool | None = None) -> httpx.Response:
    form = {} if malware is None else {"is_malware": "true" if malware else "false"}
    return client.post(_url(incident_id), headers=auth, data=form,
                       files={"file": (name, data, "text/html")})


def _blob_files(settings: Settings) -> list[Path]:
    return [p for p in (settings.data_dir / "blobs").rglob("*") if p.is_file()]


@pytest.fixture
def incident(db: Database, world: World) -> uuid.UUID:
    """CERT-LT's AMBER incident, shared with CERT-UA."""
    return file_incident(db, principal(db, world.analyst.id), recipient_orgs=(world.ua_org,))


def test_upload_list_and_download_evidence(
    client: TestClient, world: World, incident: uuid.UUID
) -> None:
    created = upload(client, world.analyst.auth, incident, PAGE)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["hashes"]["sha256"] == hashlib.sha256(PAGE).hexdigest()
    assert body["size"] == len(PAGE) and body["is_malware"] is False
    assert body["zip_password"] is None
    listed = client.get(_url(incident), headers=world.ua_analyst.auth)
    assert [a["id"] for a in listed.json()] == [body["id"]]

    download = client.get(body["download_url"], headers=world.ua_analyst.auth)
    assert download.status_code == 200
    assert download.content == PAGE
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == 'attachment; filename="evidence.html"'
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in download.headers["content-security-policy"]


def test_a_sample_is_served_only_inside_the_password_zip(
    client: TestClient, world: World, incident: uuid.UUID, settings: Settings
) -> None:
    created = upload(client, world.analyst.auth, incident, EICAR, "eicar.com", malware=True)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["is_malware"] is True and body["zip_password"] == "infected"
    assert body["hashes"]["md5"] == hashlib.md5(EICAR).hexdigest()  # noqa: S324
    download = client.get(body["download_url"], headers=world.analyst.auth)
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"] == 'attachment; filename="eicar.com.zip"'
    assert EICAR not in download.content
    with pyzipper.AESZipFile(io.BytesIO(download.content)) as archive:
        archive.setpassword(b"infected")
        assert archive.read("eicar.com") == EICAR
    every_file = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    assert every_file and all(EICAR not in p.read_bytes() for p in every_file)


def test_hashes_become_observables_and_the_upload_is_audited(
    client: TestClient, world: World, incident: uuid.UUID, db: Database
) -> None:
    body = upload(client, world.analyst.auth, incident, PAGE).json()
    with db.transaction() as uow:
        values = {o.value for o in uow.incidents.observables(None, incident_id=incident)}
        seen = {o.value for o in uow.incidents.observables(
            uow.incidents.viewer(world.ua_analyst.id, world.ua_org), incident_id=incident)}
    assert values == set()  # no viewer, nothing: the filter is on
    assert seen == {*body["hashes"].values(), "evidence.html"}


def test_a_partner_who_may_read_may_not_attach(
    client: TestClient, world: World, incident: uuid.UUID, db: Database
) -> None:
    before = row_counts(db)
    refused = upload(client, world.ua_analyst.auth, incident, PAGE)
    assert_problem(refused, 403)
    after = row_counts(db)
    assert after.pop("audit_log") == before.pop("audit_log") + 1  # the refusal
    assert after == before


def test_someone_the_incident_is_not_shared_with_gets_404(
    client: TestClient, world: World, db: Database, settings: Settings
) -> None:
    strict = file_incident(db, principal(db, world.analyst.id), tlp="amber+strict")
    body = upload(client, world.analyst.auth, strict, PAGE).json()
    outsider = world.ua_analyst.auth
    assert_problem(client.get(_url(strict), headers=outsider), 404)
    assert_problem(client.get(body["download_url"], headers=outsider), 404)
    assert_problem(upload(client, outsider, strict, b"more"), 404)
    assert len(_blob_files(settings)) == 1


@pytest.fixture
def small(tmp_path: Path, db_url: str, db: Database) -> Iterator[tuple[TestClient, Settings]]:
    """An app whose general body limit is the least allowed (1024 bytes), its file limit 1000."""
    from rcsc.web.app import create_app

    settings = load_settings(data_dir=tmp_path / "small", database_url=db_url,
                             max_request_bytes=1024, max_attachment_bytes=1000)
    app: FastAPI = create_app(settings, db=db)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client, settings


def test_an_upload_may_be_larger_than_the_general_body_limit(
    small: tuple[TestClient, Settings], world: World, incident: uuid.UUID
) -> None:
    client, settings = small
    created = upload(client, world.analyst.auth, incident, b"y" * 1000, "capture.pcap")
    assert created.status_code == 201, created.text
    assert int(created.request.headers["content-length"]) > settings.max_request_bytes
    other = client.post("/api/v1/tokens", headers=world.analyst.auth,
                        content=b"{" + b" " * 1100 + b"}")
    assert_problem(other, 413)  # elsewhere the general limit holds


@pytest.mark.parametrize("malware", [False, True])
def test_a_file_over_the_limit_is_refused_naming_it_and_nothing_is_kept(
    small: tuple[TestClient, Settings], world: World, incident: uuid.UUID, db: Database,
    malware: bool,
) -> None:
    client, settings = small
    before = row_counts(db)
    body = assert_problem(upload(client, world.analyst.auth, incident, b"x" * 1001,
                                 malware=malware), 413)
    assert "1000 bytes" in body["detail"]
    assert _blob_files(settings) == []
    assert row_counts(db) == before


def test_a_body_past_the_upload_limit_is_refused_before_it_is_read(
    small: tuple[TestClient, Settings], world: World, incident: uuid.UUID
) -> None:
    client, settings = small
    response = client.post(_url(incident), headers={
        **world.analyst.auth, "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(settings.max_attachment_bytes + 2_000_000)}, content=b"")
    assert_problem(response, 413)


def _raw(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    body = b""
    for name, filename, data in parts:
        extra = f'; filename="{filename}"' if filename else ""
        body += (f'--BOUNDARY\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n'
                 .encode() + data + b"\r\n")
    return body + b"--BOUNDARY--\r\n", "multipart/form-data; boundary=BOUNDARY"


@pytest.mark.parametrize(("parts", "field"), [
    ([("file", "x.exe", EICAR), ("is_malware", None, b"true")], "is_malware"),
    ([("is_malware", None, b"maybe"), ("file", "x.exe", EICAR)], "is_malware"),
    ([("is_malware", None, b"true")], "file"),
    ([("file", "x.log", b"")], "file"),
    ([("file", "a.log", b"a"), ("file", "b.log", b"b")], "file"),
    ([("comment", None, b"hi"), ("file", "x.log", b"x")], "comment"),
])
def test_bad_forms_are_refused_naming_the_field_and_keep_nothing(
    client: TestClient, world: World, incident: uuid.UUID, db: Database, settings: Settings,
    parts: list[tuple[str, str | None, bytes]], field: str,
) -> None:
    before = row_counts(db)
    body, content_type = _raw(parts)
    response = client.post(_url(incident), content=body,
                           headers={**world.analyst.auth, "Content-Type": content_type})
    assert_validation_problem(response, field)
    assert row_counts(db) == before
    assert _blob_files(settings) == []


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data"])
def test_a_body_that_is_not_a_multipart_form_is_refused(
    client: TestClient, world: World, incident: uuid.UUID, content_type: str
) -> None:
    response = client.post(_url(incident), content=b'{"file": "x"}',
                           headers={**world.analyst.auth, "Content-Type": content_type})
    assert_validation_problem(response, "body")


def test_a_body_cut_short_is_refused(
    client: TestClient, world: World, incident: uuid.UUID, settings: Settings
) -> None:
    body, content_type = _raw([("file", "x.log", b"some log lines")])
    response = client.post(_url(incident), content=body[:-20],
                           headers={**world.analyst.auth, "Content-Type": content_type})
    assert_validation_problem(response, "body")
    assert _blob_files(settings) == []
