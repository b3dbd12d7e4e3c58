"""CLOSE_AFTER_DAYS: articles close by age, counted from their publication
date or first comment, unless a moderator decided; the listing says why, and
its ETag moves when a deadline passes without anything being written."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import Article, Comment
from moderation.services import closing
from tests.moderation_support import API, ARTICLE, assert_error, audit_rows, listing

DAYS = 30


@pytest.fixture
def settings():
    return {"CLOSE_AFTER_DAYS": DAYS}


@pytest.fixture
def clock(app, monkeypatch):
    """Moves the clock the closure rule reads; set clock.now to a datetime.
    A move is longer than RECENT_READ_MAX_AGE: the worker's recent reads go."""

    class Clock:
        _now = None

        @property
        def now(self):
            return self._now

        @now.setter
        def now(self, value):
            self._now = value
            app.extensions["recent_reads"].clear()

    clock = Clock()
    real = closing.utcnow
    monkeypatch.setattr(closing, "utcnow", lambda: clock.now or real())
    return clock


def first_comment_at(app, key=ARTICLE):
    with app.app_context():
        return db.session.scalar(sa.select(Article.first_comment_at).where(Article.article_id == key))


def patch_article(client, moderator, key=ARTICLE, **body):
    response = client.patch(f"{API}/articles/{key}", json=body, headers=moderator)
    assert response.status_code == 200, response.json
    return response.json


