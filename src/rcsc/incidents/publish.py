"""Incidents published as STIX 2.1 in the read-only TAXII collection `incidents`.

Each write to an incident (filing, edits, workflow, NIS2 milestones, observables) publishes
it again in the same transaction: the incident object, and for each observable its SCO, its
indicator (or vulnerability) and the relationship to the incident. The rows made from one
incident are replaced as a whole, so the collection always holds the current state and its
current marking. Every object carries the incident's marking and recipients (an observable
may be stricter), and the sharing rule reads them exactly as it reads the incident.
Exercise incidents are never published: they must not reach a partner's SIEM as real data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

import orjson

from rcsc.core.exchange import TICK, Collection, NewVersion
from rcsc.core.incidents import Incident, Observable, Recipients
from rcsc.core.tlp import Tlp
from rcsc.stix.bundle import definitions_for, incident_objects
from rcsc.stix.common import SCO_TYPES, StixObject, parse_timestamp
from rcsc.stix.markings import marking_definitions, tlp_of_object
from rcsc.storage import UnitOfWork

ALIAS = "incidents"
DEFINITIONS = "definitions"  # the source key of the marking and extension definitions


def collection(uow: UnitOfWork) -> Collection:
    """The `incidents` collection, made on first use (read-only: only publishing fills it)."""
    return uow.stix.ensure_collection(Collection(
        id=uuid.uuid4(), alias=ALIAS, title="Incidents",
        description="The incidents of this node as STIX 2.1 (incident, indicators, "
                    "observables, vulnerabilities, relationships), each under its TLP marking.",
        default_tlp=Tlp.AMBER, community_id=None, writable=False, created_at=uow.clock.now()))


def _source(incident_id: uuid.UUID) -> str:
    return f"incident:{incident_id}"


def _version(obj: StixObject, index: int, first: datetime) -> datetime:
    """`modified` (or `created`); an SCO has neither: the time it is added stands in, as
    the store assigns it (`first` plus a microsecond per row)."""
    stamp = obj.get("modified") or obj.get("created")
    return parse_timestamp(stamp, "modified") if stamp else first + TICK * index


def _versions(incident: Incident, objects: list[StixObject], first: datetime,
              source: str, default: Tlp, recipients: Recipients | None = None
              ) -> list[NewVersion]:
    """Each object at its own level with the incident's recipients; an observable stricter
    than its incident also keeps the incident's level as its context, so it is seen only by
    those who see both (as the observable itself is)."""
    recipients = incident.recipients if recipients is None else recipients
    versions = []
    for index, obj in enumerate(objects):
        level = tlp_of_object(obj) or default
        versions.append(NewVersion(
            stix_id=obj["id"], type=obj["type"], spec_version="2.1",
            version=_version(obj, index, first),
            name=str(obj["name"])[:300] if "name" in obj else None,
            body=orjson.dumps(obj), tlp=level, owner_org_id=incident.owner_org_id,
            author_id=incident.author_id, recipients=recipients, source_key=source,
            context_tlp=default if level is not default else None))
    return versions


def publish(uow: UnitOfWork, incident: Incident,
            observables: Iterable[Observable] | None = None) -> None:
    """Replace what the collection holds of `incident` by its current state."""
    target = collection(uow)
    first = uow.stix.next_date_added(target.id, uow.clock.now())
    if incident.exercise_id is not None:
        uow.stix.replace_source(target.id, _source(incident.id), [], first)
        return
    found = list(observables) if observables is not None else \
        uow.incidents.every_observable(incident.id)
    objects = incident_objects(incident, found)
    versions = _versions(incident, objects, first, _source(incident.id), incident.tlp)
    uow.stix.replace_source(target.id, _source(incident.id), versions, first)
    _definitions(uow, target, incident, objects, first + TICK * len(versions))


def publish_new(uow: UnitOfWork, filed: Iterable[tuple[Incident, list[Observable]]]) -> None:
    """Publish incidents filed just now, in one batch (nothing of them is stored yet)."""
    target = collection(uow)
    first = uow.stix.next_date_added(target.id, uow.clock.now())
    versions: list[NewVersion] = []
    everything: list[StixObject] = []
    last: Incident | None = None
    for incident, observables in filed:
        if incident.exercise_id is not None:
            continue
        objects = incident_objects(incident, observables)
        everything += objects
        versions += _versions(incident, objects, first + TICK * len(versions),
                              _source(incident.id), incident.tlp)
        last = incident
    if last is None:
        return
    uow.stix.add_versions(target.id, versions, first, {})
    # SCOs are shared by every incident that names the same value: mark the newest.
    uow.stix.refresh_latest(target.id, {v.stix_id for v in versions if v.type in SCO_TYPES})
    _definitions(uow, target, last, everything, first + TICK * len(versions))


def _definitions(uow: UnitOfWork, target: Collection, incident: Incident,
                 objects: list[StixObject], first: datetime) -> None:
    """The TLP 2.0 marking definitions and RCSC's extension definitions, once, as CLEAR
    (they are public): a consumer can resolve every marking and extension id. `first` is
    the next free date_added of this write (its turn is taken already)."""
    wanted = [*marking_definitions(), *definitions_for(objects)]
    stored = uow.stix.stored_versions(target.id, (d["id"] for d in wanted))
    missing = [d for d in {d["id"]: d for d in wanted}.values() if d["id"] not in stored]
    if missing:
        versions = _versions(incident, missing, first, DEFINITIONS, Tlp.CLEAR, Recipients())
        clear = [replace(v, tlp=Tlp.CLEAR, author_id=None) for v in versions]
        uow.stix.add_versions(target.id, clear, first, {})
