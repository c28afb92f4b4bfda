"""Fewer index writes per stored STIX object: no index on stix_id alone (lookups by id go
through the (collection_id, stix_id, version) unique index, one seek per collection) and
the source_key index only over published objects (received ones have none)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_PUBLISHED = sa.text('source_key IS NOT NULL')


def upgrade() -> None:
    op.drop_index('ix_stix_objects_stix_id', table_name='stix_objects')
    op.drop_index('ix_stix_objects_source_key', table_name='stix_objects')
    op.create_index('ix_stix_objects_source_key', 'stix_objects', ['source_key'],
                    sqlite_where=_PUBLISHED, postgresql_where=_PUBLISHED)


def downgrade() -> None:
    op.drop_index('ix_stix_objects_source_key', table_name='stix_objects')
    op.create_index('ix_stix_objects_source_key', 'stix_objects', ['source_key'])
    op.create_index('ix_stix_objects_stix_id', 'stix_objects', ['stix_id'])
