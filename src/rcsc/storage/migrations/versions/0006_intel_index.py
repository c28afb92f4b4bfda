"""The correlation index: postings (value -> object version) and the indexer's watermarks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rcsc.storage.types import UtcDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('intel_postings',
    sa.Column('pk', _PK, autoincrement=True, nullable=False),
    sa.Column('object_pk', _PK, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('value_key', sa.LargeBinary(length=16), nullable=False),
    sa.Column('ip_lo', sa.LargeBinary(length=16), nullable=True),
    sa.Column('ip_hi', sa.LargeBinary(length=16), nullable=True),
    sa.Column('is_range', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['object_pk'], ['stix_objects.pk'], name=op.f('fk_intel_postings_object_pk_stix_objects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_intel_postings'))
    )
    with op.batch_alter_table('intel_postings', schema=None) as batch_op:
        batch_op.create_index('ix_intel_postings_value_key_object_pk', ['value_key', 'object_pk'], unique=False)
        batch_op.create_index('ix_intel_postings_object_pk', ['object_pk'], unique=False)
        batch_op.create_index('ix_intel_postings_kind_ip_lo', ['kind', 'ip_lo'], unique=False)
        batch_op.create_index('ix_intel_postings_kind_is_range', ['kind', 'is_range'], unique=False)

    op.create_table('intel_watermarks',
    sa.Column('collection_id', sa.Uuid(), nullable=False),
    sa.Column('date_added', UtcDateTime(timezone=True), nullable=False),
    sa.Column('object_pk', _PK, nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['taxii_collections.id'], name=op.f('fk_intel_watermarks_collection_id_taxii_collections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('collection_id', name=op.f('pk_intel_watermarks'))
    )


def downgrade() -> None:
    op.drop_table('intel_watermarks')
    with op.batch_alter_table('intel_postings', schema=None) as batch_op:
        batch_op.drop_index('ix_intel_postings_kind_is_range')
        batch_op.drop_index('ix_intel_postings_kind_ip_lo')
        batch_op.drop_index('ix_intel_postings_object_pk')
        batch_op.drop_index('ix_intel_postings_value_key_object_pk')
    op.drop_table('intel_postings')
