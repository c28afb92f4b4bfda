"""Evidence files attached to incidents: the value type and the rules for their names.

Malware samples are kept and handed out only inside a zip encrypted with the password
`infected`, the convention of the field (MalwareBazaar, MISP, vendors' sample exchanges),
so that no scanner quarantines them and nobody runs one by a double click.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

MALWARE_ZIP_PASSWORD = "infected"
MAX_FILENAME = 255
FALLBACK_FILENAME = "attachment.bin"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]")


@dataclass(frozen=True)
class FileDigest:
    """Size and hashes of a file's original bytes (for a sample: before it was zipped)."""

    size: int
    md5: str
    sha1: str
    sha256: str


@dataclass(frozen=True)
class Attachment:
    id: uuid.UUID
    incident_id: uuid.UUID
    filename: str
    content_type: str
    digest: FileDigest
    is_malware: bool
    uploaded_by: uuid.UUID | None
    created_at: datetime

    @property
    def download_name(self) -> str:
        """The name a download is saved under: a sample always ends in `.zip`."""
        return f"{self.filename}.zip" if self.is_malware else self.filename


def clean_filename(raw: str | None) -> str:
    """The last path component, without control or shell-special characters, at most 255
    characters (the extension kept); a name that cleans to nothing becomes attachment.bin.

    Browsers send `C:\\fakepath\\x.log` or a bare name; tools may send a whole path.
    """
    text = unicodedata.normalize("NFC", raw or "")
    base = re.split(r"[\\/]", text)[-1]
    cleaned = _UNSAFE.sub("_", base).strip().strip(".").strip()
    if not cleaned:
        return FALLBACK_FILENAME
    if len(cleaned) <= MAX_FILENAME:
        return cleaned
    stem, dot, ext = cleaned.rpartition(".")
    if dot and 0 < len(ext) <= 16:
        return stem[:MAX_FILENAME - len(ext) - 1] + "." + ext
    return cleaned[:MAX_FILENAME]


def clean_content_type(raw: str | None) -> str:
    """The declared media type, kept for information only: downloads never use it."""
    text = (raw or "").split(";")[0].strip().lower()
    if re.fullmatch(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}", text):
        return text
    return "application/octet-stream"
