"""MISP event JSON (one event, a list, or `{"response": [...]}` as MISP's REST API answers)
and MISP feeds: a directory (or a zip of one) with `manifest.json` and one `<uuid>.json`
per event. Conversion and the distribution → TLP mapping are `rcsc.stix.misp`.

A feed's events are imported one by one, each its own unit (transaction): MISP fetches
feed events independently too, and one bad event must not hold back hundreds of good ones.
`hashes.csv` and any file the manifest does not name are ignored.
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from rcsc.core.incidents import Recipients
from rcsc.errors import FieldError, ValidationFailed
from rcsc.exchange.files.formats import MANIFEST, Format, json_document
from rcsc.exchange.files.importer import Built, Context, Unit
from rcsc.stix.common import StixObject
from rcsc.stix.misp import Audience, event_to_stix

MAX_FEED_EVENTS = 100_000


def events_of(document: Any) -> list[Any]:
    """The event documents of a MISP JSON file."""
    if isinstance(document, dict) and isinstance(document.get("response"), list):
        return list(document["response"])
    if isinstance(document, list):
        return document
    return [document]


def _default(ctx: Context) -> Audience:
    c = ctx.collection
    named = frozenset({c.community_id}) if c.community_id else frozenset()
    return Audience(c.default_tlp, Recipients(community_ids=named))


def convert(ctx: Context, document: Any) -> list[StixObject]:
    """Every event of a document as STIX objects; a bad event is named by its place."""
    def known(org_id: uuid.UUID) -> bool:
        return ctx.uow.orgs.get(org_id) is not None

    objects: list[StixObject] = []
    events = events_of(document)
    for index, event in enumerate(events):
        try:
            objects += event_to_stix(event, known, _default(ctx))
        except ValidationFailed as exc:
            if len(events) == 1:
                raise
            raise ValidationFailed([FieldError(f"events.{index}.{e.field}", e.message)
                                    for e in exc.errors]) from None
    return objects


def unit(name: str, data: bytes) -> Unit:
    def build(ctx: Context) -> Built:
        return Built(convert(ctx, json_document(data)))
    return Unit(name, Format.MISP, build)


# --- feeds --------------------------------------------------------------------------------


class FeedFiles(Protocol):
    def read(self, name: str) -> bytes | None: ...


@dataclass(frozen=True)
class FeedDirectory:
    root: Path

    def read(self, name: str) -> bytes | None:
        path = self.root / name
        return path.read_bytes() if path.is_file() else None


class FeedZip:
    """A zip of a feed directory (the files at its top, or in one folder), read within a
    limit on the bytes it unpacks to, so a zip bomb stops at the limit."""

    def __init__(self, data: bytes, max_bytes: int) -> None:
        try:
            self.zip = zipfile.ZipFile(BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise ValidationFailed.field("file", f"is not a readable zip ({exc})") from None
        self.budget = max_bytes
        self.names = {PurePosixPath(i.filename).name: i for i in self.zip.infolist()
                      if not i.is_dir()}

    def read(self, name: str) -> bytes | None:
        info = self.names.get(name)
        if info is None:
            return None
        with self.zip.open(info) as handle:
            data = handle.read(self.budget + 1)
        self.budget -= len(data)
        if self.budget < 0:
            raise ValidationFailed.field("file", "unpacks to more than the upload limit")
        return data


def manifest_uuids(files: FeedFiles) -> list[str]:
    raw = files.read(MANIFEST)
    if raw is None:
        raise ValidationFailed.field("file", f"a MISP feed needs {MANIFEST}")
    manifest = json_document(raw, MANIFEST)
    if not isinstance(manifest, dict):
        raise ValidationFailed.field(MANIFEST, "must map event UUIDs to their summaries")
    if len(manifest) > MAX_FEED_EVENTS:
        raise ValidationFailed.field(MANIFEST, f"lists more than {MAX_FEED_EVENTS} events")
    found = []
    for key in manifest:
        try:
            found.append(str(uuid.UUID(str(key))))
        except ValueError:
            raise ValidationFailed.field(f"{MANIFEST}.{key}", "is not an event UUID") from None
    return found


def feed_units(label: str, files: FeedFiles) -> Iterator[Unit]:
    """One unit per event the manifest names, in the manifest's order."""
    for event_uuid in manifest_uuids(files):
        name = f"{event_uuid}.json"
        yield Unit(f"{label}/{name}", Format.MISP_FEED, _event_builder(files, name))


def _event_builder(files: FeedFiles, name: str) -> Any:
    def build(ctx: Context) -> Built:
        data = files.read(name)
        if data is None:
            raise ValidationFailed.field(name, "is named in the manifest but missing")
        return Built(convert(ctx, json_document(data, name)))
    return build
