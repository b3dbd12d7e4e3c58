"""Editing and deleting a comment (README "Editing your own comment"): its
author, with the secret the post was answered with, within EDIT_WINDOW; a
moderator, at any time. On SQLite and PostgreSQL."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import Comment, Revision
from tests.conftest import comment_fields
from tests.moderation_support import API, ARTICLE, OTHER, article_row, assert_error, audit_rows, listing, statuses

URL = f"/api/v1/articles/{ARTICLE}/comments"


def post(client, **fields):
    """POST a comment; returns its answer (with its edit secret)."""
    response = client.post(URL, json=comment_fields(**fields))
    assert response.status_code == 202, response.json
    return response.json


@pytest.fixture
def approved(client, moderator):
    """Post a comment and approve it; returns the post's answer."""

    def make(**fields):
        answer = post(client, **fields)
        assert client.post(f"{API}/comments/{answer['id']}/approve", headers=moderator).status_code == 200
        return answer

    return make


def edit(client, answer, body, secret=None, article=ARTICLE):
    headers = {"X-Comment-Secret": answer["edit_secret"] if secret is None else secret}
    return client.patch(f"/api/v1/articles/{article}/comments/{answer['id']}", json={"body": body}, headers=headers)


def delete(client, answer, secret=None, article=ARTICLE):
    headers = {"X-Comment-Secret": answer["edit_secret"] if secret is None else secret}
    return client.delete(f"/api/v1/articles/{article}/comments/{answer['id']}", headers=headers)


def moderation_view(client, moderator, comment_id):
    response = client.get(f"{API}/comments/{comment_id}", headers=moderator)
    assert response.status_code == 200
    return response.json


def test_a_post_answers_a_secret_once_and_stores_only_its_hash(app, client, moderator):
    answer = post(client)
    secret = answer["edit_secret"]
    assert len(secret) >= 43  # 256 random bits
    created = datetime.fromisoformat(answer["created_at"])
    assert datetime.fromisoformat(answer["editable_until"]) - created == timedelta(minutes=15)
    with app.app_context():
        stored = db.session.scalar(sa.select(Comment.edit_secret_hash).where(Comment.id == answer["id"]))
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    view = moderation_view(client, moderator, answer["id"])
    assert secret not in str(view) and "edit_secret" not in view and view["revisions"] == []


def test_an_author_edits_within_the_window(app, client, approved, moderator):
    answer = approved(body="Frist!")
    etag = listing(client).headers["ETag"]
    response = edit(client, answer, "*First*, I meant.")
    assert response.status_code == 200
    edited = response.json
    assert edited["body_html"] == "<p><em>First</em>, I meant.</p>" and edited["status"] == "approved"
    assert edited["edited"] is not None and edited["editable_until"] == answer["editable_until"]
    assert "edit_secret" not in edited
    page = listing(client)
    assert page.headers["ETag"] != etag
    [shown] = page.json["comments"]
    assert shown["body_html"] == edited["body_html"] and shown["edited"] == edited["edited"]
    view = moderation_view(client, moderator, answer["id"])
    assert view["body_text"] == "*First*, I meant."
    assert [revision["body_text"] for revision in view["revisions"]] == ["Frist!"]
    assert audit_rows(app)[-1] == (answer["id"], "author", "edit", "approved", "approved")


def test_an_unedited_comment_says_so(client, approved):
    approved()
    assert listing(client).json["comments"][0]["edited"] is None
    assert '<span class="muted">edited</span>' not in client.get(f"/embed/{ARTICLE}").get_data(as_text=True)


def test_the_page_without_javascript_says_edited_too(client, approved):
    edit(client, approved(body="Frist."), "First.")
    page = client.get(f"/embed/{ARTICLE}").get_data(as_text=True)
    assert "<p>First.</p>" in page and '<span class="muted">edited</span>' in page


