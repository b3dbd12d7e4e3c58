"""Imported comments remember their source

Each imported comment keeps the system it came from and its id there, unique
as a pair, so that importing the same export again (or finishing one that was
interrupted) adds nothing. Comments posted here leave both null.

Revision ID: c5e81f3a9d42
Revises: 0c1513743833
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c5e81f3a9d42'
down_revision = '0c1513743833'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_comments_source'), ['source', 'source_id'])


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_comments_source'), type_='unique')
        batch_op.drop_column('source_id')
        batch_op.drop_column('source')
