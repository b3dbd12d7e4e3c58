"""The outbox: events are written in the caller's transaction, beside the
change that causes them, so a committed change always has its event and a
rolled-back one never has. Nothing is sent from here (delivery/ does that)."""

import uuid

import sqlalchemy as sa

from ..extensions import db
from ..models import Status
from ..notification_models import EventType, OutboxEvent

_INSERT_EVENT = sa.insert(OutboxEvent.__table__)
# What a comment reaching a status means to the world outside (rejection means nothing).
STATUS_EVENTS = {Status.PENDING: EventType.COMMENT_HELD, Status.APPROVED: EventType.COMMENT_APPROVED,
                 Status.SPAM: EventType.COMMENT_SPAM}


def new_event_id():
    """A stable, unguessable id for receivers to drop duplicates by."""
    return f"evt_{uuid.uuid4().hex}"


def record_event(event_type, *, comment_id=None, subscriber_id=None, moderator_id=None):
    """Add one event to the caller's transaction (it commits or rolls back with it)."""
    db.session.connection().execute(_INSERT_EVENT, {
        "event_id": new_event_id(), "type": str(event_type), "comment_id": comment_id,
        "subscriber_id": subscriber_id, "moderator_id": moderator_id,
    })


def record_status(comment_id, parent_id, status):
    """The events of a comment that reached status, by submission or by a moderator."""
    event_type = STATUS_EVENTS.get(Status(status))
    if event_type is not None:
        record_event(event_type, comment_id=comment_id)
    if status == Status.APPROVED and parent_id is not None:
        record_event(EventType.REPLY_APPROVED, comment_id=comment_id)