@pytest.mark.parametrize("secret", ["", "not-the-secret", "x" * 43])
def test_a_wrong_or_missing_secret_is_forbidden_and_changes_nothing(app, client, approved, secret):
    answer = approved(body="As posted.")
    assert_error(edit(client, answer, "Changed.", secret=secret), 403, "forbidden")
    assert_error(delete(client, answer, secret=secret), 403, "forbidden")
    no_header = client.patch(f"{URL}/{answer['id']}", json={"body": "Changed."})
    assert_error(no_header, 403, "forbidden")
    assert listing(client).json["comments"][0]["body_html"] == "<p>As posted.</p>"
    assert statuses(app) == {answer["id"]: "approved"}


def test_another_articles_id_is_not_found(client, approved):
    answer = approved()
    assert_error(edit(client, answer, "Moved?", article=OTHER), 404, "not_found")
    assert_error(delete(client, answer, article=OTHER), 404, "not_found")
    assert_error(client.patch(f"{URL}/999999", json={"body": "x"}, headers={"X-Comment-Secret": "s"}),
                 404, "not_found")


def test_another_comments_secret_is_forbidden(client, approved):
    mine, theirs = approved(), approved()
    assert_error(edit(client, theirs, "Mine now.", secret=mine["edit_secret"]), 403, "forbidden")


@pytest.mark.parametrize("settings", [{"EDIT_WINDOW": 0}])
def test_outside_the_window_nothing_can_be_changed(app, client, approved):
    answer = approved(body="Too late to change.")
    assert_error(edit(client, answer, "Changed."), 403, "edit_window_closed")
    assert_error(delete(client, answer), 403, "edit_window_closed")
    assert listing(client).json["total"] == 1


def test_an_edit_that_a_rule_holds_goes_back_to_the_queue(app, client, approved, moderator):
    answer = approved(body="No links here.")
    before = article_row(app)
    response = edit(client, answer, "Now see https://a.example and https://b.example")
    assert response.status_code == 200 and response.json["status"] == "pending"
    page = listing(client)
    assert page.json["total"] == 0 and page.json["comments"] == []
    after = article_row(app)
    assert after[1] == before[1] - 1 and after[2] > before[2]
    view = moderation_view(client, moderator, answer["id"])
    assert view["status"] == "pending" and "Contains 2 links (held at 2 or more)." in view["moderation"]["reasons"]
    assert audit_rows(app)[-1] == (answer["id"], "author", "edit", "approved", "pending")


def test_an_edit_with_a_blocked_word_is_spam_but_answered_as_pending(app, client, approved, moderator):
    client.put(f"{API}/rules", json={"words": ["casino"]}, headers=moderator)
    answer = approved(body="An honest comment.")
    response = edit(client, answer, "Visit the casino!")
    assert response.status_code == 200 and response.json["status"] == "pending"
    assert statuses(app)[answer["id"]] == "spam"


def test_a_rejected_comment_stays_rejected_when_edited(app, client, moderator):
    answer = post(client)
    client.post(f"{API}/comments/{answer['id']}/reject", headers=moderator)
    response = edit(client, answer, "Please reconsider.")
    assert response.status_code == 200 and response.json["status"] == "pending"
    assert statuses(app)[answer["id"]] == "rejected"


def test_a_pending_comment_can_be_edited_and_stays_pending(app, client, moderator):
    answer = post(client, body="Wating.")
    assert edit(client, answer, "Waiting.").json["status"] == "pending"
    view = moderation_view(client, moderator, answer["id"])
    assert view["body_text"] == "Waiting." and view["revisions"][0]["body_text"] == "Wating."


def test_an_edit_is_validated_like_a_post(client, approved):
    answer = approved(body="Kept.")
    for body in ["", "   \n  ", "x" * 10_001, "bell \x07"]:
        assert_error(edit(client, answer, body), 422, "validation_failed")
    extra = client.patch(f"{URL}/{answer['id']}", json={"body": "ok", "name": "Eve"},
                         headers={"X-Comment-Secret": answer["edit_secret"]})
    assert_error(extra, 422, "validation_failed")
    assert listing(client).json["comments"][0]["body_html"] == "<p>Kept.</p>"


