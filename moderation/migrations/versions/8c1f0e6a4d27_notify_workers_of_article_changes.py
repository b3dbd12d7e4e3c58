"""Notify workers of article changes (PostgreSQL)

Workers keep copies of article rows and drop them when this trigger
announces a change (moderation/article_cache.py). Nothing on SQLite, where
every read asks the database. The statements are a copy of
models.ARTICLE_NOTIFY_DDL as of this revision.

Revision ID: 8c1f0e6a4d27
Revises: 5b7c3d2e9f10
Create Date: 2026-11-26 00:50:00

"""
from alembic import op


revision = '8c1f0e6a4d27'
down_revision = '5b7c3d2e9f10'
branch_labels = None
depends_on = None

STATEMENTS = (
    """CREATE OR REPLACE FUNCTION notify_article_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM pg_notify('article_changes', '');
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('article_changes', OLD.key);
        ELSE
            PERFORM pg_notify('article_changes', NEW.key);
            IF TG_OP = 'UPDATE' AND OLD.key IS DISTINCT FROM NEW.key THEN
                PERFORM pg_notify('article_changes', OLD.key);
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER articles_notify_change AFTER INSERT OR UPDATE OR DELETE ON articles "
    "FOR EACH ROW EXECUTE FUNCTION notify_article_change()",
    "CREATE TRIGGER articles_notify_truncate AFTER TRUNCATE ON articles "
    "FOR EACH STATEMENT EXECUTE FUNCTION notify_article_change()",
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS articles_notify_truncate ON articles")
    op.execute("DROP TRIGGER IF EXISTS articles_notify_change ON articles")
    op.execute("DROP FUNCTION IF EXISTS notify_article_change()")
