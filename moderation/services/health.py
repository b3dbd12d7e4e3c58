"""Whether the service can do its work."""

import logging

import sqlalchemy as sa

from ..extensions import db

log = logging.getLogger(__name__)


def is_database_up():
    """True when the database answers a trivial query."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        log.warning("database unavailable: %s", type(error).__name__)
        db.session.rollback()
        return False
    return True
