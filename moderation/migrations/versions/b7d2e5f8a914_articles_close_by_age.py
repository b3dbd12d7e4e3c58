"""Articles close by age

CLOSE_AFTER_DAYS closes an article that many days after its publication date
(a moderator sets it) or, without one, after its first comment; a moderator's
explicit reopening (kept_open) wins over the rule. The first comment's time
of existing articles is taken from their comments.

Revision ID: b7d2e5f8a914
Revises: f2a6c8e4d135
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d2e5f8a914'
down_revision = 'f2a6c8e4d135'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: SQLite's batch mode would copy the articles
# table and drop the old one, and the drop cascades to every comment.
def upgrade():
    # A text default ('0' reads as false on both databases) keeps SQLite's ADD COLUMN.
    op.add_column('articles', sa.Column('kept_open', sa.Boolean(), nullable=False, server_default='0'))
    op.add_column('articles', sa.Column('published_at', sa.DateTime(), nullable=True))
    op.add_column('articles', sa.Column('first_comment_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE articles SET first_comment_at = "
               "(SELECT min(comments.created_at) FROM comments WHERE comments.article_id = articles.id)")


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 or newer), for the same reason.
    op.drop_column('articles', 'first_comment_at')
    op.drop_column('articles', 'published_at')
    op.drop_column('articles', 'kept_open')
