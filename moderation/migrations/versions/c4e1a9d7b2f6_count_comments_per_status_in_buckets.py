"""Count decided comments in buckets

The moderation stats counted every comment on every call. The counts of
approved, rejected and spam comments now live in a few rows that each
decision shifts in its own transaction (models.StatusCount); pending ones
are counted on the (status, id) index. Existing comments are counted here,
into the bucket of their article (16 buckets, as models.STATUS_BUCKETS:
only the sum over the rows matters, so the two may differ later).

Revision ID: c4e1a9d7b2f6
Revises: c5e81f3a9d42
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e1a9d7b2f6'
down_revision = 'c5e81f3a9d42'
branch_labels = None
depends_on = None

BUCKETS = 16
STATUSES = ('approved', 'rejected', 'spam')


def upgrade():
    op.create_table(
        'status_counts',
        sa.Column('bucket', sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(status, sa.Integer(), nullable=False) for status in STATUSES),
        sa.PrimaryKeyConstraint('bucket', name=op.f('pk_status_counts')),
    )
    comments = sa.table('comments', sa.column('article_id', sa.Integer), sa.column('status', sa.String))
    bucket = comments.c.article_id % BUCKETS
    totals = sa.select(bucket, *(sa.func.sum(sa.case((comments.c.status == status, 1), else_=0))
                                 for status in STATUSES)).group_by(bucket)
    counts = sa.table('status_counts', sa.column('bucket', sa.Integer),
                      *(sa.column(status, sa.Integer) for status in STATUSES))
    op.execute(counts.insert().from_select(['bucket', *STATUSES], totals))
    # Every bucket gets its row, so that a change only ever updates one.
    connection = op.get_bind()
    made = set(connection.execute(sa.select(counts.c.bucket)).scalars())
    empty = [{'bucket': bucket, **dict.fromkeys(STATUSES, 0)} for bucket in range(BUCKETS) if bucket not in made]
    if empty:
        connection.execute(counts.insert(), empty)


def downgrade():
    op.drop_table('status_counts')
