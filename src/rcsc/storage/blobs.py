"""Files kept outside the database tables, content-addressed by SHA-256.

A file lives at `<root>/ab/cd/<sha256>` (a malware sample at `<root>/ab/cd/<sha256>.zip`),
so identical content is stored once whoever sends it. A write streams into a temporary file
in `<root>/.tmp` while it hashes and counts; only a complete file within the size limit is
renamed into place (atomic on one filesystem), so a reader never sees half a file and a
refused upload leaves nothing behind.

A sample is encrypted as it streams, into a WinZip-AES zip with the field's password
`infected` (pyzipper: zipfile with AES; 7-Zip, MISP, PyMISP and MalwareBazaar's users all
open these). Its bytes never touch the disk in the clear; its hashes are of the sample.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pyzipper

from rcsc.core.attachments import MALWARE_ZIP_PASSWORD, FileDigest
from rcsc.errors import PayloadTooLarge

TEMP_DIR = ".tmp"
ZIP_SUFFIX = ".zip"
ZIP64_FROM = (1 << 31) - 1  # past this a zip member needs the ZIP64 extension


@dataclass(frozen=True)
class StoredBlob:
    digest: FileDigest
    sealed: bool  # kept only inside the password-protected zip


class _Sealer:
    """A zip with one AES-256 encrypted member, written as the data arrives."""

    def __init__(self, handle: IO[bytes], member: str, large: bool) -> None:
        self.zip = pyzipper.AESZipFile(handle, "w", compression=pyzipper.ZIP_DEFLATED,
                                       encryption=pyzipper.WZ_AES)
        self.zip.setpassword(MALWARE_ZIP_PASSWORD.encode())
        info = self.zip.zipinfo_cls(member, date_time=time.gmtime()[:6])
        info.compress_type = pyzipper.ZIP_DEFLATED
        self.member: Any = self.zip.open(info, "w", force_zip64=large)

    def write(self, chunk: bytes) -> None:
        self.member.write(chunk)

    def close(self) -> None:
        self.member.close()
        self.zip.close()


class BlobWriter:
    """Receives a file chunk by chunk; `commit` files it, anything else throws it away."""

    def __init__(self, store: BlobStore, max_bytes: int, seal_as: str | None) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.size = 0
        self._hashes = (hashlib.md5(usedforsecurity=False),
                        hashlib.sha1(usedforsecurity=False), hashlib.sha256())
        fd, name = tempfile.mkstemp(dir=store.temp_dir, prefix="upload-")
        self._temp = Path(name)
        self._handle: IO[bytes] = os.fdopen(fd, "w+b")
        self._sealer = _Sealer(self._handle, seal_as, max_bytes > ZIP64_FROM) \
            if seal_as is not None else None
        self._done = False

    def write(self, chunk: bytes) -> None:
        if self._done:
            raise ValueError("the blob writer is closed")
        if self.size + len(chunk) > self.max_bytes:
            self.abort()
            raise PayloadTooLarge(f"the file is larger than the limit of {self.max_bytes} "
                                  "bytes (RCSC_MAX_ATTACHMENT_BYTES)", self.max_bytes)
        self.size += len(chunk)
        for h in self._hashes:
            h.update(chunk)
        (self._sealer or self._handle).write(chunk)

    def commit(self) -> StoredBlob:
        if self._done:
            raise ValueError("the blob writer is closed")
        self._done = True
        if self._sealer is not None:
            self._sealer.close()
        md5, sha1, sha256 = (h.hexdigest() for h in self._hashes)
        stored = StoredBlob(FileDigest(self.size, md5, sha1, sha256), self._sealer is not None)
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self.store._place(self._temp, stored)
        return stored

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            if self._sealer is not None:  # close the zip first, or its finaliser complains
                self._sealer.close()
        finally:
            self._handle.close()
            self._temp.unlink(missing_ok=True)

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.abort()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def temp_dir(self) -> Path:
        path = self.root / TEMP_DIR
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, sha256: str, *, sealed: bool) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        name = sha256 + (ZIP_SUFFIX if sealed else "")
        return self.root / sha256[:2] / sha256[2:4] / name

    def exists(self, sha256: str, *, sealed: bool) -> bool:
        return self.path(sha256, sealed=sealed).is_file()

    def writer(self, max_bytes: int, *, seal_as: str | None = None) -> BlobWriter:
        """A writer for one file of at most `max_bytes`; `seal_as` names the member of the
        password-protected zip a malware sample is kept in (None: keep the bytes as sent)."""
        return BlobWriter(self, max_bytes, seal_as)

    def put(self, chunks: Iterable[bytes], max_bytes: int, *,
            seal_as: str | None = None) -> StoredBlob:
        with self.writer(max_bytes, seal_as=seal_as) as writer:
            for chunk in chunks:
                writer.write(chunk)
            return writer.commit()

    def _place(self, temp: Path, stored: StoredBlob) -> None:
        """Move a finished file to its address, or drop it when that content is there."""
        final = self.path(stored.digest.sha256, sealed=stored.sealed)
        if final.is_file():
            temp.unlink(missing_ok=True)
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)
        _fsync_dir(final.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
