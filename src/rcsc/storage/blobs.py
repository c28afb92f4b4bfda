"""Files kept outside the database tables, content-addressed by SHA-256.

A file lives at `<root>/ab/cd/<sha256>` (a malware sample at `<root>/ab/cd/<sha256>.zip`),
so identical content is stored once whoever sends it. A write streams into a temporary file
in `<root>/.tmp` while it hashes and counts; only a complete file within the size limit is
renamed into place (atomic on one filesystem), so a reader never sees half a file and a
refused upload leaves nothing behind.

A sample is encrypted as it streams, into a WinZip-AES zip with the field's password
`infected` (pyzipper: zipfile with AES; 7-Zip, MISP, PyMISP and MalwareBazaar's users all
open these). Its bytes never touch the disk in the clear; its hashes are of the sample.

A file is placed before the attachment row naming it is committed, so a failed transaction
leaves an orphan, and a crash a stale temporary file; `sweep` removes both once they are
older than a grace period (see there for why that is safe while uploads run).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from rcsc.core.attachments import MALWARE_ZIP_PASSWORD, FileDigest
from rcsc.errors import PayloadTooLarge

BLOB_DIR = "blobs"  # the store's folder in the data dir
TEMP_DIR = ".tmp"
ZIP_SUFFIX = ".zip"
UPLOAD_PREFIX = "upload-"
SWEEP_PREFIX = "sweep-"  # a file the sweep moved aside to judge it (see `_remove_blob`)
FANOUT_NAME = re.compile(r"[0-9a-f]{2}")
BLOB_NAME = re.compile(r"(?P<sha256>[0-9a-f]{64})(?P<zip>\.zip)?")
TEMP_NAME = re.compile(rf"(?:{UPLOAD_PREFIX}|{SWEEP_PREFIX})[0-9A-Za-z_.-]+")
ZIP64_FROM = (1 << 31) - 1  # past this a zip member needs the ZIP64 extension


@dataclass(frozen=True)
class StoredBlob:
    digest: FileDigest
    sealed: bool  # kept only inside the password-protected zip


class SweepReason(StrEnum):
    ORPHAN = "orphan"  # a blob no attachment row names
    STALE_TEMP = "stale-temp"  # an upload (or a sweep) that never finished


@dataclass(frozen=True)
class SweptFile:
    path: Path
    size: int
    reason: SweepReason


class _Sealer:
    """A zip with one AES-256 encrypted member, written as the data arrives."""

    def __init__(self, handle: IO[bytes], member: str, large: bool) -> None:
        import pyzipper  # a quarter second (its AES): imported when a file is sealed

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
        fd, name = tempfile.mkstemp(dir=store.temp_dir, prefix=UPLOAD_PREFIX)
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
        """Move a finished file to its address, or drop it when that content is there. The
        content already there may be an old orphan about to be swept: touching it makes it
        young again, so the sweep spares it until this upload's row is committed."""
        final = self.path(stored.digest.sha256, sealed=stored.sealed)
        try:
            os.utime(final)
        except FileNotFoundError:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, final)
            _fsync_dir(final.parent)
        else:
            temp.unlink(missing_ok=True)

    def sweep(self, referenced: Container[tuple[str, bool]], *, older_than: datetime,
              dry_run: bool = False) -> list[SweptFile]:
        """Remove the blobs that `referenced` (of `(sha256, sealed)`) does not name and the
        temporary files, each only if last written before `older_than`; what was removed
        (with `dry_run`: what would be). Only well-formed names inside the store are looked
        at, and no link is followed. The grace period spares an upload in flight, whose
        file is placed before its row commits (and whose temp file it keeps writing to)."""
        cutoff = older_than.timestamp()
        swept = []
        for path, reason in self._candidates(referenced):
            size = _stale_size(path, cutoff)
            if size is None:
                continue
            if not dry_run and not self._remove(path, reason, cutoff):
                continue
            swept.append(SweptFile(path, size, reason))
        return swept

    def _candidates(self, referenced: Container[tuple[str, bool]]
                    ) -> Iterator[tuple[Path, SweepReason]]:
        for path in _entries(self.root / TEMP_DIR, TEMP_NAME, dirs=False):
            yield path, SweepReason.STALE_TEMP
        for outer in _entries(self.root, FANOUT_NAME, dirs=True):
            for inner in _entries(outer, FANOUT_NAME, dirs=True):
                for path in _entries(inner, BLOB_NAME, dirs=False):
                    name = BLOB_NAME.fullmatch(path.name)
                    assert name is not None
                    sha256, sealed = name["sha256"], name["zip"] is not None
                    if (sha256[:2], sha256[2:4]) == (outer.name, inner.name) \
                            and (sha256, sealed) not in referenced:
                        yield path, SweepReason.ORPHAN

    def _remove(self, path: Path, reason: SweepReason, cutoff: float) -> bool:
        if reason is SweepReason.STALE_TEMP:
            path.unlink(missing_ok=True)
            return True
        return self._remove_blob(path, cutoff)

    def _remove_blob(self, path: Path, cutoff: float) -> bool:
        """Move the blob aside, then judge it: an upload of the same content touches it
        (`_place`) either before the move, and it goes back, or after, and then finds no
        file and places its own. So no upload is ever left pointing at nothing."""
        aside = self.temp_dir / f"{SWEEP_PREFIX}{path.name}"
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            return False  # gone meanwhile (another sweep)
        if _stale_size(aside, cutoff) is None:
            os.replace(aside, path)
            return False
        aside.unlink(missing_ok=True)
        return True


def _entries(folder: Path, name: re.Pattern[str], *, dirs: bool) -> Iterator[Path]:
    """The folders (or regular files) in `folder` whose names match; never through a link."""
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in sorted(entries, key=lambda e: e.name):
        kind_ok = entry.is_dir(follow_symlinks=False) if dirs \
            else entry.is_file(follow_symlinks=False)
        if kind_ok and name.fullmatch(entry.name):
            yield Path(entry.path)


def _stale_size(path: Path, cutoff: float) -> int | None:
    """The size of a regular file last written before `cutoff`, else None."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_mtime >= cutoff:
        return None
    return info.st_size


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
