"""indexes for the sharing filter

Measured with bench/incidents.py at 100,000 incidents:
- drop ix_incidents_tlp: the sharing filter is an OR over every TLP level, so an index on
  `tlp` alone matches the whole table; SQLite (and PostgreSQL before ANALYZE) used it for a
  multi-index OR and then sorted every row instead of walking `ix_incidents_created_at_id`
  and stopping at the first page. SQLite's first page: ~600 ms -> ~15 ms.
- (kind, ref_id) -> (kind, ref_id, incident_id) on incident_recipients: the lookups "which
  incidents name me" are answered from the index alone. PostgreSQL's first page: 75 -> 47 ms.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_tlp')
    with op.batch_alter_table('incident_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_incident_recipients_kind_ref_id_incident_id',
                              ['kind', 'ref_id', 'incident_id'], unique=False)
        batch_op.drop_index('ix_incident_recipients_kind_ref_id')


def downgrade() -> None:
    with op.batch_alter_table('incident_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_incident_recipients_kind_ref_id', ['kind', 'ref_id'],
                              unique=False)
        batch_op.drop_index('ix_incident_recipients_kind_ref_id_incident_id')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_tlp', ['tlp'], unique=False)
