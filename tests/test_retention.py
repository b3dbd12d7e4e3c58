"""Retention: personal data and unpublished comments do not outlive their use."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import utcnow
from moderation.services import retention


def rows(app, sql):
    with app.app_context():
        return db.session.execute(sa.text(sql)).all()


def age(app, comment_id, days):
    with app.app_context():
        db.session.execute(sa.text("UPDATE comments SET created_at = :at WHERE id = :id"),
                           {"at": (utcnow() - timedelta(days=days)).replace(tzinfo=None), "id": comment_id})
        db.session.commit()


def test_purge_scrubs_old_networks_and_deletes_old_unpublished(app, client, make_comment, runner):
    old_approved = make_comment("a", status="approved")
    reply = make_comment("a", status="approved", parent_id=old_approved)
    old_pending = make_comment("a", status="pending")
    old_spam = make_comment("a", status="spam")
    recent_pending = make_comment("a", status="pending")
    for comment_id in (old_approved, old_pending, old_spam):
        age(app, comment_id, 90)
    age(app, reply, 45)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0
    assert "of 2 comments" in result.output and "deleted 2 unpublished" in result.output
    remaining = {row.id: (row.ip, row.user_agent) for row in rows(app, "SELECT id, ip, user_agent FROM comments")}
    assert set(remaining) == {old_approved, reply, recent_pending}
    assert remaining[old_approved] == (None, None) and remaining[reply] == (None, None)
    assert remaining[recent_pending][0] == "127.0.0.0"
    log = rows(app, "SELECT comment_id, moderator, action, from_status FROM audit_log WHERE moderator = 'retention'"
                    " ORDER BY id")
    assert [(r.comment_id, r.action) for r in log] == [
        (old_pending, "purge"), (old_spam, "purge"), (old_approved, "scrub"), (reply, "scrub")]
    assert client.get("/api/v1/articles/a/comments").json["total"] == 2
    assert "of 0 comments; deleted 0" in runner.invoke(args=["purge"]).output


def test_purge_periods_are_options_and_settings(app, make_comment, runner):
    comment_id = make_comment("a", status="rejected")
    age(app, comment_id, 5)
    assert "deleted 0" in runner.invoke(args=["purge"]).output
    assert "deleted 1" in runner.invoke(args=["purge", "--unpublished-days", "4"]).output


def test_purge_service_takes_a_clock(app, make_comment):
    make_comment("a", status="pending")
    with app.app_context():
        result = retention.purge(personal_days=30, unpublished_days=60, now=utcnow() + timedelta(days=61))
    assert (result.scrubbed, result.deleted) == (0, 1)


@pytest.mark.parametrize("settings", [{"TRUSTED_AUTHORS_ENABLED": True}])
def test_purge_forgets_the_author_keys_of_addresses_with_no_comment_left(app, post_comment, runner):
    gone = post_comment(email="gone@example.org").json["id"]
    post_comment(email="stays@example.org")
    age(app, gone, 90)  # pending for 90 days: purged with its comment
    assert runner.invoke(args=["purge"]).exit_code == 0
    keys = rows(app, "SELECT email_key FROM author_keys")
    assert [row.email_key for row in keys] == ["stays@example.org"]
