"""returns projection fed by the returns.rma template flow (issue 9, dashboards)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

The `returns` projection now reads the template flow `returns.rma` (country from the
ERP order, value from the returned lines, route and warehouse, refund method and
currency, base-currency amounts, costs, stage). Rows projected from the old demo flows
(`returns.case`, `returns.review`) are deleted and the cursor reset, so the next
`formloom reports update` (or opening a board) rebuilds every row from the event log.
Demo rows (no instance) are kept; `formloom demo-data --reset` regenerates them.
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)
NEW_COLUMNS = (
    ('supplier', sa.String(length=64)),
    ('resolution', sa.String(length=16)),
    ('policy_decision', sa.String(length=16)),
    ('route', sa.String(length=32)),
    ('warehouse', sa.String(length=32)),
    ('returnless', sa.Boolean()),
    ('refund_currency', sa.String(length=3)),
    ('refund_method', sa.String(length=32)),
    ('label_cost', sa.Float()),
    ('handling_cost', sa.Float()),
    ('duties', sa.Float()),
    ('first_scan_at', UTC_DATETIME),
    ('review_at', UTC_DATETIME),
    ('label_at', UTC_DATETIME),
    ('units', sa.Float()),
    ('value_eur', sa.Float()),
    ('refund_eur', sa.Float()),
    ('cost_eur', sa.Float()),
    ('recovery_eur', sa.Float()),
    ('stage', sa.String(length=16)),
)
OLD_COVERING = ['country', 'reason', 'sku', 'category', 'status', 'refund_amount',
                'cycle_hours', 'sla_breached']
#: The operations board's columns (the board a manager opens most, timed by bench/reports.py).
NEW_COVERING = ['country', 'reason', 'sku', 'status', 'stage', 'warehouse', 'cycle_hours',
                'sla_breached', 'approved_at', 'label_at', 'received_at', 'refunded_at',
                'returnless']


def upgrade() -> None:
    with op.batch_alter_table('report_returns', schema=None) as batch_op:
        for name, type_ in NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.drop_index('ix_report_returns_created_at')
        # Covering on PostgreSQL: the boards' date-range queries read only this index.
        batch_op.create_index('ix_report_returns_created_at', ['created_at'], unique=False,
                              postgresql_include=NEW_COVERING)
    op.execute("DELETE FROM report_returns WHERE instance_id IS NOT NULL")
    op.execute("DELETE FROM report_cursors WHERE name = 'returns'")


def downgrade() -> None:
    with op.batch_alter_table('report_returns', schema=None) as batch_op:
        batch_op.drop_index('ix_report_returns_created_at')
        batch_op.create_index('ix_report_returns_created_at', ['created_at'], unique=False,
                              postgresql_include=OLD_COVERING)
        for name, _type in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
    op.execute("DELETE FROM report_returns WHERE instance_id IS NOT NULL")
    op.execute("DELETE FROM report_cursors WHERE name = 'returns'")
