"""Index an author's comments by id

Since trust follows the author key, nothing counts an address's comments
by status any more; what reads them by address wants them in id order
(data requests, and "more from this author" page by page, whatever their
status). (email_key, id) serves every lookup by address and gives that
order on both databases without sorting an author's history.

Revision ID: e8b3f5a1c907
Revises: c4e1a9d7b2f6
Create Date: 2026-12-03 09:30:00

"""
from alembic import op


revision = 'e8b3f5a1c907'
down_revision = 'c4e1a9d7b2f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_author_id', ['email_key', 'id'], unique=False)
        batch_op.drop_index('ix_comments_author_status')


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_author_status', ['email_key', 'status'], unique=False)
        batch_op.drop_index('ix_comments_author_id')
