"""Index the audit log by action

The console shows the blocklists with their audit entries (GET
/log?about=rules): rare entries in a log that grows with every action, so
they are found by action rather than by walking the log.

Revision ID: f2a6c8e4d135
Revises: e8b3f5a1c907
Create Date: 2026-12-03 10:00:00

"""
from alembic import op


revision = 'f2a6c8e4d135'
down_revision = 'e8b3f5a1c907'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_action_id', ['action', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_action_id')
