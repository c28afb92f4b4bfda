"""Joint exercises: exercises, participating organisations, per-exercise roles, the MSEL
(injects with their release state), player responses, and planning and evaluation records

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rcsc.storage.types import UtcDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exercises',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('lead_org_id', sa.Uuid(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('started_at', UtcDateTime(), nullable=True),
    sa.Column('paused_at', UtcDateTime(), nullable=True),
    sa.Column('paused_seconds', sa.Integer(), nullable=False),
    sa.Column('stopped_at', UtcDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_exercises_created_by_users')),
    sa.ForeignKeyConstraint(['lead_org_id'], ['organisations.id'], name=op.f('fk_exercises_lead_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercises'))
    )
    op.create_index(op.f('ix_exercises_status'), 'exercises', ['status'], unique=False)
    op.create_table('exercise_checklist',
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('phase', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('done_by', sa.String(length=320), nullable=False),
    sa.Column('done_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_checklist_exercise_id_exercises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exercise_id', 'phase', 'key', name=op.f('pk_exercise_checklist'))
    )
    op.create_table('exercise_corrective_actions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('objective_code', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner_org_id', sa.Uuid(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_corrective_actions_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organisations.id'], name=op.f('fk_exercise_corrective_actions_owner_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_corrective_actions'))
    )
    op.create_index(op.f('ix_exercise_corrective_actions_exercise_id'), 'exercise_corrective_actions', ['exercise_id'], unique=False)
    op.create_index(op.f('ix_exercise_corrective_actions_owner_org_id'), 'exercise_corrective_actions', ['owner_org_id'], unique=False)
    op.create_index(op.f('ix_exercise_corrective_actions_status'), 'exercise_corrective_actions', ['status'], unique=False)
    op.create_table('exercise_injects',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('offset_seconds', sa.Integer(), nullable=False),
    sa.Column('scenario_time', sa.String(length=64), nullable=False),
    sa.Column('sender', sa.String(length=200), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('expected_actions', sa.Text(), nullable=False),
    sa.Column('objectives', sa.JSON(), nullable=False),
    sa.Column('controller', sa.String(length=200), nullable=False),
    sa.Column('techniques', sa.JSON(), nullable=False),
    sa.Column('contingency', sa.Boolean(), nullable=False),
    sa.Column('depends_on', sa.Integer(), nullable=True),
    sa.Column('depends_condition', sa.String(length=16), nullable=False),
    sa.Column('released_at', UtcDateTime(), nullable=True),
    sa.Column('released_by', sa.String(length=320), nullable=False),
    sa.Column('mailed_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_injects_exercise_id_exercises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_injects'))
    )
    op.create_index('ix_exercise_injects_exercise_id_number', 'exercise_injects', ['exercise_id', 'number'], unique=True)
    op.create_index('ix_exercise_injects_exercise_id_released_at', 'exercise_injects', ['exercise_id', 'released_at'], unique=False)
    op.create_table('exercise_meetings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('starts_at', UtcDateTime(), nullable=False),
    sa.Column('minutes_long', sa.Integer(), nullable=False),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_meetings_exercise_id_exercises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_meetings'))
    )
    op.create_index(op.f('ix_exercise_meetings_exercise_id'), 'exercise_meetings', ['exercise_id'], unique=False)
    op.create_table('exercise_objectives',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('capability', sa.String(length=200), nullable=False),
    sa.Column('critical_tasks', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_objectives_exercise_id_exercises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_objectives'))
    )
    op.create_index('ix_exercise_objectives_exercise_id_code', 'exercise_objectives', ['exercise_id', 'code'], unique=True)
    op.create_table('exercise_orgs',
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_orgs_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_exercise_orgs_org_id_organisations')),
    sa.PrimaryKeyConstraint('exercise_id', 'org_id', name=op.f('pk_exercise_orgs'))
    )
    op.create_table('exercise_participants',
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=False),
    sa.Column('trusted_agent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_participants_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exercise_participants_user_id_users')),
    sa.PrimaryKeyConstraint('exercise_id', 'user_id', 'role', name=op.f('pk_exercise_participants'))
    )
    op.create_index(op.f('ix_exercise_participants_user_id'), 'exercise_participants', ['user_id'], unique=False)
    op.create_table('exercise_questions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_questions_exercise_id_exercises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_questions'))
    )
    op.create_index(op.f('ix_exercise_questions_exercise_id'), 'exercise_questions', ['exercise_id'], unique=False)
    op.create_table('exercise_action_items',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['exercise_meetings.id'], name=op.f('fk_exercise_action_items_meeting_id_exercise_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_action_items'))
    )
    op.create_index(op.f('ix_exercise_action_items_meeting_id'), 'exercise_action_items', ['meeting_id'], unique=False)
    op.create_table('exercise_answers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('question_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['exercise_questions.id'], name=op.f('fk_exercise_answers_question_id_exercise_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exercise_answers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_answers'))
    )
    op.create_index(op.f('ix_exercise_answers_question_id'), 'exercise_answers', ['question_id'], unique=False)
    op.create_table('exercise_evaluations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('objective_id', sa.Uuid(), nullable=False),
    sa.Column('task', sa.String(length=300), nullable=False),
    sa.Column('rating', sa.String(length=1), nullable=False),
    sa.Column('observations', sa.Text(), nullable=False),
    sa.Column('strengths', sa.Text(), nullable=False),
    sa.Column('improvements', sa.Text(), nullable=False),
    sa.Column('evaluator', sa.String(length=320), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_evaluations_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['objective_id'], ['exercise_objectives.id'], name=op.f('fk_exercise_evaluations_objective_id_exercise_objectives'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_evaluations'))
    )
    op.create_index('ix_exercise_evaluations_exercise_id_objective_id_task', 'exercise_evaluations', ['exercise_id', 'objective_id', 'task'], unique=True)
    op.create_table('exercise_responses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('inject_id', sa.Uuid(), nullable=False),
    sa.Column('exercise_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('user_name', sa.String(length=200), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=True),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_responses_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inject_id'], ['exercise_injects.id'], name=op.f('fk_exercise_responses_inject_id_exercise_injects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exercise_responses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_responses'))
    )
    op.create_index(op.f('ix_exercise_responses_exercise_id'), 'exercise_responses', ['exercise_id'], unique=False)
    op.create_index(op.f('ix_exercise_responses_inject_id'), 'exercise_responses', ['inject_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_exercise_responses_inject_id'), table_name='exercise_responses')
    op.drop_index(op.f('ix_exercise_responses_exercise_id'), table_name='exercise_responses')
    op.drop_table('exercise_responses')
    op.drop_index('ix_exercise_evaluations_exercise_id_objective_id_task', table_name='exercise_evaluations')
    op.drop_table('exercise_evaluations')
    op.drop_index(op.f('ix_exercise_answers_question_id'), table_name='exercise_answers')
    op.drop_table('exercise_answers')
    op.drop_index(op.f('ix_exercise_action_items_meeting_id'), table_name='exercise_action_items')
    op.drop_table('exercise_action_items')
    op.drop_index(op.f('ix_exercise_questions_exercise_id'), table_name='exercise_questions')
    op.drop_table('exercise_questions')
    op.drop_index(op.f('ix_exercise_participants_user_id'), table_name='exercise_participants')
    op.drop_table('exercise_participants')
    op.drop_table('exercise_orgs')
    op.drop_index('ix_exercise_objectives_exercise_id_code', table_name='exercise_objectives')
    op.drop_table('exercise_objectives')
    op.drop_index(op.f('ix_exercise_meetings_exercise_id'), table_name='exercise_meetings')
    op.drop_table('exercise_meetings')
    op.drop_index('ix_exercise_injects_exercise_id_released_at', table_name='exercise_injects')
    op.drop_index('ix_exercise_injects_exercise_id_number', table_name='exercise_injects')
    op.drop_table('exercise_injects')
    op.drop_index(op.f('ix_exercise_corrective_actions_status'), table_name='exercise_corrective_actions')
    op.drop_index(op.f('ix_exercise_corrective_actions_owner_org_id'), table_name='exercise_corrective_actions')
    op.drop_index(op.f('ix_exercise_corrective_actions_exercise_id'), table_name='exercise_corrective_actions')
    op.drop_table('exercise_corrective_actions')
    op.drop_table('exercise_checklist')
    op.drop_index(op.f('ix_exercises_status'), table_name='exercises')
    op.drop_table('exercises')
