"""Statements that SQLite and PostgreSQL spell alike but SQLAlchemy builds
per dialect: INSERT ... ON CONFLICT."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db


def insert_for(table, dialect_name=None):
    """An INSERT into table that takes ON CONFLICT clauses, for the session's
    database (or the dialect named)."""
    name = dialect_name or db.session.get_bind().dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)


def get_or_insert(table, key, values, *returning, fill=()):
    """The columns `returning` of the row whose unique column `key` holds
    values[key.key], inserted with `values` if there is none. The conflict
    branch rewrites the key to itself, so the existing row is returned, and
    locked until the transaction ends, even when two requests race; columns
    in `fill` that the existing row has as NULL take their value from `values`."""
    insert = insert_for(table).values(**values)
    set_ = {key: insert.excluded[key.key], **{column: sa.func.coalesce(column, insert.excluded[column.key])
                                               for column in fill}}
    upsert = insert.on_conflict_do_update(index_elements=[key], set_=set_)
    return db.session.execute(upsert.returning(*returning))
