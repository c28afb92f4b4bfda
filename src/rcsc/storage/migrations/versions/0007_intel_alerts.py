"""Correlation, second part: alerts and their delivery (webhooks, mail), sightings and local
allow-lists

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401  (used by the table definitions below)
from alembic import op  # noqa: F401

from rcsc.storage.types import UtcDateTime  # noqa: F401

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _alerts_upgrade() -> None:
    """Alerts, webhook subscriptions and the delivery queue."""
    op.create_table('alerts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value_kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('read_at', UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_alerts_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alerts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_alerts_dedupe_key'))
    )
    op.create_index('ix_alerts_org_id_created_at', 'alerts', ['org_id', 'created_at'])
    op.create_table('webhooks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('secret_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_webhooks_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_webhooks_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhooks'))
    )
    op.create_index('ix_webhooks_org_id', 'webhooks', ['org_id'])
    op.create_table('alert_mail_optins',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alert_mail_optins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_alert_mail_optins'))
    )
    op.create_table('alert_deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('webhook_id', sa.Uuid(), nullable=True),
    sa.Column('mail_to', sa.String(length=320), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_deliveries_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_alert_deliveries_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'], name=op.f('fk_alert_deliveries_webhook_id_webhooks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries'))
    )
    op.create_index('ix_alert_deliveries_alert_id', 'alert_deliveries', ['alert_id'])
    op.create_index('ix_alert_deliveries_webhook_id', 'alert_deliveries', ['webhook_id'])
    op.create_index('ix_alert_deliveries_status_next_attempt_at', 'alert_deliveries',
                    ['status', 'next_attempt_at'])
    op.create_index('ix_alert_deliveries_org_id_created_at', 'alert_deliveries',
                    ['org_id', 'created_at'])


def _alerts_downgrade() -> None:
    op.drop_table('alert_deliveries')  # its indexes go with it
    op.drop_table('alert_mail_optins')
    op.drop_table('webhooks')
    op.drop_table('alerts')


def _sightings_upgrade() -> None:
    """Sightings and local allow-lists."""
    op.create_table('intel_sightings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value_kind', sa.String(length=16), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('value_key', sa.LargeBinary(length=16), nullable=True),
    sa.Column('stix_id', sa.String(length=100), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_seen', UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', UtcDateTime(timezone=True), nullable=False),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('owner_org_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_intel_sightings_author_id_users')),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organisations.id'], name=op.f('fk_intel_sightings_owner_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intel_sightings'))
    )
    with op.batch_alter_table('intel_sightings', schema=None) as batch_op:
        batch_op.create_index('ix_intel_sightings_value_key', ['value_key'], unique=False)
        batch_op.create_index('ix_intel_sightings_stix_id', ['stix_id'], unique=False)

    op.create_table('intel_sighting_recipients',
    sa.Column('sighting_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['sighting_id'], ['intel_sightings.id'], name=op.f('fk_intel_sighting_recipients_sighting_id_intel_sightings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sighting_id', 'kind', 'ref_id', name=op.f('pk_intel_sighting_recipients'))
    )
    op.create_table('intel_allow_entries',
    sa.Column('pk', _PK, autoincrement=True, nullable=False),
    sa.Column('list_name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('value_key', sa.LargeBinary(length=16), nullable=False),
    sa.Column('ip_lo', sa.LargeBinary(length=16), nullable=True),
    sa.Column('ip_hi', sa.LargeBinary(length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_intel_allow_entries')),
    sa.UniqueConstraint('list_name', 'value_key', name=op.f('uq_intel_allow_entries_list_name_value_key'))
    )
    op.create_table('intel_warninglist_settings',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.Uuid(), nullable=True),
    sa.Column('changed_at', UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_intel_warninglist_settings'))
    )


def _sightings_downgrade() -> None:
    op.drop_table('intel_warninglist_settings')
    op.drop_table('intel_allow_entries')
    op.drop_table('intel_sighting_recipients')
    with op.batch_alter_table('intel_sightings', schema=None) as batch_op:
        batch_op.drop_index('ix_intel_sightings_stix_id')
        batch_op.drop_index('ix_intel_sightings_value_key')
    op.drop_table('intel_sightings')


def upgrade() -> None:
    _sightings_upgrade()
    _alerts_upgrade()


def downgrade() -> None:
    _alerts_downgrade()
    _sightings_downgrade()
