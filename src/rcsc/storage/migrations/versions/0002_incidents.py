"""incidents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rcsc.storage.types import UtcDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('rsit_class', sa.String(length=64), nullable=False),
    sa.Column('rsit_type', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('owner_org_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('sector', sa.String(length=64), nullable=True),
    sa.Column('subsector', sa.String(length=64), nullable=True),
    sa.Column('affected_systems', sa.Integer(), nullable=True),
    sa.Column('affected_users', sa.BigInteger(), nullable=True),
    sa.Column('cross_border', sa.Boolean(), nullable=False),
    sa.Column('critical_infrastructure', sa.Boolean(), nullable=False),
    sa.Column('started_at', UtcDateTime(), nullable=True),
    sa.Column('detected_at', UtcDateTime(), nullable=True),
    sa.Column('aware_at', UtcDateTime(), nullable=True),
    sa.Column('contained_at', UtcDateTime(), nullable=True),
    sa.Column('ended_at', UtcDateTime(), nullable=True),
    sa.Column('attack_techniques', sa.JSON(), nullable=False),
    sa.Column('cves', sa.JSON(), nullable=False),
    sa.Column('threat_actors', sa.JSON(), nullable=False),
    sa.Column('malware', sa.JSON(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_incidents_author_id_users')),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organisations.id'], name=op.f('fk_incidents_owner_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_author_id', ['author_id'], unique=False)
        batch_op.create_index('ix_incidents_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_incidents_owner_org_id_tlp', ['owner_org_id', 'tlp'], unique=False)
        batch_op.create_index('ix_incidents_tlp', ['tlp'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('sha1', sa.String(length=40), nullable=False),
    sa.Column('md5', sa.String(length=32), nullable=False),
    sa.Column('is_malware', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_attachments_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_attachments_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_sha256'), ['sha256'], unique=False)

    op.create_table('incident_countries',
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_countries_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'country', name=op.f('pk_incident_countries'))
    )
    with op.batch_alter_table('incident_countries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_countries_country'), ['country'], unique=False)

    op.create_table('incident_milestones',
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('milestone', sa.String(length=32), nullable=False),
    sa.Column('submitted_at', UtcDateTime(), nullable=False),
    sa.Column('submitted_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_milestones_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_incident_milestones_submitted_by_users')),
    sa.PrimaryKeyConstraint('incident_id', 'milestone', name=op.f('pk_incident_milestones'))
    )
    op.create_table('incident_recipients',
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_recipients_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'kind', 'ref_id', name=op.f('pk_incident_recipients'))
    )
    with op.batch_alter_table('incident_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_incident_recipients_kind_ref_id', ['kind', 'ref_id'], unique=False)

    op.create_table('incident_timeline',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_incident_timeline_author_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_timeline_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_timeline'))
    )
    with op.batch_alter_table('incident_timeline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_timeline_incident_id'), ['incident_id'], unique=False)

    op.create_table('observables',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=2048), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('tlp', sa.String(length=16), nullable=True),
    sa.Column('first_seen', UtcDateTime(), nullable=True),
    sa.Column('last_seen', UtcDateTime(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_observables_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observables')),
    sa.UniqueConstraint('incident_id', 'type', 'value', name=op.f('uq_observables_incident_id_type_value'))
    )
    with op.batch_alter_table('observables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observables_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index('ix_observables_type_value', ['type', 'value'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('observables', schema=None) as batch_op:
        batch_op.drop_index('ix_observables_type_value')
        batch_op.drop_index(batch_op.f('ix_observables_incident_id'))

    op.drop_table('observables')
    with op.batch_alter_table('incident_timeline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_timeline_incident_id'))

    op.drop_table('incident_timeline')
    with op.batch_alter_table('incident_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_recipients_kind_ref_id')

    op.drop_table('incident_recipients')
    op.drop_table('incident_milestones')
    with op.batch_alter_table('incident_countries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_countries_country'))

    op.drop_table('incident_countries')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachments_incident_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_tlp')
        batch_op.drop_index('ix_incidents_owner_org_id_tlp')
        batch_op.drop_index('ix_incidents_created_at_id')
        batch_op.drop_index('ix_incidents_author_id')

    op.drop_table('incidents')
