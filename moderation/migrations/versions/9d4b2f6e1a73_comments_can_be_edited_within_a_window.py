"""Comments can be edited within a window

A comment keeps the hash of the secret its author was answered once (null
for comments posted before, which cannot be edited), when its text was last
edited, and the texts its author's edits replaced, for moderators.

Revision ID: 9d4b2f6e1a73
Revises: d3f9a2c6e817
Create Date: 2026-12-03 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9d4b2f6e1a73'
down_revision = 'd3f9a2c6e817'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_secret_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(), nullable=True))
    op.create_table(
        'comment_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=False),
        sa.Column('replaced_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                                name=op.f('fk_comment_revisions_comment_id_comments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_revisions')),
    )
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_revisions_comment_id'), ['comment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_revisions_comment_id'))
    op.drop_table('comment_revisions')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
        batch_op.drop_column('edit_secret_hash')
