"""Drop the article change trigger

Workers no longer keep copies of article rows, so nothing listens to the
notifications this trigger sent (PostgreSQL only; it never existed on SQLite).

Revision ID: 3e9a7c1d5b60
Revises: a41d9c7e5b23
Create Date: 2026-12-03 08:00:00

"""
from alembic import op


revision = '3e9a7c1d5b60'
down_revision = 'a41d9c7e5b23'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS articles_notify_truncate ON articles")
    op.execute("DROP TRIGGER IF EXISTS articles_notify_change ON articles")
    op.execute("DROP FUNCTION IF EXISTS notify_article_change()")


def downgrade():
    pass  # the trigger had no reader left; nothing to restore
