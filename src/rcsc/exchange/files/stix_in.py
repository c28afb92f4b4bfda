"""STIX 2.1 bundles (and TAXII envelopes): the file's bytes go to the write path as they
are, so each object is stored byte for byte as received."""

from __future__ import annotations

from typing import Any

import orjson

from rcsc.errors import ValidationFailed
from rcsc.exchange.files.formats import Format, json_document
from rcsc.exchange.files.importer import Built, Context, Unit


def objects_of(document: Any) -> tuple[list[Any], bool]:
    """The objects of a bundle, an envelope or a bare list, and whether the document can go
    to the write path as it is."""
    if isinstance(document, list):
        return document, False
    if not isinstance(document, dict):
        raise ValidationFailed.field("file", "must be a STIX bundle: {\"type\": \"bundle\", "
                                             "\"objects\": [...]}")
    kind = document.get("type", "bundle")
    if kind != "bundle":
        raise ValidationFailed.field("type", f"{kind!r}: a file holds a bundle; post single "
                                             "objects over TAXII")
    if document.get("spec_version") == "2.0":
        raise ValidationFailed.field("spec_version", "STIX 2.0 bundles are not supported; "
                                                     "this server stores STIX 2.1")
    items = document.get("objects", [])
    if not isinstance(items, list):
        raise ValidationFailed.field("objects", "must be a list of STIX objects")
    return items, True


def unit(name: str, data: bytes) -> Unit:
    def build(_ctx: Context) -> Built:
        items, as_is = objects_of(json_document(data))
        return Built(items, data if as_is else orjson.dumps({"objects": items}))
    return Unit(name, Format.STIX, build)
