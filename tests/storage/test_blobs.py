"""The content-addressed blob store: atomic, deduplicated, size-limited while streaming,
and malware samples encrypted from the first byte on."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import pyzipper

from rcsc.core.attachments import MALWARE_ZIP_PASSWORD
from rcsc.errors import PayloadTooLarge
from rcsc.storage.blobs import TEMP_DIR, BlobStore

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


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
