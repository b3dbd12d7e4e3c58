"""Events are written to the outbox in the transaction of the change that
causes them: every committed change has its event, a rolled-back one has
none and sends nothing."""

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.notification_models import OutboxEvent
from moderation.services import moderation as moderation_service
from tests.moderation_support import API, assert_error, statuses
from tests.notify_support import WebhookReceiver, deliver, mail_settings
from tests.servers import free_port


@pytest.fixture
def settings():
    return mail_settings(free_port())


def events(app):
    """(type, comment id) of every outbox event, oldest first."""
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(OutboxEvent.type, OutboxEvent.comment_id).order_by(OutboxEvent.id))]


def test_each_change_of_status_writes_its_event(app, client, post_comment, moderator):
    parent = post_comment().json["id"]
    client.post(f"{API}/comments/{parent}/approve", headers=moderator)
    reply = post_comment(parent_id=parent).json["id"]
    client.post(f"{API}/comments/{reply}/approve", headers=moderator)
    client.post(f"{API}/comments/{reply}/approve", headers=moderator)  # idempotent: no second event
    other = post_comment().json["id"]
    client.post(f"{API}/comments/{other}/reject", headers=moderator)
    client.post(f"{API}/comments/{other}/spam", headers=moderator)
    assert events(app) == [
        ("comment.held", parent), ("comment.approved", parent),
        ("comment.held", reply), ("comment.approved", reply), ("reply.approved", reply),
        ("comment.held", other), ("comment.spam", other),
    ]


def test_a_submission_that_rules_send_to_spam_writes_a_spam_event(app, post_comment):
    comment_id = post_comment(website_url="http://bot.example").json["id"]  # the honeypot
    assert events(app) == [("comment.spam", comment_id)]


def test_a_refused_submission_writes_nothing(app, post_comment):
    fields = {"body": "Said once."}
    post_comment(**fields)
    assert post_comment(**fields).status_code == 409
    assert [event_type for event_type, _ in events(app)] == ["comment.held"]


def test_a_bulk_approval_that_rolls_back_sends_nothing(app, client, pending, admin, moderator, monkeypatch):
    ids = pending(3)
    with WebhookReceiver() as receiver:
        client.post(f"{API}/webhooks", headers=admin, json={"url": receiver.url})
        deliver(app)  # the held events go first; from here on the receiver must hear nothing
        receiver.calls.clear()
        before = events(app)
        real_record, calls = moderation_service.record, []

        def failing_record(*args, **kwargs):
            calls.append(args)
            if len(calls) == 2:
                raise RuntimeError("disk full")
            return real_record(*args, **kwargs)

        monkeypatch.setattr(moderation_service, "record", failing_record)
        assert_error(client.post(f"{API}/bulk", json={"action": "approve", "ids": ids}, headers=moderator),
                     500, "internal_error")
        assert len(calls) == 2  # the first comment was approved, with its event, before the failure
        assert events(app) == before and set(statuses(app).values()) == {"pending"}
        deliver(app)
        assert receiver.calls == []


def test_a_moderators_approval_is_committed_with_its_event(app, client, pending, moderator):
    [comment_id] = pending(1)
    client.post(f"{API}/bulk", json={"action": "approve", "ids": [comment_id]}, headers=moderator)
    assert events(app)[-1] == ("comment.approved", comment_id)


@pytest.mark.parametrize("settings", [{"PUBLIC_URL": "https://comments.example", "NOTIFY_MAX_ATTEMPTS": 1}])
def test_the_worker_purges_finished_events_after_the_retention_period(app, client, post_comment, admin):
    """Mails go to .eml files here; the webhook's port has nobody listening, so its call dies."""
    from datetime import timedelta

    from moderation.delivery import worker
    from moderation.models import utcnow

    client.put(f"{API}/me/notifications", headers=admin, json={"email": "boss@news.example", "frequency": "each"})
    delivered = post_comment().json["id"]
    deliver(app)
    client.post(f"{API}/webhooks", headers=admin, json={"url": f"http://127.0.0.1:{free_port()}/hook"})
    dead = post_comment().json["id"]
    recent = post_comment().json["id"]
    deliver(app)
    with app.app_context():
        db.session.execute(sa.update(OutboxEvent).where(OutboxEvent.comment_id.in_([delivered, dead]))
                           .values(dispatched_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    worker.run(app, once=True)  # housekeeping runs as the worker starts, then hourly
    assert events(app) == [("comment.held", dead), ("comment.held", recent)]
