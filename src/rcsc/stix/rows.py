"""A row of values (a CSV import's row) as STIX 2.1 objects: the SCO where STIX has one, and
an `indicator` with the matching pattern (a `vulnerability` for a CVE), as
`rcsc.stix.observables` publishes an incident's observables.

Ids are derived from the owner organisation, the type and the value, so importing the same
row again names the same objects; each organisation keeps its own indicator for a value
(only an object's creator may version it, STIX 2.1 §3.6). A row without a TLP level is left
unmarked: the collection's default level applies when it is stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from rcsc.core.incidents import ObservableRole, Recipients
from rcsc.core.observables import ObservableType
from rcsc.core.tlp import Tlp
from rcsc.errors import ValidationFailed
from rcsc.stix.common import SPEC_VERSION, StixObject, timestamp
from rcsc.stix.ids import derived_id, identity_id
from rcsc.stix.observables import INDICATOR_TYPES, sco
from rcsc.stix.patterns import pattern_for
from rcsc.stix.recipients import mark

CONTEXT_TYPE = INDICATOR_TYPES[ObservableRole.CONTEXT]
IOC_TYPE = INDICATOR_TYPES[ObservableRole.IOC]


@dataclass(frozen=True)
class ValueRow:
    kind: ObservableType
    value: str  # normalised
    tlp: Tlp | None = None  # None: the collection's default level
    role: ObservableRole = ObservableRole.IOC
    labels: tuple[str, ...] = ()
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    description: str = ""


def main_id(row: ValueRow, owner_org: uuid.UUID) -> str:
    """The id of the row's indicator (its vulnerability for a CVE)."""
    stix_type = "vulnerability" if row.kind is ObservableType.CVE else "indicator"
    return derived_id(stix_type, "values", str(owner_org), row.kind.value, row.value)


def _marked(obj: StixObject, tlp: Tlp | None) -> StixObject:
    return mark(obj, tlp, Recipients()) if tlp is not None else obj


def _sco(row: ValueRow) -> StixObject | None:
    found = sco(row.kind, row.value, row.tlp or Tlp.GREEN, Recipients())
    if found is not None and row.tlp is None:
        del found["object_marking_refs"]  # unmarked: the collection decides
    return found


def _main(row: ValueRow, owner_org: uuid.UUID, created: datetime,
          modified: datetime) -> StixObject:
    obj: StixObject = {"type": "", "spec_version": SPEC_VERSION, "id": main_id(row, owner_org),
                       "created_by_ref": identity_id(owner_org), "created": timestamp(created),
                       "modified": timestamp(modified), "name": row.value}
    if row.description:
        obj["description"] = row.description
    if row.labels:
        obj["labels"] = list(row.labels)
    pattern = pattern_for(row.kind, row.value)
    if pattern is None:
        obj.update(type="vulnerability",
                   external_references=[{"source_name": "cve", "external_id": row.value}])
        return obj
    valid_from = row.first_seen or created
    obj.update(type="indicator", indicator_types=[INDICATOR_TYPES[row.role]], pattern=pattern,
               pattern_type="stix", pattern_version=SPEC_VERSION,
               valid_from=timestamp(valid_from))
    if row.last_seen is not None:
        if row.last_seen <= valid_from:
            raise ValidationFailed.field("last_seen", "must be later than first_seen (or the "
                                                      "time of the import)")
        obj["valid_until"] = timestamp(row.last_seen)
    return obj


def row_objects(row: ValueRow, owner_org: uuid.UUID, created: datetime,
                modified: datetime) -> list[StixObject]:
    """[SCO,] indicator or vulnerability, marked at the row's level (or unmarked)."""
    main = _marked(_main(row, owner_org, created, modified), row.tlp)
    found = _sco(row)
    return [found, main] if found is not None else [main]


def role_of(indicator_types: object) -> ObservableRole:
    """An indicator that says only `unknown` is context; anything else is an IoC."""
    types = indicator_types if isinstance(indicator_types, list) else []
    return ObservableRole.CONTEXT if CONTEXT_TYPE in types and IOC_TYPE not in types \
        else ObservableRole.IOC
