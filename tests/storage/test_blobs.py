"""The content-addressed blob store: atomic, deduplicated, size-limited while streaming,
and malware samples encrypted from the first byte on; its sweep removes only old,
unreferenced, well-formed files inside the store."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pyzipper

from rcsc.core.attachments import MALWARE_ZIP_PASSWORD
from rcsc.errors import PayloadTooLarge
from rcsc.storage.blobs import TEMP_DIR, BlobStore, SweepReason, SweptFile

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GRACE_CUTOFF = NOW - timedelta(minutes=60)
OLD, YOUNG = NOW - timedelta(hours=2), NOW - timedelta(minutes=10)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _chunks(data: bytes, size: int = 1000) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def test_file_is_stored_under_its_sha256_with_all_three_hashes(store: BlobStore) -> None:
    data = b"Jan 12 03:14:07 gw sshd[811]: Failed password for root from 203.0.113.7\n" * 50
    stored = store.put(_chunks(data), 10_000)
    sha256 = hashlib.sha256(data).hexdigest()
    assert stored.digest.sha256 == sha256
    assert stored.digest.sha1 == hashlib.sha1(data).hexdigest()  # noqa: S324
    assert stored.digest.md5 == hashlib.md5(data).hexdigest()  # noqa: S324
    assert stored.digest.size == len(data) and not stored.sealed
    path = store.root / sha256[:2] / sha256[2:4] / sha256
    assert _files(store.root) == [path]
    assert path.read_bytes() == data


def test_identical_content_is_stored_once(store: BlobStore) -> None:
    first = store.put([b"same bytes"], 100)
    second = store.put([b"same ", b"bytes"], 100)
    assert first == second
    assert len(_files(store.root)) == 1


def test_a_file_at_the_limit_is_accepted(store: BlobStore) -> None:
    assert store.put(_chunks(b"x" * 5000), 5000).digest.size == 5000


@pytest.mark.parametrize("seal_as", [None, "dropper.exe"])
def test_over_the_limit_is_refused_naming_it_and_leaves_nothing(
    store: BlobStore, seal_as: str | None
) -> None:
    with pytest.raises(PayloadTooLarge, match="limit of 5000 bytes") as raised:
        store.put(_chunks(b"x" * 5001), 5000, seal_as=seal_as)
    assert raised.value.limit_bytes == 5000
    assert _files(store.root) == []


def test_a_failed_stream_leaves_nothing(store: BlobStore) -> None:
    def broken() -> list[bytes]:
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError), store.writer(1000) as writer:
        writer.write(b"half a file")
        broken()
    assert _files(store.root) == []


def test_a_sample_is_kept_only_in_an_aes_zip_with_the_password_infected(
    store: BlobStore,
) -> None:
    sample = EICAR + b"\x00" * 1000
    stored = store.put(_chunks(sample, 16), 10_000, seal_as="eicar.com")
    sha256 = hashlib.sha256(sample).hexdigest()
    assert stored.sealed and stored.digest.sha256 == sha256
    [path] = _files(store.root)
    assert path == store.path(sha256, sealed=True) and path.name == f"{sha256}.zip"
    assert not store.exists(sha256, sealed=False)
    raw = path.read_bytes()
    assert EICAR not in raw
    assert raw[8:10] == (99).to_bytes(2, "little")  # WinZip AES: method 99 (APPNOTE 4.4.5)
    with pyzipper.AESZipFile(io.BytesIO(path.read_bytes())) as archive:
        [info] = archive.infolist()
        assert info.filename == "eicar.com"
        assert info.flag_bits & 0x1  # encrypted
        with pytest.raises(RuntimeError, match="password"):
            archive.read("eicar.com")
        archive.setpassword(MALWARE_ZIP_PASSWORD.encode())
        assert archive.read("eicar.com") == sample


def test_a_sample_never_sits_on_disk_in_the_clear_while_it_streams(
    store: BlobStore,
) -> None:
    with store.writer(1_000_000, seal_as="sample.bin") as writer:
        for _ in range(200):
            writer.write(EICAR * 20)
            for partial in _files(store.root / TEMP_DIR):
                assert EICAR not in partial.read_bytes()
        writer.commit()
    assert all(EICAR not in f.read_bytes() for f in _files(store.root))


def test_the_same_sample_twice_is_one_zip(store: BlobStore) -> None:
    store.put([EICAR], 1000, seal_as="a.com")
    store.put([EICAR], 1000, seal_as="b.com")
    assert len(_files(store.root)) == 1


def test_paths_accept_only_sha256_digests(store: BlobStore) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        store.path("../../etc/passwd", sealed=False)


def last_written(path: Path, when: datetime) -> Path:
    """Set a file's mtime (without following a link), as if last written `when`."""
    os.utime(path, (when.timestamp(), when.timestamp()), follow_symlinks=False)
    return path


def _blob(store: BlobStore, data: bytes, when: datetime, seal_as: str | None = None) -> Path:
    stored = store.put([data], 10_000, seal_as=seal_as)
    return last_written(store.path(stored.digest.sha256, sealed=stored.sealed), when)