def test_a_closed_article_takes_no_edits_but_its_author_may_still_delete(app, client, approved, moderator):
    answer = approved()
    client.patch(f"{API}/articles/{ARTICLE}", json={"closed": True}, headers=moderator)
    assert_error(edit(client, answer, "Changed."), 403, "comments_closed")
    assert delete(client, answer).status_code == 204
    assert statuses(app) == {}


@pytest.mark.parametrize("settings", [{"CLOSE_AFTER_DAYS": 30}])
def test_an_article_closed_by_age_takes_no_edits(client, approved, moderator):
    answer = approved()
    published = (datetime.now(UTC) - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.patch(f"{API}/articles/{ARTICLE}", json={"published_at": published},
                        headers=moderator).json["closed_reason"] == "age"
    assert_error(edit(client, answer, "Changed."), 403, "comments_closed")


def test_an_author_deletes_their_comment_and_its_replies_stay_under_a_placeholder(app, client, approved):
    parent = approved(body="I will regret this.")
    reply = approved(body="A reply.", parent_id=parent["id"])
    etag = listing(client).headers["ETag"]
    response = delete(client, parent)
    assert response.status_code == 204 and response.data == b""
    page = listing(client)
    assert page.headers["ETag"] != etag and page.json["total"] == 1
    assert page.json["comments"] == [
        {"id": parent["id"], "parent_id": None, "depth": 0, "deleted": True},
        {**page.json["comments"][1], "id": reply["id"], "depth": 1}]
    assert audit_rows(app)[-1] == (parent["id"], "author", "delete", "approved", None)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == 0
    assert_error(delete(client, parent), 404, "not_found")


def test_a_moderator_redacts_any_comment(app, client, approved, moderator):
    answer = approved(body="Call me on 555-0100.")
    edit(client, answer, "Call me on 555-0100, any time.")
    etag = listing(client).headers["ETag"]
    response = client.patch(f"{API}/comments/{answer['id']}", json={"body": "Call me [number removed]."},
                            headers=moderator)
    assert response.status_code == 200
    view = response.json
    assert view["status"] == "approved" and view["body_text"] == "Call me [number removed]."
    assert view["revisions"] == [] and view["edited"] is not None  # the number is kept nowhere
    page = listing(client)
    assert page.headers["ETag"] != etag
    assert page.json["comments"][0]["body_html"] == "<p>Call me [number removed].</p>"
    assert audit_rows(app)[-1] == (answer["id"], "mod", "edit", "approved", "approved")
    with app.app_context():
        assert "555" not in str(db.session.scalars(sa.select(Revision.body_text)).all())


def test_a_moderator_edit_needs_a_token_and_an_existing_comment(client, approved, moderator):
    answer = approved()
    assert_error(client.patch(f"{API}/comments/{answer['id']}", json={"body": "x"}), 401, "unauthorized")
    assert_error(client.patch(f"{API}/comments/999999", json={"body": "x"}, headers=moderator), 404, "not_found")
    assert_error(client.patch(f"{API}/comments/{answer['id']}", json={"body": " "}, headers=moderator),
                 422, "validation_failed")


def test_a_data_access_request_carries_the_texts_an_edit_replaced(client, approved, admin):
    """The author's earlier texts are personal data kept under the address: an export names them."""
    answer = approved(body="Frist!")
    assert edit(client, answer, "First, I meant.").status_code == 200
    export = client.post(f"{API}/authors/export", json={"email": "olena@example.org"}, headers=admin)
    assert export.status_code == 200, export.json
    [comment] = export.json["comments"]
    assert comment["body_text"] == "First, I meant." and comment["edited"] is not None
    assert [revision["body_text"] for revision in comment["revisions"]] == ["Frist!"]
