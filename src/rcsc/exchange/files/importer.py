"""Importing files: each unit (a file, or one event of a MISP feed) is one transaction that
goes through `exchange.taxii.add_objects`, the one write path for STIX objects.

Atomic (the default): a unit with any bad object or row stores nothing, and its report names
every bad one with the reason. Not atomic: the good objects are stored, the bad ones
reported (as a TAXII POST without `atomic`). Every import is audited (`intel.import`);
a rejected one in a transaction of its own, since the unit's own was rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from rcsc.accounts.audit import record
from rcsc.core.exchange import Collection
from rcsc.core.identity import AuditEvent, Outcome, Principal
from rcsc.core.permissions import Action, require
from rcsc.errors import ValidationFailed
from rcsc.exchange import collections, taxii
from rcsc.exchange.files.formats import Format
from rcsc.exchange.files.report import FileReport, Rejection
from rcsc.storage import Database, UnitOfWork

AUDIT_REASONS = 20  # rejection reasons kept in a failed import's audit row


@dataclass(frozen=True)
class Context:
    """What building a unit's objects may consult: the database, who imports, where to."""

    uow: UnitOfWork
    actor: Principal
    collection: Collection
    atomic: bool = True


@dataclass
class Built:
    objects: list[Any]  # the STIX objects, in envelope order (bad ones are named by index)
    raw: bytes | None = None  # the file's own bytes, when they already are an envelope
    rejected: list[Rejection] = field(default_factory=list)  # parts left out (not atomic)

    def envelope(self) -> bytes:
        return self.raw if self.raw is not None else orjson.dumps({"objects": self.objects})


@dataclass(frozen=True)
class Unit:
    name: str  # as the report shows it: the file name, or `feed/<uuid>.json`
    format: Format
    build: Callable[[Context], Built]


@dataclass(frozen=True)
class Options:
    collection: str = collections.SHARED
    atomic: bool = True


@dataclass
class _Attempt:
    built: Built = field(default_factory=lambda: Built([]))


def import_unit(db: Database, actor: Principal, unit: Unit, options: Options) -> FileReport:
    """Store one unit in its own transaction; a rejected unit leaves nothing behind.
    PermissionDenied and NotFound (the collection) are not about the file: they propagate."""
    require(actor, Action.INTEL_WRITE)
    report = FileReport(unit.name, unit.format.value, options.collection, options.atomic)
    attempt = _Attempt()
    try:
        with db.transaction() as uow:
            collection = collections.get(uow, actor, options.collection).collection
            attempt.built = unit.build(Context(uow, actor, collection, options.atomic))
            status = taxii.add_objects(uow, actor, options.collection,
                                       attempt.built.envelope(), origin=f"import:{unit.name}",
                                       atomic=options.atomic)
            report.rejected += attempt.built.rejected
            report.add_status(status)
            record(uow, actor, _event(report, Outcome.SUCCESS))
    except ValidationFailed as exc:
        report.reject(exc.errors, attempt.built.objects)
        with db.transaction() as uow:
            record(uow, actor, _event(report, Outcome.FAILURE))
    return report


def _event(report: FileReport, outcome: Outcome) -> AuditEvent:
    detail: dict[str, object] = {"file": report.name, "format": report.format,
                                 "atomic": report.atomic, **report.counts()}
    if report.rejected:
        detail["reasons"] = [r.text for r in report.rejected[:AUDIT_REASONS]]
    return AuditEvent("intel.import", outcome, object_type="collection",
                      object_id=report.collection, detail=detail)
