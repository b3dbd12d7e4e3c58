"""Author keys earn trust by their own comments, once confirmed

A returning author's history counted every comment under their address, so
whoever typed a reader's address was issued a key with her history. Now
each comment remembers the key it was posted with, the history counts only
those, and a key is trusted only once its address is confirmed.

Revision ID: 7b2e4f9a1c38
Revises: 3e9a7c1d5b60
Create Date: 2026-12-03 08:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7b2e4f9a1c38'
down_revision = '3e9a7c1d5b60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('author_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_key_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_comments_author_key_id_author_keys'), 'author_keys',
                                    ['author_key_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_comments_author_key_status', ['author_key_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_author_key_status')
        batch_op.drop_constraint(batch_op.f('fk_comments_author_key_id_author_keys'), type_='foreignkey')
        batch_op.drop_column('author_key_id')
    with op.batch_alter_table('author_keys', schema=None) as batch_op:
        batch_op.drop_column('confirmed_at')
