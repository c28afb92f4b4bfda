"""Migrations run from empty to head and back on both databases, and match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from rcsc.errors import DatabaseBehind
from rcsc.storage import Database, migrate
from rcsc.storage.tables import Base


def test_head_is_current_and_matches_the_models(db: Database) -> None:
    db.check_schema()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_empty_to_head_and_back_to_empty(db: Database) -> None:
    migrate.downgrade(db.engine, "base")
    assert migrate.current_revision(db.engine) is None
    with pytest.raises(DatabaseBehind, match="rcsc db upgrade"):
        db.check_schema()
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    db.check_schema()


def test_audit_log_refuses_update_and_delete(db: Database, world: object) -> None:
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() > 0
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
