"""The attachment service on both databases: only the owner organisation attaches, the
sharing rule decides who lists and downloads, hashes become observables, all audited; the
garbage collector keeps every file a row names and removes old orphans."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from rcsc.accounts.auth import principal_for, system
from rcsc.core.attachments import Attachment
from rcsc.core.clock import FrozenClock
from rcsc.core.identity import ActorType, Principal
from rcsc.core.incidents import ObservableRole
from rcsc.errors import NotFound, PermissionDenied, ValidationFailed
from rcsc.incidents import attachments, observables, service
from rcsc.storage import Database
from rcsc.storage.blobs import BlobStore, SweepReason
from rcsc.storage.repos.audit import AuditFilter
from tests.conftest import World
from tests.storage.test_blobs import last_written

LOG = b"2026-11-20T03:14:07Z fw01 DROP TCP 198.51.100.23:443 -> 10.1.2.3:51515\n" * 20


def principal(db: Database, user_id: uuid.UUID) -> Principal:
    with db.transaction(readonly=True) as uow:
        user = uow.users.get(user_id)
    assert user is not None
    return principal_for(user, via=ActorType.USER)


def file_incident(db: Database, author: Principal, tlp: str = "amber",
                  recipient_orgs: tuple[uuid.UUID, ...] = ()) -> uuid.UUID:
    with db.transaction() as uow:
        return service.create(uow, author, {
            "title": "Ransomware at a regional hospital", "rsit_class": "malicious-code",
            "rsit_type": "infected-system", "severity": "high", "tlp": tlp,
            "recipient_org_ids": [str(o) for o in recipient_orgs]}).id


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def attach(db: Database, blobs: BlobStore, actor: Principal, incident_id: uuid.UUID,
            data: bytes, name: str, sample: bool = False) -> Attachment:
    blob = blobs.put([data], 1_000_000, seal_as=name if sample else None)
    with db.transaction() as uow:
        return attachments.add(uow, actor, incident_id, blob, filename=name,
                               content_type="text/plain")


def test_owner_attaches_and_the_hashes_become_observables(
    db: Database, world: World, blobs: BlobStore
) -> None:
    analyst = principal(db, world.analyst.id)
    incident_id = file_incident(db, analyst)
    added = attach(db, blobs, analyst, incident_id, LOG, "C:\\fakepath\\fw01.log")
    assert added.filename == "fw01.log"
    assert added.digest.sha256 == hashlib.sha256(LOG).hexdigest()
    with db.transaction() as uow:
        found = {(o.type.value, o.value): o
                 for o in observables.list_for(uow, analyst, incident_id)}
        entries = uow.audit.list(AuditFilter(action="attachment.create"), limit=10)
    assert set(found) == {("md5", added.digest.md5), ("sha1", added.digest.sha1),
                          ("sha256", added.digest.sha256), ("filename", "fw01.log")}
    assert {o.role for o in found.values()} == {ObservableRole.CONTEXT}
    assert [e.object_id for e in entries] == [str(added.id)]


def test_a_sample_s_hashes_are_indicators(db: Database, world: World,
                                          blobs: BlobStore) -> None:
    analyst = principal(db, world.analyst.id)
    incident_id = file_incident(db, analyst)
    attach(db, blobs, analyst, incident_id, b"MZ\x90\x00 dropper", "invoice.pdf.exe",
            sample=True)
    with db.transaction() as uow:
        roles = {o.role for o in observables.list_for(uow, analyst, incident_id)}
    assert roles == {ObservableRole.IOC}


def test_a_recipient_may_read_but_not_attach(db: Database, world: World,
                                             blobs: BlobStore) -> None:
    analyst, partner = principal(db, world.analyst.id), principal(db, world.ua_analyst.id)
    incident_id = file_incident(db, analyst, recipient_orgs=(world.ua_org,))
    added = attach(db, blobs, analyst, incident_id, LOG, "fw01.log")
    with db.transaction() as uow:
        with pytest.raises(PermissionDenied, match="reporting organisation"):
            attachments.check_upload(uow, partner, incident_id)
        assert [a.id for a in attachments.list_for(uow, partner, incident_id)] == [added.id]
        found = attachments.download(uow, blobs, partner, added.id)
    assert found.path.read_bytes() == LOG
    assert found.media_type == "application/octet-stream"
    with db.transaction() as uow:
        [entry] = uow.audit.list(AuditFilter(action="attachment.download"), limit=10)
    assert entry.actor_id == partner.user_id and entry.object_id == str(added.id)


def test_who_cannot_see_the_incident_gets_404_everywhere(
    db: Database, world: World, blobs: BlobStore
) -> None:
    analyst, outsider = principal(db, world.analyst.id), principal(db, world.ua_analyst.id)
    incident_id = file_incident(db, analyst, tlp="amber+strict")
    added = attach(db, blobs, analyst, incident_id, LOG, "fw01.log")
    with db.transaction() as uow:
        for attempt in (lambda: attachments.check_upload(uow, outsider, incident_id),
                        lambda: attachments.list_for(uow, outsider, incident_id),
                        lambda: attachments.download(uow, blobs, outsider, added.id)):
            with pytest.raises(NotFound):
                attempt()
        assert uow.audit.list(AuditFilter(action="attachment.download"), limit=10) == []


def test_an_empty_file_is_refused(db: Database, world: World, blobs: BlobStore) -> None:
    analyst = principal(db, world.analyst.id)
    incident_id = file_incident(db, analyst)
    with pytest.raises(ValidationFailed, match="file: is empty"):
        attach(db, blobs, analyst, incident_id, b"", "empty.log")


GRACE = timedelta(minutes=60)


def _failed_upload(db: Database, blobs: BlobStore, actor: Principal,
                   incident_id: uuid.UUID, data: bytes) -> Path:
    """A file placed whose row never committed: the transaction failed after `add`."""
    blob = blobs.put([data], 1_000_000)
    with pytest.raises(RuntimeError), db.transaction() as uow:
        attachments.add(uow, actor, incident_id, blob, filename="lost.log")
        raise RuntimeError("the connection dropped before the commit")
    return blobs.path(blob.digest.sha256, sealed=False)


def test_garbage_collection_keeps_attached_files_and_removes_old_orphans(
    db: Database, world: World, blobs: BlobStore, clock: FrozenClock
) -> None:
    analyst = principal(db, world.analyst.id)
    red = file_incident(db, analyst, tlp="red")  # the collector sees past the sharing rule
    log = attach(db, blobs, analyst, red, LOG, "fw01.log")
    sample = attach(db, blobs, analyst, red, b"MZ\x90\x00 dropper", "a.exe", sample=True)
    kept = [blobs.path(a.digest.sha256, sealed=a.is_malware) for a in (log, sample)]
    orphan = _failed_upload(db, blobs, analyst, red, b"placed, never recorded")
    young = _failed_upload(db, blobs, analyst, red, b"an upload still in flight")
    stale, fresh = blobs.temp_dir / "upload-k3x9q0zz", blobs.temp_dir / "upload-a1b2c3d4"
    for path in (stale, fresh):
        path.write_bytes(b"half an upload")
    for path in (*kept, orphan, stale):
        last_written(path, clock.now() - GRACE - timedelta(seconds=1))
    for path in (young, fresh):
        last_written(path, clock.now() - GRACE + timedelta(seconds=1))

    swept = attachments.collect_garbage(db, blobs, system("cron"), grace=GRACE)
    assert {(x.path, x.reason) for x in swept} == {
        (orphan, SweepReason.ORPHAN), (stale, SweepReason.STALE_TEMP)}
    assert all(p.is_file() for p in (*kept, young, fresh))
    assert not orphan.exists() and not stale.exists()
    with db.transaction() as uow:
        assert attachments.download(uow, blobs, analyst, log.id).path.read_bytes() == LOG
        [entry] = uow.audit.list(AuditFilter(action="blobs.gc"), limit=10)
    assert entry.actor_label == "cron"
    assert entry.detail == {"dry_run": False, "grace_seconds": 3600, "files": 2,
                            "bytes": len(b"placed, never recorded") + len(b"half an upload")}


def test_a_dry_run_removes_nothing_and_is_audited_as_one(
    db: Database, world: World, blobs: BlobStore, clock: FrozenClock
) -> None:
    analyst = principal(db, world.analyst.id)
    orphan = _failed_upload(db, blobs, analyst, file_incident(db, analyst), LOG)
    last_written(orphan, clock.now() - 2 * GRACE)
    swept = attachments.collect_garbage(db, blobs, system(), grace=GRACE, dry_run=True)
    assert [x.path for x in swept] == [orphan] and orphan.is_file()
    with db.transaction(readonly=True) as uow:
        [entry] = uow.audit.list(AuditFilter(action="blobs.gc"), limit=10)
    assert entry.detail["dry_run"] is True and entry.detail["files"] == 1


def test_only_an_admin_collects_garbage_and_the_grace_is_never_negative(
    db: Database, world: World, blobs: BlobStore
) -> None:
    with pytest.raises(PermissionDenied, match="needs the role admin"):
        attachments.collect_garbage(db, blobs, principal(db, world.analyst.id), grace=GRACE)
    with pytest.raises(ValidationFailed, match="grace: must not be negative"):
        attachments.collect_garbage(db, blobs, system(), grace=-GRACE)
    with db.transaction(readonly=True) as uow:
        assert uow.audit.list(AuditFilter(action="blobs.gc"), limit=10) == []
