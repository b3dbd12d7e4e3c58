"""Comments per status (the moderation stats): shifted by every change of a
status, in the changing transaction, so reading them costs a few rows
whatever the number of comments (models.StatusCount)."""

from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import STATUS_BUCKETS, Status, StatusCount

_COUNTS = StatusCount.__table__
_STATUSES = [status.value for status in Status]
_TOTALS = sa.select(*(sa.func.coalesce(sa.func.sum(_COUNTS.c[name]), 0) for name in _STATUSES))


class StatusShifts:
    """What a transaction changes in the counts, applied at its end. Buckets
    are locked in bucket order, after the article rows (ArticleChanges), so
    that two transactions never wait for each other in a circle."""

    def __init__(self):
        self.buckets = {}

    def move(self, article_pk, previous, status):
        """A comment of the article went from previous to status (None: absent)."""
        shifts = self.buckets.setdefault(article_pk % STATUS_BUCKETS, dict.fromkeys(_STATUSES, 0))
        if previous is not None:
            shifts[str(previous)] -= 1
        if status is not None:
            shifts[str(status)] += 1

    def apply(self):
        """Add the shifts to their buckets; a bucket's row is made on first use."""
        connection = db.session.connection()
        statement = _shift_statement(connection.dialect.name)
        for bucket, shifts in sorted(self.buckets.items()):
            if any(shifts.values()):
                # In SQL, not Python: two transactions at once must not lose a shift.
                connection.execute(statement, {"bucket": bucket, **shifts})
        self.buckets.clear()


@cache
def _shift_statement(dialect_name):
    """INSERT ... ON CONFLICT DO UPDATE adding to every count, built once per dialect."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    insert = dialect.insert(_COUNTS).values(
        bucket=sa.bindparam("bucket"), **{name: sa.bindparam(name) for name in _STATUSES})
    return insert.on_conflict_do_update(
        index_elements=[_COUNTS.c.bucket],
        set_={name: _COUNTS.c[name] + insert.excluded[name] for name in _STATUSES})


def count_by_status():
    """How many comments are in each status, zeros included: a sum over the buckets."""
    return dict(zip(_STATUSES, db.session.execute(_TOTALS).one()))
