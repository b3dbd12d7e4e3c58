"""Body digest for duplicate detection

Duplicate detection read every earlier body of an author on an article; a
digest of the body, indexed with article and author, finds the one that
matters. Existing rows get their digest here.

Revision ID: 5b7c3d2e9f10
Revises: de122b94eb44
Create Date: 2026-11-25 21:30:00

"""
import hashlib

from alembic import op
import sqlalchemy as sa


revision = '5b7c3d2e9f10'
down_revision = 'de122b94eb44'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_digest', sa.String(length=32), nullable=False, server_default=''))
    comments = sa.table('comments', sa.column('id', sa.Integer), sa.column('body_text', sa.Text),
                        sa.column('body_digest', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(comments.c.id, comments.c.body_text)).all()
    for comment_id, body in rows:
        digest = hashlib.sha256(body.encode('utf-8')).hexdigest()[:32]
        connection.execute(comments.update().where(comments.c.id == comment_id).values(body_digest=digest))
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_article_author')
        batch_op.create_index('ix_comments_duplicates', ['article_id', 'email_key', 'body_digest'], unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_duplicates')
        batch_op.create_index('ix_comments_article_author', ['article_id', 'email_key'], unique=False)
        batch_op.drop_column('body_digest')
