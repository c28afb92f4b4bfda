"""The observables an export in values (CSV, value lists, MISP attributes) is made of, read
page by page from what the viewer may see, so memory stays flat whatever the collection's
size (one 64-bit hash per distinct value is kept, to write each value once).

Passes over the collection, each in date-added order (first, the tags of reports: the
MISP events the objects came from):
1. indicators and vulnerabilities: the values their patterns test for (IoCs, or context
   when the indicator says only `unknown`);
2. observed-data: the values of the SCOs it holds, with the MISP type and tags misp-stix
   left on it (MISP attributes that were not IDS);
3. SCOs no earlier pass named, as context.
A value already written (same type and value) is not written again: the first one wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson

from rcsc.core.exchange import ObjectQuery, ObjectVersion
from rcsc.core.incidents import ObservableRole
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.sharing import Viewer
from rcsc.sharing.rule import stricter
from rcsc.stix.common import SCO_TYPES
from rcsc.stix.extract import observables
from rcsc.stix.misp import MispHints, hints
from rcsc.stix.rows import role_of
from rcsc.storage import UnitOfWork

PAGE = 1000
MAX_EVENT_TAGS = 200
REPORT_TYPES = frozenset({"report", "grouping"})
_REF_BATCH = 500
MAIN_TYPES = frozenset({"indicator", "vulnerability"})
CONTAINER_TYPES = frozenset({"observed-data"})
Pages = Callable[[ObjectQuery], Iterator[list[ObjectVersion]]]


@dataclass(frozen=True)
class Item:
    kind: ObservableType
    value: str
    tlp: Tlp
    uuid: str
    role: ObservableRole
    from_indicator: bool
    misp: MispHints
    description: str
    first_seen: str
    last_seen: str
    modified: datetime


def pages(uow: UnitOfWork, viewer: Viewer | None, collection_id: uuid.UUID,
          on_page: Callable[[int], None] | None = None) -> Pages:
    """Keyset walk of the visible objects matching a query, a page at a time."""
    def walk(q: ObjectQuery) -> Iterator[list[ObjectVersion]]:
        after = None
        while True:
            items, more = uow.stix.page(viewer, collection_id, replace(q, after=after,
                                                                       limit=PAGE))
            if on_page is not None:
                on_page(len(items))
            if items:
                yield items
            if not more or not items:
                return
            after = (items[-1].date_added, items[-1].pk)
    return walk


def _uuid(stix_id: str, index: int, kind: ObservableType, value: str) -> str:
    """The object's own UUID for its first value (misp-stix named it after the MISP
    attribute), a UUID derived from it for any further one."""
    own = stix_id.partition("--")[2]
    if index == 0:
        return own
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{stix_id}/{kind.value}/{value}"))


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def items_of(obj: dict[str, Any], version: ObjectVersion, *, tlp: Tlp | None = None,
             misp: MispHints | None = None) -> list[Item]:
    """The items one object carries (`tlp`, `misp`: those of the observed-data holding an
    SCO, when it is read through one)."""
    indicator = obj.get("type") == "indicator"  # a vulnerability has no role: context
    role = role_of(obj.get("indicator_types")) if indicator else ObservableRole.CONTEXT
    named = misp or hints(obj.get("labels"))
    return [Item(kind, value, tlp or version.tlp, _uuid(version.stix_id, i, kind, value),
                 role, indicator, named, _text(obj, "description"), _text(obj, "valid_from"),
                 _text(obj, "valid_until"), version.version)
            for i, (kind, value) in enumerate(observables(obj))]


class Walk:
    """The three passes, with the hashes of what was written so far."""

    def __init__(self, walk: Pages, base: ObjectQuery, fetch: Callable[[frozenset[str]],
                 list[ObjectVersion]]) -> None:
        self.walk, self.base, self.fetch = walk, base, fetch
        self.seen: set[int] = set()
        self.uuids: set[int] = set()
        self.event_tags: dict[str, None] = {}  # tags of the reports (MISP events) read

    def _types(self, wanted: frozenset[str]) -> frozenset[str]:
        return wanted & self.base.types if self.base.types else wanted

    def _fresh(self, item: Item) -> bool:
        key, ident = hash((item.kind, item.value)), hash(item.uuid)
        if key in self.seen or ident in self.uuids:
            return False
        self.seen.add(key)
        self.uuids.add(ident)
        return True

    def _pass(self, types: frozenset[str]) -> Iterator[list[ObjectVersion]]:
        chosen = self._types(types)
        if chosen:
            yield from self.walk(replace(self.base, types=chosen))

    def __iter__(self) -> Iterator[Item]:
        for page in self._pass(REPORT_TYPES):
            for version in page:
                for tag in hints(orjson.loads(version.body).get("labels")).tags:
                    if len(self.event_tags) < MAX_EVENT_TAGS:
                        self.event_tags[tag] = None
        for page in self._pass(MAIN_TYPES):
            for version in page:
                yield from filter(self._fresh, items_of(orjson.loads(version.body), version))
        for page in self._pass(CONTAINER_TYPES):
            yield from filter(self._fresh, self._held(page))
        for page in self._pass(SCO_TYPES):
            for version in page:
                yield from filter(self._fresh, items_of(orjson.loads(version.body), version))

    def _held(self, page: list[ObjectVersion]) -> Iterator[Item]:
        """The values of the SCOs each observed-data holds (those the viewer may see)."""
        parsed = [(v, orjson.loads(v.body)) for v in page]
        refs = sorted({r for _, o in parsed for r in o.get("object_refs", [])
                       if isinstance(r, str)})
        held: dict[str, ObjectVersion] = {}
        for start in range(0, len(refs), _REF_BATCH):
            held.update({v.stix_id: v for v in self.fetch(frozenset(refs[start:start +
                                                                         _REF_BATCH]))})
        for version, obj in parsed:
            labels = hints(obj.get("labels"))
            found: list[Item] = []
            for ref in obj.get("object_refs", []):
                sco = held.get(ref) if isinstance(ref, str) else None
                if sco is not None:
                    found += items_of(orjson.loads(sco.body), sco, misp=labels,
                                      tlp=stricter(version.tlp, sco.tlp))
            yield from (replace(item, uuid=_uuid(version.stix_id, i, item.kind, item.value))
                        for i, item in enumerate(found))
