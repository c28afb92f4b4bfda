"""Helpers for the file import/export tests: principals, imports of bytes, exports, the
objects stored (read straight from storage, whoever may see them)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select

from rcsc.accounts.auth import principal_for
from rcsc.core.identity import ActorType, Principal
from rcsc.core.tlp import Tlp
from rcsc.exchange.files import export, sources
from rcsc.exchange.files.formats import Format
from rcsc.exchange.files.importer import Options
from rcsc.exchange.files.report import ImportReport
from rcsc.storage import Database
from rcsc.storage.tables import StixObjectRow
from tests.conftest import Account

DATA = Path(__file__).parent / "data"
MAX = 100_000_000


def actor(db: Database, account: Account) -> Principal:
    with db.transaction(readonly=True) as uow:
        user = uow.users.get(account.id)
    assert user is not None
    return principal_for(user, via=ActorType.USER)


def import_bytes(db: Database, who: Principal, name: str, data: bytes,
                 fmt: Format = Format.AUTO, **options: Any) -> ImportReport:
    units = sources.units_of(name, data, fmt, max_unpacked=MAX)
    return sources.run(db, who, units, Options(**options))


def import_path(db: Database, who: Principal, path: Path, **options: Any) -> ImportReport:
    return sources.run(db, who, sources.units_of_path(path, max_unpacked=MAX),
                       Options(**options))


def export_bytes(db: Database, who: Principal, **request: Any) -> bytes:
    with db.transaction() as uow:
        stream = export.export(uow, db, who, export.ExportRequest(**request))
    return b"".join(stream)


def stored(db: Database) -> dict[tuple[str, str], tuple[Tlp, dict[str, Any]]]:
    """(id, version) → (level, body) of every stored object version."""
    with db.engine.connect() as conn:
        rows = conn.execute(select(StixObjectRow.stix_id, StixObjectRow.version,
                                   StixObjectRow.tlp, StixObjectRow.body)).all()
    return {(r.stix_id, r.version.isoformat()): (Tlp(r.tlp), orjson.loads(r.body))
            for r in rows}


def levels(db: Database) -> dict[str, Tlp]:
    """id → level of the newest stored version of each object."""
    found: dict[str, tuple[str, Tlp]] = {}
    for (stix_id, version), (tlp, _body) in stored(db).items():
        if stix_id not in found or version > found[stix_id][0]:
            found[stix_id] = (version, tlp)
    return {k: v[1] for k, v in found.items()}


def bundle(*objects: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                         "objects": list(objects)})
