"""Index an author's comments by status

A returning author's history counts their approved and spam comments; with
the address alone indexed, it read every comment of the address, pending
ones included, once per count. The new index starts with the address too,
so it serves every lookup the old one did.

Revision ID: a41d9c7e5b23
Revises: 8c1f0e6a4d27
Create Date: 2026-11-26 05:40:00

"""
from alembic import op


revision = 'a41d9c7e5b23'
down_revision = '8c1f0e6a4d27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_author_status', ['email_key', 'status'], unique=False)
        batch_op.drop_index('ix_comments_email_key')


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_email_key', ['email_key'], unique=False)
        batch_op.drop_index('ix_comments_author_status')