def _temp(store: BlobStore, name: str, when: datetime) -> Path:
    path = store.temp_dir / name
    path.write_bytes(b"half an upload")
    return last_written(path, when)


def _key(path: Path) -> tuple[str, bool]:
    return path.name.removesuffix(".zip"), path.name.endswith(".zip")


def test_sweep_removes_old_orphans_and_stale_uploads_only(store: BlobStore) -> None:
    kept = _blob(store, b"attached evidence", OLD)
    orphan = _blob(store, b"row never committed", OLD)
    young = _blob(store, b"upload in flight", YOUNG)
    stale, fresh = _temp(store, "upload-k3x9q0zz", OLD), _temp(store, "upload-a1b2c3d4", YOUNG)
    swept = store.sweep({_key(kept)}, older_than=GRACE_CUTOFF)
    assert set(swept) == {SweptFile(orphan, len(b"row never committed"), SweepReason.ORPHAN),
                          SweptFile(stale, len(b"half an upload"), SweepReason.STALE_TEMP)}
    assert _files(store.root) == sorted([kept, young, fresh])


def test_a_file_written_exactly_at_the_cutoff_stays(store: BlobStore) -> None:
    _blob(store, b"borderline", GRACE_CUTOFF)
    assert store.sweep(set(), older_than=GRACE_CUTOFF) == []


def test_a_reference_keeps_the_sealed_or_the_plain_file_not_both(store: BlobStore) -> None:
    plain = _blob(store, EICAR, OLD)
    sealed = _blob(store, EICAR, OLD, seal_as="eicar.com")
    [swept] = store.sweep({_key(plain)}, older_than=GRACE_CUTOFF)
    assert swept.path == sealed and _files(store.root) == [plain]


def test_a_dry_run_reports_the_same_and_removes_nothing(store: BlobStore) -> None:
    orphan = _blob(store, b"row never committed", OLD)
    stale = _temp(store, "upload-k3x9q0zz", OLD)
    before = _files(store.root)
    dry = store.sweep(set(), older_than=GRACE_CUTOFF, dry_run=True)
    assert {x.path for x in dry} == {orphan, stale}
    assert _files(store.root) == before
    assert store.sweep(set(), older_than=GRACE_CUTOFF) == dry


def _old_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a blob of ours")
    return last_written(path, OLD)


def test_sweep_leaves_foreign_names_links_and_everything_outside_alone(
    store: BlobStore, tmp_path: Path
) -> None:
    misplaced = hashlib.sha256(b"misplaced").hexdigest()
    assert not misplaced.startswith("abcd")
    foreign = [_old_file(store.root / name) for name in (
        "README", "ab/cd/notes.txt", f"ab/cd/{misplaced}", f"ab/cd/{'AB' * 32}",
        f"ab/cd/abcd{'0' * 60}.tar", f"{TEMP_DIR}/other-file", f"abc/de/abcde{'0' * 59}")]
    victim = _old_file(tmp_path / "outside" / f"cdab{'0' * 60}")  # well-formed for cd/ab/
    file_link = store.root / "ab" / "ab" / ("ab" * 32)
    file_link.parent.mkdir(parents=True)
    file_link.symlink_to(victim)
    dir_link = store.root / "cd" / "ab"
    dir_link.parent.mkdir()
    dir_link.symlink_to(victim.parent, target_is_directory=True)
    for link in (file_link, dir_link):
        last_written(link, OLD)
    assert store.sweep(set(), older_than=GRACE_CUTOFF) == []
    assert all(p.exists() for p in [*foreign, file_link, victim])


def test_a_repeated_upload_makes_an_old_orphan_young_again(store: BlobStore) -> None:
    """The orphan may be about to gain a row: the second upload's transaction is not
    committed yet, so only the file's age keeps the sweep away from it."""
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)  # the upload below touches it at real time
    orphan = _blob(store, b"sent twice", long_ago)
    cutoff = long_ago + timedelta(minutes=1)
    assert [x.path for x in store.sweep(set(), older_than=cutoff, dry_run=True)] == [orphan]
    store.put([b"sent twice"], 100)
    assert store.sweep(set(), older_than=cutoff) == []
    assert _files(store.root) == [orphan]


def test_a_blob_touched_after_it_was_judged_old_goes_back_in_place(store: BlobStore) -> None:
    """The last step of a sweep, after an upload of the same content touched the file
    between the sweep's first look and its removal: the second look spares it."""
    orphan = _blob(store, b"sent twice", OLD)
    last_written(orphan, YOUNG)
    assert not store._remove_blob(orphan, GRACE_CUTOFF.timestamp())
    assert _files(store.root) == [orphan]


def test_sweeping_a_store_never_written_to_finds_nothing(tmp_path: Path) -> None:
    assert BlobStore(tmp_path / "missing").sweep(set(), older_than=NOW) == []
    assert not (tmp_path / "missing").exists()