def rfc3339(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_age_rule_counts_from_the_first_comment(app, client, post_comment, make_comment):
    assert post_comment().status_code == 202  # pending, yet the first comment
    started = first_comment_at(app)
    assert started is not None and abs(datetime.now(UTC) - started) < timedelta(minutes=1)
    make_comment()  # a later one does not move the start
    assert first_comment_at(app) == started
    page = listing(client).json
    assert page["closed"] is False and page["closed_reason"] is None
    assert page["auto_close"] == {"after_days": DAYS, "counted_from": "first_comment",
                                  "closes_at": rfc3339(started + timedelta(days=DAYS))}


def test_a_refused_comment_starts_no_clock(app, client, post_comment):
    assert post_comment(email="not an address").status_code == 422
    assert first_comment_at(app) is None
    assert listing(client).json["auto_close"] is None


def test_when_the_deadline_passes_the_listing_closes_and_its_etag_moves(
        app, client, make_comment, clock):
    make_comment()
    deadline = first_comment_at(app) + timedelta(days=DAYS)
    clock.now = deadline - timedelta(seconds=1)
    before = listing(client)
    assert before.json["closed"] is False
    assert client.get(before.request.full_path, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    # Nothing is written when the deadline passes; the next read knows all the same,
    # and a client holding the old ETag gets the new page, not a 304.
    clock.now = deadline
    after = client.get(before.request.full_path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert after.json["closed"] is True and after.json["closed_reason"] == "age"
    assert after.json["comments"] == before.json["comments"]
    # And the closed page is cached under its own ETag.
    assert client.get(after.request.full_path, headers={"If-None-Match": after.headers["ETag"]}).status_code == 304


def test_an_article_past_its_deadline_refuses_comments(app, client, make_comment, post_comment, moderator):
    make_comment()
    published = datetime.now(UTC) - timedelta(days=DAYS, minutes=1)
    answer = patch_article(client, moderator, published_at=rfc3339(published))
    assert answer["closed"] is True and answer["closed_reason"] == "age"
    assert answer["published_at"] == rfc3339(published)
    assert answer["auto_close"]["counted_from"] == "published_at"
    assert_error(post_comment(), 403, "comments_closed")
    assert [row[2] for row in audit_rows(app)] == ["approve", "set_published_at"]
    # Without the date, the days count from the first comment again: open.
    answer = patch_article(client, moderator, published_at=None)
    assert answer["closed"] is False and answer["auto_close"]["counted_from"] == "first_comment"
    assert post_comment().status_code == 202


def test_a_publication_date_in_the_future_counts_from_then(client, moderator, post_comment):
    published = datetime.now(UTC) + timedelta(days=3)
    answer = patch_article(client, moderator, published_at=rfc3339(published))
    assert answer["closed"] is False
    assert answer["auto_close"]["closes_at"] == rfc3339(published + timedelta(days=DAYS))
    assert post_comment().status_code == 202


def test_a_moderator_reopening_wins_over_the_rule(app, client, make_comment, post_comment, moderator, clock):
    make_comment()
    patch_article(client, moderator, published_at=rfc3339(datetime.now(UTC) - timedelta(days=DAYS + 1)))
    assert listing(client).json["closed_reason"] == "age"
    answer = patch_article(client, moderator, closed=False)
    assert answer["closed"] is False and answer["closed_reason"] is None and answer["auto_close"] is None
    assert post_comment().status_code == 202
    clock.now = datetime.now(UTC) + timedelta(days=10 * DAYS)
    assert listing(client).json["closed"] is False
    # Reopening again changes nothing and logs nothing.
    patch_article(client, moderator, closed=False)
    assert [row[2] for row in audit_rows(app)][-2:] == ["set_published_at", "reopen"]


def test_a_moderator_closing_wins_over_the_rule(client, make_comment, post_comment, moderator):
    make_comment()
    answer = patch_article(client, moderator, closed=True)
    assert answer["closed_reason"] == "moderator" and answer["auto_close"] is None
    page = listing(client).json
    assert page["closed"] is True and page["closed_reason"] == "moderator"
    assert_error(post_comment(), 403, "comments_closed")


def test_closed_null_hands_the_article_back_to_the_age_rule(app, client, make_comment, post_comment, moderator):
    make_comment()
    patch_article(client, moderator, published_at=rfc3339(datetime.now(UTC) - timedelta(days=DAYS + 1)))
    patch_article(client, moderator, closed=False)
    assert post_comment().status_code == 202  # kept open past the deadline
    answer = patch_article(client, moderator, closed=None)
    assert answer["closed"] is True and answer["closed_reason"] == "age"
    assert answer["auto_close"]["counted_from"] == "published_at"
    assert_error(post_comment(), 403, "comments_closed")
    with app.app_context():
        assert db.session.execute(sa.select(Article.closed, Article.kept_open)).one() == (False, False)
    # Withdrawing nothing changes nothing and logs nothing.
    etag = listing(client).headers["ETag"]
    patch_article(client, moderator, closed=None)
    assert listing(client).headers["ETag"] == etag
    actions = [row[2] for row in audit_rows(app)]
    assert actions[-3:] == ["set_published_at", "reopen", "reset_closed"] and actions.count("reset_closed") == 1
    logged = client.get(f"{API}/log", query_string={"about": "articles"}, headers=moderator).json["entries"]
    assert [entry["action"] for entry in logged] == ["reset_closed", "reopen", "set_published_at"]


def test_closed_null_reopens_an_article_the_rule_leaves_open(app, client, make_comment, post_comment, moderator):
    make_comment()
    patch_article(client, moderator, closed=True)
    assert_error(post_comment(), 403, "comments_closed")
    answer = patch_article(client, moderator, closed=None, published_at=rfc3339(datetime.now(UTC)))
    assert answer["closed"] is False and answer["auto_close"]["counted_from"] == "published_at"
    assert post_comment().status_code == 202
    assert [row[2] for row in audit_rows(app)][-2:] == ["reset_closed", "set_published_at"]


@pytest.mark.parametrize("settings", [{}, {"CLOSE_AFTER_DAYS": 0}])
def test_the_rule_is_off_by_default_and_at_zero(client, make_comment, moderator, post_comment):
    make_comment()
    patch_article(client, moderator, published_at="2001-01-01T00:00:00Z")
    page = listing(client).json
    assert page["closed"] is False and page["auto_close"] is None
    assert post_comment().status_code == 202


def test_the_embed_page_says_why_it_is_closed(client, make_comment, moderator):
    make_comment()
    patch_article(client, moderator, published_at=rfc3339(datetime.now(UTC) - timedelta(days=DAYS + 1)))
    page = client.get(f"/embed/{ARTICLE}").get_data(as_text=True)
    assert f"Comments closed {DAYS} days after publication." in page and "<form" not in page


def test_a_deadline_past_the_year_9999_never_comes(client, make_comment, moderator):
    make_comment()
    answer = patch_article(client, moderator, published_at="9999-12-31T00:00:00Z")
    assert answer["closed"] is False and answer["auto_close"] is None


def test_imported_comments_date_the_first_comment(app, client, runner):
    from tests.import_support import FIXTURES, run_import

    assert run_import(runner, "wordpress", FIXTURES / "wordpress.xml").exit_code == 0
    key = "2019/05/hello-world"
    with app.app_context():
        oldest = db.session.scalar(sa.select(sa.func.min(Comment.created_at)).join(Article)
                                   .where(Article.article_id == key))
    assert first_comment_at(app, key) == oldest and oldest.year == 2019
    page = listing(client, key).json
    assert page["closed"] is True and page["closed_reason"] == "age"


def test_the_migration_dates_existing_articles_by_their_first_comment(server_database):
    from tests.servers import flask, service_env

    env = service_env(server_database)
    flask(env, "db", "upgrade", "f2a6c8e4d135")
    engine = sa.create_engine(server_database)
    with engine.begin() as connection:
        for key in ("a", "b"):
            connection.execute(sa.text("INSERT INTO articles (key, closed, approved_count, version, created_at) "
                                       "VALUES (:key, false, 0, 1, '2026-11-25 10:00:00')"), {"key": key})
        for number, created in enumerate(["2026-11-26 09:00:00", "2026-11-25 11:00:00"], start=1):
            connection.execute(sa.text(
                "INSERT INTO comments (id, article_id, thread_id, path, depth, status, author_name, author_email, "
                "email_key, avatar, body_text, body_html, body_digest, reasons, created_at, updated_at) VALUES "
                "(:id, 1, :id, :path, 0, 'pending', 'N', 'n@example.org', 'n@example.org', '0000000000000000', "
                "'Body', '<p>Body</p>', '', '[]', :created, :created)"),
                {"id": number, "path": f"{number:010d}", "created": created})
    flask(env, "db", "upgrade")
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT key, first_comment_at, published_at, kept_open FROM articles ORDER BY key")).all()
        comments = connection.execute(sa.text("SELECT count(*) FROM comments")).scalar_one()
    assert [(key, str(first)[:19], published, bool(kept)) for key, first, published, kept in rows] == [
        ("a", "2026-11-25 11:00:00", None, False), ("b", "None", None, False)]
    # SQLite's batch mode would have rebuilt the articles table, and its drop cascades to comments.
    assert comments == 2
    flask(env, "db", "downgrade", "f2a6c8e4d135")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM comments")).scalar_one() == 2
    engine.dispose()


@pytest.mark.parametrize("days", ["30", "30d", 1.5, -1, True])
def test_a_setting_that_is_not_a_number_of_days_stops_the_service(tmp_path, days):
    from moderation import create_app

    with pytest.raises(ValueError, match="CLOSE_AFTER_DAYS"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "CLOSE_AFTER_DAYS": days},
                   instance_path=str(tmp_path))
