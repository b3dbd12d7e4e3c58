"""The worker: turns new outbox events into deliveries, sends each due one,
and retries failures with backoff until they are delivered or dead. Several
may run at once on PostgreSQL (rows are claimed with FOR UPDATE SKIP
LOCKED); on SQLite one at a time, enforced by a lock beside the database.
Logs name events and deliveries by id, never an address."""

import fcntl
import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..notification_models import Channel, DeliveryState
from ..services import deliveries, notifications
from . import mail, transport, webhooks

log = logging.getLogger(__name__)
# Housekeeping (purging finished events and old link markers) runs this often.
HOUSEKEEPING_SECONDS = 3600


class WorkerBusy(Exception):
    """Another worker holds this SQLite database."""


def run(app, *, once=False, stop=None):
    """Work until stop is set (or, with once, until nothing is due)."""
    stop = stop or threading.Event()
    with app.app_context(), single_worker_on_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        config, housekeeping_at = app.config, 0.0
        log.info("worker started")
        while not stop.is_set():
            try:
                is_busy = run_once(config, stop)
                if time.monotonic() >= housekeeping_at:
                    purged = deliveries.purge_finished(days=config["NOTIFY_RETENTION_DAYS"],
                                                       link_days=config["MODERATION_LINK_MAX_AGE"] // 86400 + 1)
                    log.info("purged %d finished events", purged)
                    housekeeping_at = time.monotonic() + HOUSEKEEPING_SECONDS
            except sa.exc.DBAPIError as error:
                # The database went away (a restart): wait a poll, then try again.
                db.session.rollback()
                log.error("database error %s; retrying", type(error.orig).__name__)
                is_busy = False
            if once and not is_busy:
                break
            if not is_busy:
                stop.wait(config["NOTIFY_POLL_SECONDS"])
        db.session.remove()
        log.info("worker stopped")


def run_once(config, stop=None):
    """One pass: dispatch new events, schedule due digests, then send due
    deliveries (at most NOTIFY_BATCH). Returns whether it did anything."""
    dispatched = notifications.dispatch_events(config["NOTIFY_BATCH"])
    digests = notifications.schedule_digests()
    sent = 0
    while sent < config["NOTIFY_BATCH"] and not (stop and stop.is_set()):
        delivery = deliveries.claim_next(config["NOTIFY_LEASE_SECONDS"])
        if delivery is None:
            break
        attempt(delivery, config)
        sent += 1
    return bool(dispatched or digests or sent)


def attempt(delivery, config):
    """Make one attempt of a claimed delivery and record how it went."""
    event = delivery.event
    try:
        is_sent = send(delivery, event, config)
    except transport.DeliveryFailed as failure:
        log.warning("delivery %d of %s (%s) failed, attempt %d: %s", delivery.id, event.event_id,
                    event.type, delivery.attempts, failure.error)
        deliveries.fail(delivery, failure.error, is_permanent=failure.is_permanent,
                        max_attempts=config["NOTIFY_MAX_ATTEMPTS"], retry_seconds=config["NOTIFY_RETRY_SECONDS"])
        return
    except Exception as error:  # a bug must cost one delivery its attempt, not stop the worker
        db.session.rollback()
        log.exception("delivery %d of %s (%s) raised", delivery.id, event.event_id, event.type)
        deliveries.fail(delivery, type(error).__name__, is_permanent=False,
                        max_attempts=config["NOTIFY_MAX_ATTEMPTS"], retry_seconds=config["NOTIFY_RETRY_SECONDS"])
        return
    deliveries.finish(delivery, DeliveryState.DELIVERED if is_sent else DeliveryState.DROPPED)
    log.info("delivery %d of %s (%s, %s) %s", delivery.id, event.event_id, event.type, delivery.channel,
             "delivered" if is_sent else "dropped: nothing left to send")


def send(delivery, event, config):
    """True once sent; False when there is nothing left to send."""
    if delivery.channel == Channel.WEBHOOK:
        message = webhooks.webhook_request(delivery, event, config)
    else:
        message = mail.compose(delivery, event)
    db.session.rollback()  # end the reads' transaction: no lock is held while it travels
    if message is None:
        return False
    if delivery.channel == Channel.WEBHOOK:
        webhooks.post(message, config["WEBHOOK_TIMEOUT"])
    else:
        transport.send_mail(message, config, current_app.instance_path)
    return True


@contextmanager
def single_worker_on_sqlite(database_url):
    """On a SQLite file, hold an exclusive lock on <file>.worker-lock for as
    long as the worker runs: a second worker would claim the same rows (SQLite
    has no SKIP LOCKED). The kernel drops the lock if the worker dies."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    with open(Path(f"{url.database}.worker-lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkerBusy("another worker is running on this SQLite database") from None
        yield
