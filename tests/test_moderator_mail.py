"""Moderators hear of held comments by mail, through a real SMTP server, and
act on them with signed single-use links that need no sign-in; on SQLite and
PostgreSQL."""

import re

import pytest

from tests.moderation_support import API, assert_error, audit_rows, statuses
from tests.notify_support import MAIL_FROM, PUBLIC_URL, deliver, links, parts
from tests.notify_support import inbox, settings, smtp  # noqa: F401 (fixtures)

ARTICLE = "2026/12/held"


@pytest.fixture
def mailed_moderator(client, moderator):
    """The `mod` moderator, mailed at mod@news.example for each held comment."""
    answer = client.put(f"{API}/me/notifications", headers=moderator,
                        json={"email": "mod@news.example", "frequency": "each"})
    assert answer.status_code == 200 and answer.json == {"email": "mod@news.example", "frequency": "each"}
    return moderator


def held_comment(post_comment, **fields):
    # Two links hold a comment (LINKS_HOLD_THRESHOLD): the mail must say so.
    fields = {"name": "Taras", "body": "See https://a.example and https://b.example too.", **fields}
    response = post_comment(ARTICLE, **fields)
    assert response.status_code == 202
    return response.json["id"]


def test_a_held_comment_is_mailed_with_its_reasons_and_links(app, client, post_comment, mailed_moderator, inbox):
    comment_id = held_comment(post_comment)
    deliver(app)
    [mail] = inbox.wait_for(1)
    assert mail["To"] == "mod@news.example" and mail["From"] == MAIL_FROM
    assert mail["Subject"] == f"Held for moderation: Taras on {ARTICLE}"
    assert mail["Date"] and mail["Auto-Submitted"] == "auto-generated"
    event_id = mail["X-Event-Id"]
    assert re.fullmatch(r"evt_[0-9a-f]{32}", event_id)
    assert re.fullmatch(rf"<{event_id}\.\d+@news\.example>", mail["Message-ID"])
    text, html = parts(mail)
    assert "See https://a.example and https://b.example too." in text
    assert "Contains 2 links (held at 2 or more)." in text and "Contains 2 links" in html
    assert f"{PUBLIC_URL}/embed/{ARTICLE}" in text  # no page URL known: our own thread page
    [approve, reject] = links(text, "moderate")
    assert links(html, "moderate") == [approve, reject]
    assert "List-Unsubscribe" not in mail  # moderators' mail is not a list
    assert statuses(app)[comment_id] == "pending"


def test_the_approve_link_shows_the_comment_then_approves_it_once(app, client, post_comment,
                                                                   mailed_moderator, inbox):
    comment_id = held_comment(post_comment)
    deliver(app)
    approve, reject = links(parts(inbox.wait_for(1)[0])[0], "moderate")
    page = client.get(approve)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Approve this comment?" in page.text and "https://a.example" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer" and "<script" not in page.text
    assert "olena@example.org" not in page.text  # a link may be forwarded: the page shows no address
    assert statuses(app)[comment_id] == "pending"  # opening a link changes nothing (mail scanners open links)

    done = client.post(approve)
    assert done.status_code == 200 and "Approved" in done.text
    assert statuses(app)[comment_id] == "approved"
    assert audit_rows(app)[-1] == (comment_id, "mod", "approve", "pending", "approved")
    assert client.get(f"/api/v1/articles/{ARTICLE}/comments").json["total"] == 1

    for again in (client.post(approve), client.post(reject), client.get(reject)):
        assert again.status_code == 410 and "used already" in again.text
    assert statuses(app)[comment_id] == "approved"


def test_the_reject_link_rejects(app, client, post_comment, mailed_moderator, inbox):
    comment_id = held_comment(post_comment)
    deliver(app)
    _, reject = links(parts(inbox.wait_for(1)[0])[0], "moderate")
    assert "Rejected" in client.post(reject).text
    assert statuses(app)[comment_id] == "rejected"


def test_links_expire_and_forged_ones_do_nothing(app, client, post_comment, mailed_moderator, inbox):
    comment_id = held_comment(post_comment)
    deliver(app)
    approve, _ = links(parts(inbox.wait_for(1)[0])[0], "moderate")
    forged = approve[:-3] + ("AAA" if not approve.endswith("AAA") else "BBB")
    assert client.post(forged).status_code == 404
    app.config["MODERATION_LINK_MAX_AGE"] = -1
    expired = client.post(approve)
    assert expired.status_code == 410 and "expired" in expired.text
    assert statuses(app)[comment_id] == "pending"


