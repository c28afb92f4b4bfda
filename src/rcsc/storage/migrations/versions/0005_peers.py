"""Federation: peer nodes, their sync bookmarks and the record of sync runs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rcsc.storage.types import UtcDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('peers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.Column('token_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('next_sync_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_peers_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peers')),
    sa.UniqueConstraint('name', name=op.f('uq_peers_name'))
    )
    with op.batch_alter_table('peers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peers_next_sync_at'), ['next_sync_at'], unique=False)

    op.create_table('peer_bookmarks',
    sa.Column('peer_id', sa.Uuid(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('collection', sa.String(length=64), nullable=False),
    sa.Column('at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('text', sa.String(length=64), nullable=False),
    sa.Column('pk', _PK, nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['peers.id'], name=op.f('fk_peer_bookmarks_peer_id_peers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('peer_id', 'direction', 'collection', name=op.f('pk_peer_bookmarks'))
    )
    op.create_table('peer_sync_runs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('peer_id', sa.Uuid(), nullable=False),
    sa.Column('started_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('pulled_created', sa.Integer(), nullable=False),
    sa.Column('pulled_updated', sa.Integer(), nullable=False),
    sa.Column('pulled_unchanged', sa.Integer(), nullable=False),
    sa.Column('pulled_rejected', sa.Integer(), nullable=False),
    sa.Column('pushed', sa.Integer(), nullable=False),
    sa.Column('pushed_unchanged', sa.Integer(), nullable=False),
    sa.Column('pushed_refused', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['peers.id'], name=op.f('fk_peer_sync_runs_peer_id_peers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_sync_runs'))
    )
    with op.batch_alter_table('peer_sync_runs', schema=None) as batch_op:
        batch_op.create_index('ix_peer_sync_runs_peer_id_started_at', ['peer_id', 'started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('peer_sync_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_peer_sync_runs_peer_id_started_at')
    op.drop_table('peer_sync_runs')
    op.drop_table('peer_bookmarks')
    with op.batch_alter_table('peers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peers_next_sync_at'))
    op.drop_table('peers')
