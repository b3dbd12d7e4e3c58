"""Index comments for article feeds

An article's Atom feed lists its newest approved comments: found in id
order on this index, rather than by sorting every approved comment of the
article.

Revision ID: d3f9a2c6e817
Revises: b7d2e5f8a914
Create Date: 2026-12-10 10:00:00

"""
from alembic import op


revision = 'd3f9a2c6e817'
down_revision = 'b7d2e5f8a914'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_comments_article_feed', 'comments', ['article_id', 'status', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_comments_article_feed', table_name='comments')
