"""Comments per status (the moderation stats), without counting the table:
decided statuses are shifted by every decision, in its transaction, into a
few rows (models.StatusCount); pending comments are the queue, counted on
its (status, id) index, so that it costs what the queue holds, and a
submission (pending by default) writes no count at all."""

from functools import cache

import sqlalchemy as sa

from ..extensions import db
from ..sql import insert_for
from ..models import STATUS_BUCKETS, Comment, Status, StatusCount

_COUNTS = StatusCount.__table__
_DECIDED = [Status.APPROVED.value, Status.REJECTED.value, Status.SPAM.value]
_QUEUE = sa.select(sa.func.count()).where(Comment.status == Status.PENDING).scalar_subquery()
_TOTALS = sa.select(_QUEUE, *(sa.func.coalesce(sa.func.sum(_COUNTS.c[name]), 0) for name in _DECIDED))
# Parameters shift_bucket, shift_approved...: names of columns are SQLAlchemy's own.
_SHIFT = sa.update(_COUNTS).where(_COUNTS.c.bucket == sa.bindparam("shift_bucket")).values(
    {_COUNTS.c[name]: _COUNTS.c[name] + sa.bindparam(f"shift_{name}") for name in _DECIDED})


class StatusShifts:
    """What a transaction changes in the counts, applied at its end. Buckets
    are locked in bucket order, after the article rows (ArticleChanges), so
    that two transactions never wait for each other in a circle."""

    def __init__(self):
        self.buckets = {}

    def move(self, article_pk, previous, status):
        """A comment of the article went from previous to status (None: absent)."""
        shifts = self.buckets.setdefault(article_pk % STATUS_BUCKETS, dict.fromkeys(_DECIDED, 0))
        if previous is not None and str(previous) in shifts:
            shifts[str(previous)] -= 1
        if status is not None and str(status) in shifts:
            shifts[str(status)] += 1

    def apply(self):
        """Add the shifts to their buckets; a bucket's row is made on first use."""
        connection = db.session.connection()
        for bucket, shifts in sorted(self.buckets.items()):
            if not any(shifts.values()):
                continue
            # In SQL, not Python: two transactions at once must not lose a shift.
            # An UPDATE first: SQLAlchemy compiles an upsert on every execution
            # (it has no cache key), which cost a submission about 0.1 ms.
            parameters = {"shift_bucket": bucket, **{f"shift_{name}": shift for name, shift in shifts.items()}}
            if not connection.execute(_SHIFT, parameters).rowcount:
                connection.execute(_first_shift(connection.dialect.name), parameters)
        self.buckets.clear()


@cache
def _first_shift(dialect_name):
    """INSERT ... ON CONFLICT DO UPDATE: a bucket's first row, also when two make it at once."""
    insert = insert_for(_COUNTS, dialect_name).values(
        bucket=sa.bindparam("shift_bucket"), **{name: sa.bindparam(f"shift_{name}") for name in _DECIDED})
    return insert.on_conflict_do_update(
        index_elements=[_COUNTS.c.bucket],
        set_={name: _COUNTS.c[name] + insert.excluded[name] for name in _DECIDED})


def count_by_status():
    """How many comments are in each status, zeros included, in one statement:
    the queue on its index, the decided statuses summed over the buckets."""
    return dict(zip([Status.PENDING.value, *_DECIDED], db.session.execute(_TOTALS).one()))
