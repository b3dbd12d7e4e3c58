"""What an event means: who hears of it, by mail or webhook. The worker
calls dispatch_events() to turn new outbox events into deliveries, once
each, however many workers run."""

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Comment, Status, utcnow
from ..notification_models import (
    Channel, Delivery, EventType, MailFrequency, ModeratorMail, OutboxEvent, WEBHOOK_EVENTS,
)
from . import outbox, subscriptions, webhooks

DIGEST_PERIOD = timedelta(hours=1)


def dispatch_events(limit):
    """Write the deliveries of up to `limit` new events, in one transaction;
    returns how many events. PostgreSQL workers skip each other's events."""
    events = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        .order_by(OutboxEvent.id).limit(limit).with_for_update(skip_locked=True)).all()
    now = utcnow()
    for event in events:
        db.session.add_all(Delivery(event_pk=event.id, next_attempt_at=now, **target)
                           for target in recipients_of(event))
        event.dispatched_at = now
    db.session.commit()
    return len(events)


def recipients_of(event):
    """The delivery targets of one event: webhooks subscribed to its type,
    and the mailboxes it concerns."""
    targets = []
    if event.type in WEBHOOK_EVENTS:
        targets += [{"channel": Channel.WEBHOOK, "webhook_id": webhook_id}
                    for webhook_id in webhooks.subscribed_to(event.type)]
    if event.type == EventType.COMMENT_HELD:
        targets += [{"channel": Channel.MAIL, "moderator_id": moderator_id}
                    for moderator_id in moderators_mailed(MailFrequency.EACH)]
    elif event.type == EventType.REPLY_APPROVED:
        reply = db.session.get(Comment, event.comment_id)
        if reply is not None and reply.parent_id is not None:
            targets += [{"channel": Channel.MAIL, "subscriber_id": subscriber_id}
                        for subscriber_id in subscriptions.subscribers_of(reply.parent_id, reply.email_key)]
    elif event.type == EventType.ADDRESS_CONFIRMATION:
        targets.append({"channel": Channel.MAIL, "subscriber_id": event.subscriber_id})
    elif event.type == EventType.MODERATOR_DIGEST:
        targets.append({"channel": Channel.MAIL, "moderator_id": event.moderator_id})
    return targets


def moderators_mailed(frequency):
    """Ids of the moderators who want mail at this frequency."""
    return db.session.scalars(sa.select(ModeratorMail.moderator_id).where(
        ModeratorMail.frequency == frequency).order_by(ModeratorMail.moderator_id)).all()


def schedule_digests(now=None):
    """Record a digest event for each hourly moderator whose hour is up, when
    comments held in the past hour still wait; returns how many. The
    settings row is locked, so two workers never send the same hour twice."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(ModeratorMail).where(
            ModeratorMail.frequency == MailFrequency.HOURLY,
            sa.or_(ModeratorMail.digest_until.is_(None), ModeratorMail.digest_until <= now - DIGEST_PERIOD))
        .order_by(ModeratorMail.moderator_id).with_for_update(skip_locked=True)).all()
    scheduled = 0
    for setting in due:
        if held_between(now - DIGEST_PERIOD, now):
            outbox.record_event(EventType.MODERATOR_DIGEST, moderator_id=setting.moderator_id)
            scheduled += 1
        setting.digest_until = now
    db.session.commit()
    return scheduled


def held_between(since, until):
    """Comments still pending that arrived in [since, until), oldest first."""
    return db.session.scalars(
        sa.select(Comment).where(Comment.status == Status.PENDING, Comment.created_at >= since,
                                 Comment.created_at < until).order_by(Comment.id).limit(200)).all()
