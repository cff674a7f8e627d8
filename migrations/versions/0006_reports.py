"""report projections (issue 7)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    # The built-in `returns` projection (runtime/reports/projections/returns.json).
    op.create_table('report_returns',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('case_number', sa.String(length=64), nullable=True),
    sa.Column('instance_id', sa.BigInteger(), nullable=True),
    sa.Column('flow_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_event_id', sa.BigInteger(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('refund_amount', sa.Float(), nullable=True),
    sa.Column('cost', sa.Float(), nullable=True),
    sa.Column('grade', sa.String(length=16), nullable=True),
    sa.Column('disposition', sa.String(length=32), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cycle_hours', sa.Float(), nullable=True),
    sa.Column('sla_breached', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_returns')),
    sa.UniqueConstraint('public_id', name=op.f('uq_report_returns_public_id')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_report_returns_instance_id'))
    )
    with op.batch_alter_table('report_returns', schema=None) as batch_op:
        # Covering on PostgreSQL: date-range board queries read only this index.
        batch_op.create_index('ix_report_returns_created_at', ['created_at'], unique=False,
                              postgresql_include=['country', 'reason', 'sku', 'category', 'status',
                                                  'refund_amount', 'cycle_hours', 'sla_breached'])
        batch_op.create_index('ix_report_returns_country_reason', ['country', 'reason'], unique=False)
        batch_op.create_index('ix_report_returns_status', ['status'], unique=False)

    op.create_table('report_cursors',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('last_event_id', sa.BigInteger(), nullable=False),
    sa.Column('gaps', JSON_DOC, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_report_cursors'))
    )
    op.create_table('report_deliveries',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('board_key', sa.String(length=128), nullable=False),
    sa.Column('schedule_id', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('recipients', JSON_DOC, nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_deliveries')),
    sa.UniqueConstraint('board_key', 'schedule_id', 'period',
                        name=op.f('uq_report_deliveries_board_key_schedule_id_period'))
    )
    # Attachments for outgoing mail (scheduled reports); the mail table is 0002's.
    op.create_table('outgoing_mail_attachments',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('message_id', BIG_ID, nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outgoing_mail.id'],
                            name=op.f('fk_outgoing_mail_attachments_message_id_outgoing_mail')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mail_attachments'))
    )
    with op.batch_alter_table('outgoing_mail_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_mail_attachments_message_id'), ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outgoing_mail_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_attachments_message_id'))
    op.drop_table('outgoing_mail_attachments')
    op.drop_table('report_deliveries')
    op.drop_table('report_cursors')
    with op.batch_alter_table('report_returns', schema=None) as batch_op:
        batch_op.drop_index('ix_report_returns_status')
        batch_op.drop_index('ix_report_returns_country_reason')
        batch_op.drop_index('ix_report_returns_created_at')
    op.drop_table('report_returns')
