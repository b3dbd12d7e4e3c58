"""Deliveries' lives: claimed one at a time under a lease, then delivered,
retried with exponential backoff, or dead; dead ones are listed for
moderators and retried on demand; old finished events are purged."""

import random
from datetime import timedelta

import sqlalchemy as sa

from ..errors import NotFound
from ..extensions import db
from ..notification_models import Delivery, DeliveryState, OutboxEvent, UsedLink
from ..models import utcnow
from .queue import paginate

# Backoff never waits longer than this between two attempts.
MAX_BACKOFF = timedelta(hours=6)
FINISHED = (DeliveryState.DELIVERED, DeliveryState.DROPPED)


def claim_next(lease_seconds):
    """The next due delivery, leased to the caller and counted as an attempt,
    or None. One at a time: should the worker die, only the delivery in
    flight can be sent twice. PostgreSQL workers skip each other's rows."""
    now = utcnow()
    due = (sa.select(Delivery.id)
           .where(Delivery.state == DeliveryState.PENDING, Delivery.next_attempt_at <= now,
                  sa.or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
           .order_by(Delivery.next_attempt_at, Delivery.id).limit(1)
           .with_for_update(skip_locked=True).scalar_subquery())
    lease = now + timedelta(seconds=lease_seconds)
    claimed = db.session.scalar(
        sa.update(Delivery).where(Delivery.id == due)
        .values(lease_until=lease, attempts=Delivery.attempts + 1)
        .returning(Delivery.id).execution_options(synchronize_session=False))
    db.session.commit()
    if claimed is None:
        return None
    delivery = db.session.get(Delivery, claimed, populate_existing=True)
    # Detached, so that ending a transaction while it is sent does not expire it.
    db.session.expunge(delivery.event)
    db.session.expunge(delivery)
    return delivery


def finish(delivery, state, error=None, next_attempt_at=None):
    """Record the outcome of an attempt, if the lease is still the caller's
    (a worker that overran it leaves the row to the one that took it over)."""
    values = {"state": state, "lease_until": None, "last_error": error}
    if state == DeliveryState.DELIVERED:
        values["delivered_at"] = utcnow()
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    db.session.execute(
        sa.update(Delivery).where(Delivery.id == delivery.id, Delivery.lease_until == delivery.lease_until)
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def fail(delivery, error, *, is_permanent, max_attempts, retry_seconds):
    """A failed attempt: dead when refused for good or out of attempts, else
    retried after retry_seconds doubled per attempt so far (with jitter, so
    that deliveries failed together do not retry together)."""
    if is_permanent or delivery.attempts >= max_attempts:
        return finish(delivery, DeliveryState.DEAD, error)
    delay = min(timedelta(seconds=retry_seconds * 2 ** (delivery.attempts - 1)), MAX_BACKOFF)
    finish(delivery, DeliveryState.PENDING, error, utcnow() + delay * random.uniform(0.9, 1.1))


def list_deliveries(state, *, limit, after=None):
    """Deliveries in one state (dead by default in the API), oldest first."""
    query = sa.select(Delivery).where(Delivery.state == DeliveryState(state))
    if after is not None:
        query = query.where(Delivery.id > after)
    return paginate(db.session.scalars(query.order_by(Delivery.id).limit(limit + 1)).all(), limit)


def retry_delivery(delivery_id):
    """Give a dead delivery a fresh set of attempts, due now."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("No delivery with this id.")
    if delivery.state == DeliveryState.DEAD:
        delivery.state, delivery.attempts, delivery.next_attempt_at = DeliveryState.PENDING, 0, utcnow()
        delivery.lease_until = None
        db.session.commit()
    return delivery


def purge_finished(*, days, link_days):
    """Delete events dispatched more than `days` ago whose deliveries all
    finished (delivered or dropped: dead ones stay visible), and used-link
    markers older than any link they could still stop; returns the events' count."""
    cutoff = utcnow() - timedelta(days=days)
    unfinished = sa.select(Delivery.id).where(Delivery.event_pk == OutboxEvent.id,
                                              Delivery.state.not_in(FINISHED))
    deleted = db.session.execute(
        sa.delete(OutboxEvent).where(OutboxEvent.dispatched_at < cutoff, ~unfinished.exists())
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(sa.delete(UsedLink).where(UsedLink.used_at < utcnow() - timedelta(days=link_days))
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return deleted
