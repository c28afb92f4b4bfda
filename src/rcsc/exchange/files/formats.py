"""What a file is, told by its content (a file name's extension is only a tie-breaker):
a STIX 2.1 bundle, a MISP event (or several), a MISP feed (a directory, or a zip of one,
with `manifest.json`), or CSV with a header naming our columns."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from rcsc.errors import ValidationFailed


class Format(StrEnum):
    AUTO = "auto"
    STIX = "stix"
    MISP = "misp"
    MISP_FEED = "misp-feed"
    CSV = "csv"


IMPORT_FORMATS = tuple(f.value for f in Format)
ZIP_MAGIC = b"PK\x03\x04"
MANIFEST = "manifest.json"
_BOM = b"\xef\xbb\xbf"


def parse_format(text: str, field: str = "format") -> Format:
    try:
        return Format(text.strip().lower() or "auto")
    except ValueError:
        raise ValidationFailed.field(field, f"{text!r} is not one of "
                                            f"{', '.join(IMPORT_FORMATS)}") from None


def json_document(data: bytes, field: str = "file") -> Any:
    """The parsed JSON, or ValidationFailed naming where it stops being JSON."""
    try:
        return orjson.loads(data.removeprefix(_BOM))
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed.field(field, f"is not valid JSON ({exc})") from None


def _json_kind(document: Any) -> Format | None:
    if isinstance(document, dict):
        if document.get("type") == "bundle" or isinstance(document.get("objects"), list):
            return Format.STIX
        if "Event" in document or isinstance(document.get("response"), list) or \
                ("Attribute" in document and "info" in document):
            return Format.MISP
    if isinstance(document, list) and document and all(
            isinstance(item, dict) and "Event" in item for item in document):
        return Format.MISP
    return None


def _looks_csv(data: bytes) -> bool:
    head = data.removeprefix(_BOM)[:4096].decode("utf-8", "replace")
    first = next(csv.reader(io.StringIO(head)), [])
    names = {cell.strip().lower() for cell in first}
    return {"type", "value"} <= names


def detect(name: str, data: bytes) -> Format:
    """The format of one uploaded or named file, from its bytes."""
    if data.startswith(ZIP_MAGIC):
        return Format.MISP_FEED
    stripped = data.removeprefix(_BOM).lstrip()
    if stripped[:1] in (b"{", b"["):
        kind = _json_kind(json_document(data))
        if kind is None:
            raise ValidationFailed.field("format", "this JSON is neither a STIX bundle nor a "
                                                   "MISP event; name the format to import it")
        return kind
    if _looks_csv(data) or name.lower().endswith(".csv"):
        return Format.CSV
    raise ValidationFailed.field("format", "cannot tell the format of this file: a STIX "
                                           "bundle, MISP event JSON, a MISP feed or CSV with "
                                           "a type,value header")


def detect_path(path: Path) -> Format:
    """A directory is a MISP feed when it holds manifest.json; a file is read."""
    if path.is_dir():
        if (path / MANIFEST).is_file():
            return Format.MISP_FEED
        raise ValidationFailed.field("file", f"{path} is a directory without {MANIFEST} "
                                             "(a MISP feed has one)")
    return detect(path.name, path.read_bytes())
