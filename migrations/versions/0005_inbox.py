"""staff inbox: claims, comments, notices (issue 6)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('task_notes',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('instance_id', BIG_ID, nullable=False),
    sa.Column('task_id', BIG_ID, nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('user_ids', JSON_DOC, nullable=False),
    sa.Column('team_key', sa.String(length=64), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_task_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instance_id'], ['flow_instances.id'], name=op.f('fk_task_notes_instance_id_flow_instances')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_notes_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_notes'))
    )
    with op.batch_alter_table('task_notes', schema=None) as batch_op:
        batch_op.create_index('ix_task_notes_instance', ['instance_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_notes_task_id'), ['task_id'], unique=False)

    op.create_table('notices',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('task_id', BIG_ID, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_notices_task_id_tasks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('key', name=op.f('uq_notices_key'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_user', ['user_id', 'read_at', 'id'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email_enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preferences'))
    )
    op.create_table('team_slas',
    sa.Column('team_key', sa.String(length=64), nullable=False),
    sa.Column('business_hours', sa.Integer(), nullable=True),
    sa.Column('warn_before_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_key'], ['teams.key'], name=op.f('fk_team_slas_team_key_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_key', name=op.f('pk_team_slas'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_completed_by', ['completed_by_id', 'completed_at'], unique=False)
        batch_op.create_index('ix_tasks_open_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_tasks_pool', ['team_key', 'due_at', 'id'], unique=False,
                              postgresql_where=sa.text("status = 'open' AND assignee_id IS NULL"),
                              sqlite_where=sa.text("status = 'open' AND assignee_id IS NULL"))


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_pool')
        batch_op.drop_index('ix_tasks_open_due')
        batch_op.drop_index('ix_tasks_completed_by')
    op.drop_table('team_slas')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_user')
    op.drop_table('notices')
    with op.batch_alter_table('task_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_notes_task_id'))
        batch_op.drop_index('ix_task_notes_instance')
    op.drop_table('task_notes')
