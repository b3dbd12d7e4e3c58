"""The moderation stats (API.md GET /stats): kept in step with every change
of a status, on both databases, without counting the comments on each call."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import utcnow
from moderation.services import retention
from tests.moderation_support import API, ARTICLE, OTHER


def counted(app):
    """The stats as counting every comment would give them."""
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT status, count(*) FROM comments GROUP BY status")).all()
    return {"pending": 0, "approved": 0, "rejected": 0, "spam": 0, **{status: total for status, total in rows}}


def stats(client, headers):
    response = client.get(f"{API}/stats", headers=headers)
    assert response.status_code == 200
    return response.json


def test_stats_follow_every_kind_of_change(app, client, make_comment, post_comment, moderator, admin):
    ids = [make_comment(ARTICLE, status="pending") for _ in range(4)]
    others = [make_comment(OTHER, status="pending", email="taras@example.org") for _ in range(3)]
    steps = [
        lambda: post_comment(website_url="http://bot.example"),  # the honeypot: stored as spam
        lambda: client.post(f"{API}/comments/{ids[0]}/approve", headers=moderator),
        lambda: client.post(f"{API}/comments/{ids[0]}/reject", headers=moderator),
        lambda: client.post(f"{API}/comments/{ids[0]}/requeue", headers=moderator),
        lambda: client.post(f"{API}/comments/{ids[0]}/reject", headers=moderator),
        lambda: client.post(f"{API}/comments/{ids[1]}/spam?block=email", headers=moderator),
        lambda: client.post(f"{API}/bulk", json={"action": "approve", "ids": [ids[2], others[0], 999]},
                            headers=moderator),
        lambda: client.post(f"{API}/bulk", json={"action": "delete", "ids": [ids[2], ids[3]]}, headers=moderator),
        lambda: client.delete(f"{API}/comments/{ids[0]}", headers=moderator),
        lambda: client.patch(f"{API}/articles/{ARTICLE}", json={"closed": True}, headers=moderator),
        lambda: client.post(f"{API}/authors/erase", json={"email": "Taras@Example.org"}, headers=admin),
    ]
    assert stats(client, moderator) == counted(app)
    for number, step in enumerate(steps):
        assert step().status_code < 300, number
        assert stats(client, moderator) == counted(app), number
    assert counted(app) == {"pending": 0, "approved": 0, "rejected": 0, "spam": 2}


def test_retention_purge_takes_its_comments_off_the_stats(app, client, make_comment, moderator):
    make_comment(status="spam")
    make_comment(status="approved")
    with app.app_context():
        retention.purge(personal_days=30, unpublished_days=60, now=utcnow() + timedelta(days=61))
    assert stats(client, moderator) == counted(app) == {"pending": 0, "approved": 1, "rejected": 0, "spam": 0}


def test_stats_stay_true_when_posts_and_moderators_race(app, client, pending, moderator):
    """Submissions to several articles and bulk actions at the same moment: no
    shift is lost, and no transaction waits for another in a circle."""
    ids = pending(6) + pending(6, article=OTHER)
    barrier = threading.Barrier(6)

    def act(number):
        other = app.test_client()
        barrier.wait(timeout=10)
        if number < 3:
            body = {"name": "N", "email": f"n{number}@example.org", "body": f"Racing {number}"}
            return other.post(f"/api/v1/articles/race/{number}/comments", json=body).status_code
        chosen = ids[number - 3::3]
        action = ("approve", "spam", "delete")[number - 3]
        return other.post(f"{API}/bulk", json={"action": action, "ids": chosen}, headers=moderator).status_code

    with ThreadPoolExecutor(6) as pool:
        assert sorted(pool.map(act, range(6))) == [200, 200, 200, 202, 202, 202]
    assert stats(client, moderator) == counted(app)


def test_stats_carry_an_etag_for_polling(client, pending, moderator):
    pending(1)
    first = client.get(f"{API}/stats", headers=moderator)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] in ("private, no-cache", "no-cache, private")
    unchanged = client.get(f"{API}/stats", headers={**moderator, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
    pending(1)
    changed = client.get(f"{API}/stats", headers={**moderator, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["pending"] == 2 and changed.headers["ETag"] != etag
    # Without a token, the ETag tells nothing: 401 as for any other call.
    assert client.get(f"{API}/stats", headers={"If-None-Match": etag}).status_code == 401
