"""Files attached to injects of an exercise's MSEL (stored in the evidence blob store)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rcsc.storage.types import UtcDateTime

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLE = 'exercise_inject_attachments'


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('inject_id', sa.Uuid(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('md5', sa.String(length=32), nullable=False),
    sa.Column('sha1', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_inject_attachments_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inject_id'], ['exercise_injects.id'], name=op.f('fk_exercise_inject_attachments_inject_id_exercise_injects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_exercise_inject_attachments_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_inject_attachments'))
    )
    for column in ('inject_id', 'exercise_id', 'sha256'):
        op.create_index(op.f(f'ix_{TABLE}_{column}'), TABLE, [column], unique=False)


def downgrade() -> None:
    for column in ('sha256', 'exercise_id', 'inject_id'):
        op.drop_index(op.f(f'ix_{TABLE}_{column}'), table_name=TABLE)
    op.drop_table(TABLE)
