"""Statements that SQLite and PostgreSQL spell alike but SQLAlchemy builds
per dialect: INSERT ... ON CONFLICT; and the lock-or-create of a row by
its unique key that submissions, subscriptions and imports share."""

from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db


def insert_for(table, dialect_name=None):
    """An INSERT into table that takes ON CONFLICT clauses, for the session's
    database (or the dialect named)."""
    name = dialect_name or db.session.get_bind().dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)


def get_or_insert(table, key, values, *returning, fill=()):
    """The row (columns `returning`) whose unique column `key` holds
    values[key.key], inserted with `values` if there is none, and locked
    until the transaction ends, even when two requests race; columns in
    `fill` that the existing row has as NULL take their value from `values`.

    An UPDATE finds and locks the row: SQLAlchemy compiles it once, whereas
    an INSERT ... ON CONFLICT is compiled anew on every call, and most calls
    find the row there. Only when it is missing does the insert run (doing
    nothing if a racing request's row came first), and the UPDATE again."""
    lock = _locking_update(table, key, tuple(fill), returning)
    parameters = {"key": values[key.key], **{f"fill_{column.key}": values.get(column.key) for column in fill}}
    row = db.session.execute(lock, parameters).one_or_none()
    if row is None:
        db.session.execute(insert_for(table).values(**values).on_conflict_do_nothing(index_elements=[key]))
        row = db.session.execute(lock, parameters).one()
    return row


@cache
def _locking_update(table, key, fill, returning):
    """UPDATE table SET key = key[, fill = coalesce(fill, :fill_...)] WHERE key = :key RETURNING ..."""
    assignments = {key: key, **{column: sa.func.coalesce(column, sa.bindparam(f"fill_{column.key}", type_=column.type))
                                for column in fill}}
    return sa.update(table).where(key == sa.bindparam("key", type_=key.type)).values(assignments).returning(*returning)
