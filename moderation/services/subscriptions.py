"""Readers' reply notifications: a subscription per comment, double opt-in
per address (confirmed once, then remembered), unsubscribing from a thread
or from everything, and the address's part in data requests."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..sql import get_or_insert
from ..mail_tokens import BadLink
from ..models import Comment, Status, utcnow
from ..notification_models import EventType, Subscriber, Subscription
from . import outbox

# At most one confirmation mail per address in this period, however often
# its address is typed into the form: the form must not become a mail bomb.
CONFIRMATION_INTERVAL = timedelta(hours=24)
_SUBSCRIBERS, _SUBSCRIPTIONS = Subscriber.__table__, Subscription.__table__


def subscribe_author(comment_id, status, email, email_key):
    """Within the submission's transaction: replies to this comment will be
    mailed to its author once the address is confirmed; the first time,
    record the confirmation mail. Spam subscribes nobody."""
    if status == Status.SPAM:
        return
    subscriber = upsert_subscriber(email, email_key)
    db.session.connection().execute(sa.insert(_SUBSCRIPTIONS).values(
        subscriber_id=subscriber.id, comment_id=comment_id, created_at=utcnow()))
    if subscriber.confirmed_at is None and is_confirmation_due(subscriber.confirmation_sent_at):
        db.session.connection().execute(sa.update(_SUBSCRIBERS).where(_SUBSCRIBERS.c.id == subscriber.id)
                                        .values(confirmation_sent_at=utcnow()))
        outbox.record_event(EventType.ADDRESS_CONFIRMATION, subscriber_id=subscriber.id)


def upsert_subscriber(email, email_key):
    """The address's row (id, confirmed_at, confirmation_sent_at), made if
    need be; safe when two submissions of one address race."""
    return get_or_insert(_SUBSCRIBERS, _SUBSCRIBERS.c.email_key,
                         {"email": email, "email_key": email_key, "created_at": utcnow()},
                         _SUBSCRIBERS.c.id, _SUBSCRIBERS.c.confirmed_at, _SUBSCRIBERS.c.confirmation_sent_at)


def is_confirmation_due(last_sent):
    """Whether a confirmation may be mailed now (none sent in the interval)."""
    return last_sent is None or utcnow() - last_sent >= CONFIRMATION_INTERVAL


def get_subscriber(subscriber_id):
    """The subscriber a link names, or BadLink (it was erased meanwhile)."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise BadLink("invalid")
    return subscriber


def confirm_address(subscriber_id, issued_at):
    """Confirm an address from the link mailed to it; confirming twice is harmless.
    A link issued before its owner unsubscribed from everything no longer works."""
    subscriber = get_subscriber(subscriber_id)
    if subscriber.opted_out_at is not None and issued_at < subscriber.opted_out_at:
        raise BadLink("expired")
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = utcnow()
        db.session.commit()
    return subscriber


def unsubscribe(subscriber_id, thread_id=None):
    """End the address's subscriptions in one thread, or all of them (and its
    confirmation: a later subscription asks again). Idempotent."""
    subscriber = get_subscriber(subscriber_id)
    ended = sa.delete(Subscription).where(Subscription.subscriber_id == subscriber.id)
    if thread_id is not None:
        ended = ended.where(Subscription.comment_id.in_(
            sa.select(Comment.id).where(Comment.thread_id == thread_id)))
    else:
        # Its owner chose this: the next subscription may ask for a confirmation at once.
        subscriber.confirmed_at, subscriber.confirmation_sent_at, subscriber.opted_out_at = None, None, utcnow()
    db.session.execute(ended.execution_options(synchronize_session=False))
    db.session.commit()
    return subscriber


def is_subscribed_to(subscriber_id, comment_id):
    """Whether replies to comment_id still go to this confirmed address."""
    return db.session.scalar(
        sa.select(Subscription.id).join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.subscriber_id == subscriber_id, Subscription.comment_id == comment_id,
               Subscriber.confirmed_at.is_not(None))) is not None


def subscribers_of(parent_id, reply_email_key):
    """Confirmed subscribers to replies to parent_id, but the reply's own
    author: nobody is mailed about their own reply."""
    return db.session.scalars(
        sa.select(Subscriber.id).join(Subscription, Subscription.subscriber_id == Subscriber.id)
        .where(Subscription.comment_id == parent_id, Subscriber.confirmed_at.is_not(None),
               Subscriber.email_key != reply_email_key)
        .distinct().order_by(Subscriber.id)).all()


@dataclass(frozen=True)
class SubscriptionExport:
    """What a data access request shows of an address's notifications."""

    confirmed_at: datetime | None
    comment_ids: list


def export_address(email_key):
    """The address's confirmation and the comments whose replies it hears of, or None."""
    subscriber = db.session.scalar(sa.select(Subscriber).where(Subscriber.email_key == email_key))
    if subscriber is None:
        return None
    comment_ids = db.session.scalars(sa.select(Subscription.comment_id).where(
        Subscription.subscriber_id == subscriber.id).order_by(Subscription.comment_id)).all()
    return SubscriptionExport(subscriber.confirmed_at, list(comment_ids))


def erase_address(email_key):
    """Within the caller's transaction: the address, its subscriptions,
    confirmation and every mail queued to it (foreign keys cascade)."""
    db.session.execute(sa.delete(Subscriber).where(Subscriber.email_key == email_key)
                       .execution_options(synchronize_session=False))
