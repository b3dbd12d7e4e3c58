"""What waits, for monitoring (/metrics): comments in the moderation queue,
notification events not yet dispatched, deliveries pending and dead. One
statement, each count on an index, read when a scraper asks."""

import logging
from dataclasses import dataclass

import sqlalchemy as sa

from ..models import Comment, Status
from ..notification_models import Delivery, DeliveryState, OutboxEvent
from .threads import lone_reads

log = logging.getLogger(__name__)


def _count(table, condition):
    return sa.select(sa.func.count()).select_from(table).where(condition).scalar_subquery()


_BACKLOGS = sa.select(
    _count(Comment.__table__, Comment.status == Status.PENDING),
    _count(OutboxEvent.__table__, OutboxEvent.dispatched_at.is_(None)),
    _count(Delivery.__table__, Delivery.state == DeliveryState.PENDING),
    _count(Delivery.__table__, Delivery.state == DeliveryState.DEAD),
)


@dataclass(frozen=True)
class Backlogs:
    pending_comments: int
    undispatched_events: int
    pending_deliveries: int
    dead_deliveries: int


def read_backlogs():
    """The backlogs now, or None when the database does not answer."""
    try:
        with lone_reads() as connection:
            return Backlogs(*connection.execute(_BACKLOGS).one())
    except sa.exc.SQLAlchemyError as error:
        log.warning("database unavailable for the backlogs: %s", type(error).__name__)
        return None
