"""Readers hear of replies to their comments by mail: double opt-in (nothing
but the confirmation goes to an unconfirmed address), remembered once
confirmed, never about their own reply, with RFC 8058 one-click
unsubscribe from a thread or from everything; erasure and export include it.
Mails arrive at a real SMTP server and their links are followed."""

import itertools
import re

import pytest

from tests.moderation_support import API
from tests.notify_support import PUBLIC_URL, deliver, links, parts
from tests.notify_support import inbox, settings, smtp  # noqa: F401 (fixtures)

ARTICLE = "2026/12/replies"
READER = "reader@example.org"
numbers = itertools.count(1)


@pytest.fixture
def approve(client, moderator):
    def approve(comment_id):
        assert client.post(f"{API}/comments/{comment_id}/approve", headers=moderator).status_code == 200
        return comment_id
    return approve


@pytest.fixture
def subscribed(post_comment, approve):
    """An approved comment by READER, who asked to hear of replies; returns its id."""
    def make(**fields):
        return approve(post_comment(ARTICLE, name="Reader", email=READER, notify_replies=True, **fields).json["id"])
    return make


@pytest.fixture
def reply(post_comment, approve):
    def make(parent_id, email="other@example.org", body=None):
        body = body or f"An answer to you, number {next(numbers)}."
        return approve(post_comment(ARTICLE, name="Other", email=email, parent_id=parent_id, body=body).json["id"])
    return make


def new_mail(app, inbox, before):
    """The mails the worker sends now."""
    deliver(app)
    return inbox.messages[before:]


def confirm(app, client, inbox):
    [mail] = new_mail(app, inbox, 0)
    assert mail["To"] == READER and mail["Subject"] == "Confirm reply notifications"
    assert "List-Unsubscribe" not in mail
    [link] = links(parts(mail)[0], "confirm")
    assert "reader" not in link  # links carry ids, never the address
    assert client.get(link).status_code == 200  # opening it confirms nothing yet
    answer = client.post(link)
    assert answer.status_code == 200 and "Confirmed" in answer.text
    return len(inbox.messages)


def test_nothing_but_the_confirmation_goes_to_an_unconfirmed_address(app, client, inbox, subscribed, reply):
    parent = subscribed()
    reply(parent)
    [mail] = new_mail(app, inbox, 0)
    assert mail["Subject"] == "Confirm reply notifications"
    second = subscribed()  # a second subscription within the day: no second confirmation
    reply(second)
    assert new_mail(app, inbox, 1) == []


def test_once_confirmed_replies_are_mailed_with_one_click_unsubscribe(app, client, inbox, subscribed, reply):
    parent = subscribed()
    seen = confirm(app, client, inbox)
    reply_id = reply(parent, body="Agreed, <em>mostly</em>.")
    [mail] = new_mail(app, inbox, seen)
    assert mail["To"] == READER and mail["Subject"] == f"New reply on {ARTICLE}"
    text, html = parts(mail)
    assert "Other replied to your comment" in text and "Agreed, <em>mostly</em>." in text
    assert f"{PUBLIC_URL}/embed/{ARTICLE}" in text and "<em>mostly</em>" in html
    thread_link, all_link = links(text, "unsubscribe")
    assert mail["List-Unsubscribe"] == f"<{PUBLIC_URL}{all_link}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(rf"<{mail['X-Event-Id']}\.\d+@news\.example>", mail["Message-ID"])
    assert reply_id

    assert client.get(all_link).status_code == 200  # a GET shows a button and changes nothing
    reply(parent)
    assert len(new_mail(app, inbox, seen + 1)) == 1
    one_click = client.post(all_link, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and "Unsubscribed" in one_click.text
    reply(parent)
    assert new_mail(app, inbox, seen + 2) == []


def test_a_confirmed_address_is_remembered(app, client, inbox, subscribed, reply):
    subscribed()
    seen = confirm(app, client, inbox)
    later = subscribed()
    reply(later)
    [mail] = new_mail(app, inbox, seen)
    assert mail["Subject"].startswith("New reply")


def test_an_author_is_never_mailed_about_their_own_reply(app, client, inbox, subscribed, reply):
    parent = subscribed()
    seen = confirm(app, client, inbox)
    reply(parent, email="READER@example.org ")
    assert new_mail(app, inbox, seen) == []


def test_unsubscribing_from_a_thread_keeps_the_others(app, client, inbox, subscribed, reply, post_comment):
    first, second = subscribed(), subscribed()
    seen = confirm(app, client, inbox)
    reply(first)
    [mail] = new_mail(app, inbox, seen)
    thread_link, _ = links(parts(mail)[0], "unsubscribe")
    assert "this thread" in client.post(thread_link).text
    reply(first)
    reply(second)
    [only] = new_mail(app, inbox, seen + 1)
    assert "An answer to you" in parts(only)[0]


def test_unsubscribing_from_everything_asks_for_confirmation_again(app, client, inbox, subscribed, reply):
    parent = subscribed()
    seen = confirm(app, client, inbox)
    reply(parent)
    [mail] = new_mail(app, inbox, seen)
    _, all_link = links(parts(mail)[0], "unsubscribe")
    client.post(all_link)
    subscribed()
    [again] = new_mail(app, inbox, seen + 1)
    assert again["Subject"] == "Confirm reply notifications"


def test_the_no_javascript_form_subscribes_too(app, client, inbox):
    from tests.test_embed import PAGE, send_form

    assert send_form(client, email=READER, notify_replies="1").status_code == 303
    [mail] = new_mail(app, inbox, 0)
    assert mail["Subject"] == "Confirm reply notifications" and PAGE


def test_spam_subscribes_nobody(app, client, inbox, post_comment):
    post_comment(ARTICLE, email=READER, notify_replies=True, website_url="http://bot.example")
    assert new_mail(app, inbox, 0) == []


def test_export_lists_and_erasure_removes_subscriptions_and_queued_mail(app, client, inbox, subscribed, reply,
                                                                        admin):
    parent = subscribed()
    seen = confirm(app, client, inbox)
    exported = client.post(f"{API}/authors/export", headers=admin, json={"email": READER}).json
    assert exported["reply_notifications"]["comment_ids"] == [parent]
    assert exported["reply_notifications"]["confirmed_at"].endswith("Z")
    other_parent = reply(parent)  # queued for READER, not yet sent
    assert other_parent
    erased = client.post(f"{API}/authors/erase", headers=admin, json={"email": READER})
    assert erased.status_code == 200
    assert new_mail(app, inbox, seen) == []
    exported = client.post(f"{API}/authors/export", headers=admin, json={"email": READER}).json
    assert exported["reply_notifications"] is None


def test_a_forged_or_expired_confirmation_does_nothing(app, client, inbox, subscribed):
    subscribed()
    [mail] = new_mail(app, inbox, 0)
    [link] = links(parts(mail)[0], "confirm")
    assert client.post(link + "x").status_code == 404
    app.config["CONFIRMATION_MAX_AGE"] = -1
    assert client.post(link).status_code == 410
