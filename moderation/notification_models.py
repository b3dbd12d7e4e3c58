"""Notification records: the outbox of events, written with the changes that
cause them; their deliveries (one mail or one webhook call each); webhook
endpoints, moderators' mail settings, readers' addresses and subscriptions."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .models import UtcDateTime, enum_values, utcnow


class EventType(StrEnum):
    COMMENT_HELD = "comment.held"
    COMMENT_APPROVED = "comment.approved"
    # A reply became public: its parent's author hears of it (if subscribed).
    REPLY_APPROVED = "reply.approved"
    COMMENT_SPAM = "comment.spam"
    # Internal, never sent to webhooks: a reader's address must confirm its first subscription.
    ADDRESS_CONFIRMATION = "address.confirmation"
    # Internal: a moderator's hourly summary of the comments held since the last one.
    MODERATOR_DIGEST = "moderator.digest"


# What a webhook endpoint may subscribe to (the others concern one person's mailbox).
WEBHOOK_EVENTS = (EventType.COMMENT_HELD, EventType.COMMENT_APPROVED, EventType.REPLY_APPROVED,
                  EventType.COMMENT_SPAM)


class Channel(StrEnum):
    MAIL = "mail"
    WEBHOOK = "webhook"


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    # Given up after NOTIFY_MAX_ATTEMPTS (or refused for good); a moderator may retry it.
    DEAD = "dead"
    # Nothing left to send: its comment or recipient was erased, or its mail turned off.
    DROPPED = "dropped"


class MailFrequency(StrEnum):
    EACH = "each"
    HOURLY = "hourly"
    NONE = "none"


def enum_column(enum, **kwargs):
    return mapped_column(sa.Enum(enum, native_enum=False, length=16, validate_strings=True,
                                 values_callable=enum_values), **kwargs)


class OutboxEvent(db.Model):
    """Something that happened, recorded in the transaction that made it
    happen. The worker turns it into deliveries once (dispatched_at)."""

    __tablename__ = "outbox_events"
    __table_args__ = (sa.Index("ix_outbox_events_dispatch", "dispatched_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The stable id every delivery carries (webhook-id, Message-ID), so receivers drop duplicates.
    event_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    # No foreign key: an event about an erased comment is dropped when dispatched, not lost.
    comment_id: Mapped[int | None] = mapped_column()
    subscriber_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subscribers.id", ondelete="CASCADE"))
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderators.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Delivery(db.Model):
    """One mail or webhook call of an event, retried with backoff until it is
    delivered or dead. Its recipient is named by id, never by address."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.Index("ix_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_pk: Mapped[int] = mapped_column(sa.ForeignKey("outbox_events.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = enum_column(Channel)
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderators.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subscribers.id", ondelete="CASCADE"))
    webhook_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="CASCADE"))
    state: Mapped[DeliveryState] = enum_column(DeliveryState, default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # A worker that claimed it holds it until then; past it, another may (a crashed worker's).
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What went wrong last: a status or an exception's class, never a server's text (it may quote an address).
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    event: Mapped[OutboxEvent] = relationship(lazy="joined", innerjoin=True)


class Webhook(db.Model):
    """An endpoint an admin registered; its secret signs every call (Standard Webhooks)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2048))
    # Kept as is: signing needs it. Shown once, when the endpoint is made.
    secret: Mapped[str] = mapped_column(sa.String(100))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    description: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ModeratorMail(db.Model):
    """Where and how often a moderator hears of held comments."""

    __tablename__ = "moderator_mail"

    moderator_id: Mapped[int] = mapped_column(sa.ForeignKey("moderators.id", ondelete="CASCADE"),
                                              primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    frequency: Mapped[MailFrequency] = enum_column(MailFrequency, default=MailFrequency.EACH)
    # The end of the period the last hourly digest covered.
    digest_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Subscriber(db.Model):
    """A reader's address that asked for reply notifications. Nothing but the
    confirmation is ever mailed to it before its owner confirms."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    # privacy.normalise_email(email), as Comment.email_key.
    email_key: Mapped[str] = mapped_column(sa.String(320), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The last confirmation mail: one per CONFIRMATION_INTERVAL, so the form cannot bomb an inbox.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Unsubscribed from everything: older confirmation links stop working.
    opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Subscription(db.Model):
    """Replies to this comment are mailed to its author's confirmed address."""

    __tablename__ = "subscriptions"
    __table_args__ = (sa.UniqueConstraint("subscriber_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(sa.ForeignKey("subscribers.id", ondelete="CASCADE"))
    # Deleting the comment ends the subscription: no reply to it can become public.
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class UsedLink(db.Model):
    """A single-use link from a mail (approve or reject) that has been used."""

    __tablename__ = "used_links"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