def test_a_revoked_moderators_links_stop_working(app, client, runner, post_comment, mailed_moderator, inbox):
    held_comment(post_comment)
    deliver(app)
    approve, _ = links(parts(inbox.wait_for(1)[0])[0], "moderate")
    assert runner.invoke(args=["moderators", "revoke", "mod"]).exit_code == 0
    assert client.post(approve).status_code == 404


def test_a_deleted_comment_says_so(app, client, post_comment, mailed_moderator, inbox):
    comment_id = held_comment(post_comment)
    deliver(app)
    approve, _ = links(parts(inbox.wait_for(1)[0])[0], "moderate")
    assert client.delete(f"{API}/comments/{comment_id}", headers=mailed_moderator).status_code == 204
    gone = client.get(approve)
    assert gone.status_code == 404 and "no longer exists" in gone.text


def test_only_moderators_who_asked_for_each_comment_are_mailed(app, client, post_comment, make_moderator, inbox):
    for name, frequency in (("hourly", "hourly"), ("silent", "none")):
        headers = make_moderator(name)
        client.put(f"{API}/me/notifications", headers=headers,
                   json={"email": f"{name}@news.example", "frequency": frequency})
    make_moderator("unset")
    held_comment(post_comment)
    deliver(app)
    assert inbox.messages == []


def test_a_comment_decided_before_the_mail_goes_is_not_mailed(app, client, post_comment, mailed_moderator, inbox):
    comment_id = held_comment(post_comment)
    client.post(f"{API}/comments/{comment_id}/approve", headers=mailed_moderator)
    deliver(app)
    assert inbox.messages == []
    page = client.get(f"{API}/deliveries", query_string={"state": "dropped"}, headers=mailed_moderator).json
    assert [d["recipient"] for d in page["deliveries"]] == ["moderator:1"]


def test_mail_settings_are_validated(client, moderator):
    answer = client.put(f"{API}/me/notifications", headers=moderator, json={"email": None, "frequency": "each"})
    assert_error(answer, 422, "validation_failed")
    assert "email" in answer.json["error"]["fields"]
    answer = client.put(f"{API}/me/notifications", headers=moderator, json={"email": None, "frequency": "none"})
    assert answer.status_code == 200 and answer.json == {"email": None, "frequency": "none"}
    assert client.get(f"{API}/me/notifications", headers=moderator).json == {"email": None, "frequency": "none"}


def test_the_cli_sets_a_moderators_mail(app, client, runner, post_comment, moderator, inbox):
    result = runner.invoke(args=["moderators", "mail", "mod", "--email", "cli@news.example", "--frequency", "each"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["moderators", "mail", "nobody", "--frequency", "none"]).exit_code != 0
    assert runner.invoke(args=["moderators", "mail", "mod", "--frequency", "each"]).exit_code != 0
    held_comment(post_comment)
    deliver(app)
    assert inbox.wait_for(1)[0]["To"] == "cli@news.example"


def test_an_hourly_moderator_gets_one_digest_of_the_hours_held_comments(app, client, post_comment, moderator,
                                                                        inbox):
    from datetime import timedelta

    from moderation.extensions import db
    from moderation.models import utcnow
    from moderation.notification_models import ModeratorMail

    client.put(f"{API}/me/notifications", headers=moderator, json={"email": "mod@news.example", "frequency": "hourly"})
    first, second = held_comment(post_comment), held_comment(post_comment, body="A second one, held too: "
                                                                              "https://c.example https://d.example")
    deliver(app)
    assert inbox.messages == []  # the hour is not up
    with app.app_context():  # an hour passes
        setting = db.session.get(ModeratorMail, 1)
        setting.digest_until = utcnow() - timedelta(hours=1, seconds=1)
        db.session.commit()
    deliver(app)
    deliver(app)  # the next pass finds the hour just begun: no second digest
    [mail] = inbox.wait_for(1)
    assert mail["Subject"] == "2 comments held for moderation"
    text, _ = parts(mail)
    approve_first, reject_first, approve_second, _ = links(text, "moderate")
    assert client.post(approve_second).status_code == 200 and client.post(reject_first).status_code == 200
    assert client.post(approve_first).status_code == 410  # one decision per comment
    assert (statuses(app)[first], statuses(app)[second]) == ("rejected", "approved")


@pytest.mark.parametrize("settings", [{"PUBLIC_URL": None}, {"PUBLIC_URL": "https://x.example", "SMTP_HOST": "h",
                                                             "SMTP_SECURITY": "ssl"}])
def test_the_worker_refuses_to_start_without_what_mails_need(runner):
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code != 0 and ("PUBLIC_URL" in result.output or "SMTP_SECURITY" in result.output)
