"""The ranges of the correlation index in their own partial index: a lookup finds the CIDR
ranges around its addresses by reading only the ranges (the (kind, is_range) index it
replaces let SQLite walk every address posting of the kind instead)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_intel_postings_kind_is_range', table_name='intel_postings')
    op.create_index('ix_intel_postings_ranges', 'intel_postings', ['kind', 'ip_lo', 'ip_hi'],
                    sqlite_where=sa.text('is_range = 1'), postgresql_where=sa.text('is_range'))


def downgrade() -> None:
    op.drop_index('ix_intel_postings_ranges', table_name='intel_postings')
    op.create_index('ix_intel_postings_kind_is_range', 'intel_postings', ['kind', 'is_range'])
