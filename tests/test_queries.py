"""The read path stays one indexed query per page: no query per comment."""

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import AuditEntry, Comment, Status
from moderation.services import comments, counts, queue, threads
from moderation.services.screening import SubmissionSettings

ARTICLE = "perf/thread"


# The read path's own cost: the worker's recent states off (see test_recent_reads.py).
FRESH_STATES = pytest.mark.parametrize("settings", [{"RECENT_READ_MAX_AGE": 0}])


@FRESH_STATES
def test_listing_runs_two_statements_whatever_the_thread_size(client, make_comment, statements):
    tops = [make_comment(ARTICLE) for _ in range(3)]
    make_comment(ARTICLE, parent_id=tops[0])
    counts = []
    for _ in range(2):
        statements.clear()
        client.get(f"/api/v1/articles/{ARTICLE}/comments?limit=100&order=newest")
        counts.append(len(statements))  # the article row and the page
        for _ in range(5):
            make_comment(ARTICLE, parent_id=tops[1])
    # The second pass has five more comments and the same number of statements.
    assert counts == [2, 2], counts


@FRESH_STATES
def test_cached_page_and_304_cost_one_row_read_at_most(app, client, make_comment, statements):
    make_comment(ARTICLE)
    first = client.get(f"/api/v1/articles/{ARTICLE}/comments")
    statements.clear()
    client.get(f"/api/v1/articles/{ARTICLE}/comments")
    client.get(f"/api/v1/articles/{ARTICLE}/comments", headers={"If-None-Match": first.headers["ETag"]})
    assert len(statements) == 2 and all("FROM articles" in s for s in statements), statements


def test_counts_run_one_statement_for_many_articles(client, make_comment, statements):
    for key in ("a", "b", "c"):
        make_comment(key)
    statements.clear()
    query = "&".join(f"article_id={i}" for i in ["a", "b", "c", *range(97)])
    assert client.get(f"/api/v1/counts?{query}").json["counts"]["a"] == 1
    assert len(statements) == 1, statements


@pytest.mark.parametrize("settings", [{"TRUSTED_AUTHORS_ENABLED": True}])
def test_a_submission_sends_a_fixed_set_of_statements(app, post_comment, make_comment, statements):
    """The article's row locked, one read, the comment and its path: no ORM
    reload after the commit, and no more work as the author or the article
    accumulate comments, nor for a reply, nor for an author who presents
    their key (whose history is counted)."""
    parent = make_comment(ARTICLE)
    seen, key = [], None
    for reply_to, with_key in ((None, False), (None, False), (parent, False), (None, True)):
        statements.clear()
        response = post_comment(ARTICLE, parent_id=reply_to, author_key=key if with_key else None)
        assert response.status_code == 202
        assert ("author_key" in response.json) is not with_key  # a known key is not replaced
        key = key or response.json["author_key"]
        seen.append([s.split()[0].upper() for s in statements if s.split()[0].upper() != "BEGIN"])
    # The article's row locked (it exists: no insert); the duplicate check, the
    # blocklist, the parent's path and the key's history; a new author key,
    # the comment and its path; its event in the outbox (comment.held).
    assert seen[0] == seen[1] == seen[2] == ["UPDATE", "SELECT", "INSERT", "INSERT", "UPDATE", "INSERT"], seen
    assert seen[3] == ["UPDATE", "SELECT", "INSERT", "UPDATE", "INSERT"], seen[3]  # no new key


def test_the_first_comment_creates_its_article_then_locks_it(post_comment, statements):
    """A new article: the lock finds no row, the insert makes it, the lock runs again."""
    assert post_comment("brand-new").status_code == 202
    verbs = [s.split()[0].upper() for s in statements if s.split()[0].upper() != "BEGIN"]
    assert verbs[:3] == ["UPDATE", "INSERT", "UPDATE"], verbs
    assert "ON CONFLICT" in [s for s in statements if s.startswith("INSERT")][0].upper()


def test_stats_count_the_queue_on_its_index_and_sum_the_rest(app, client, make_comment, moderator, database_url):
    for status in ("pending", "approved", "spam"):
        make_comment(status=status)
    assert client.get("/api/v1/moderation/stats", headers=moderator).json == {
        "pending": 1, "approved": 1, "rejected": 0, "spam": 1}
    is_sqlite = database_url.startswith("sqlite")
    with app.app_context():
        add_other_authors_comments(is_sqlite, mixed=True)
        plan = plan_of_last_statement(is_sqlite, counts.count_by_status)
    assert "ix_comments_status_id" in plan and "status_counts" in plan, plan
    assert "SCAN comments" not in plan and "Seq Scan on comments" not in plan, plan


def test_thread_page_query_uses_the_thread_index(app, make_comment, database_url):
    make_comment(ARTICLE)
    is_sqlite = database_url.startswith("sqlite")
    with app.app_context():
        with threads.lone_reads() as connection:
            plan = plan_of_last_statement(is_sqlite, lambda: threads.list_thread(
                connection, threads.read_article_state(connection, ARTICLE), limit=50), in_order=True)
    assert "ix_comments_thread_order" in plan, plan
    assert "SCAN comments" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize("fields,index", [
    ({"body": "Hello"}, "ix_comments_duplicates"),
    # Counted only for a submission that presents a key, and then only the
    # approved and spam comments posted with that key, however many there are.
    ({"body": "Hello", "author_key": "a key"}, "ix_comments_author_key_status"),
], ids=["duplicate-check", "author-history"])
def test_a_submissions_read_uses_its_indexes(app, make_comment, database_url, fields, index):
    make_comment(ARTICLE)
    is_sqlite = database_url.startswith("sqlite")
    with app.app_context():
        add_other_authors_comments(is_sqlite)
        settings = SubmissionSettings.from_config(app.config)
        with threads.lone_reads() as connection:
            article_pk = threads.read_article_state(connection, ARTICLE).pk
        plan = plan_of_last_statement(is_sqlite, lambda: comments.read_submission_facts(
            article_pk, "ann@example.org", "0" * 32, fields, settings))
    assert index in plan, plan
    assert "SCAN comments" not in plan and "Seq Scan on comments" not in plan, plan


@pytest.mark.parametrize("query,index", [
    ({"status": "pending"}, "ix_comments_status_id"),
    ({"status": "pending", "order": "newest", "cursor": 250}, "ix_comments_status_id"),
    ({"author_of": 1}, "ix_comments_author_id"),
    ({"author_of": 1, "order": "newest", "cursor": 200}, "ix_comments_author_id"),
], ids=["queue", "queue-newest-page", "author", "author-newest-page"])
def test_moderation_pages_read_their_index_in_order(app, make_comment, database_url, query, index):
    """The queue and "more from this author" walk an index in id order and
    stop after a page: no sort of a status's or an author's every comment."""
    make_comment(ARTICLE)
    is_sqlite = database_url.startswith("sqlite")
    with app.app_context():
        add_other_authors_comments(is_sqlite, mixed=True)
        plan = plan_of_last_statement(is_sqlite, lambda: queue.list_queue(limit=50, **query), in_order=True)
    assert index in plan, plan
    assert "SCAN comments" not in plan and "Seq Scan on comments" not in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_the_rules_log_reads_its_entries_by_action(app, database_url):
    """Blocklist edits are rare in a log of every status change: found by action."""
    is_sqlite = database_url.startswith("sqlite")
    with app.app_context():
        db.session.execute(sa.insert(AuditEntry), [
            {"moderator": "m", "action": "replace_words" if n % 100 == 0 else "approve"} for n in range(2000)])
        db.session.commit()
        if not is_sqlite:
            db.session.execute(sa.text("ANALYZE audit_log"))
            db.session.commit()
        plan = plan_of_last_statement(is_sqlite, lambda: queue.list_log(about="rules", limit=50))
    assert "ix_audit_log_action_id" in plan, plan
    assert "SCAN audit_log" not in plan and "Seq Scan" not in plan, plan


def add_other_authors_comments(is_sqlite, mixed=False):
    """300 more comments on the article by other authors, or 2,000 of which
    a few are pending and some by the first comment's author: on a table of
    one row any index would do as well as the right one."""
    table = Comment.__table__
    row = db.session.execute(sa.select(table).where(table.c.path != "")).first()
    values = {column.key: value for column, value in zip(table.c, row) if column.key != "id"}
    if not mixed:
        rows = [{**values, "email_key": f"other{n}@example.org"} for n in range(300)]
    else:  # one in a hundred by the same author, as many pending
        rows = [{**values, "email_key": values["email_key"] if n % 100 == 0 else f"other{n}@example.org",
                 "status": Status.PENDING if n % 100 == 1 else Status.APPROVED} for n in range(2000)]
    db.session.execute(sa.insert(table), rows)
    db.session.commit()
    if not is_sqlite:
        db.session.execute(sa.text("ANALYZE comments"))
        db.session.commit()


def plan_of_last_statement(is_sqlite, run, in_order=False):
    """The database's plan for the last statement run() sends (in an app context).
    in_order: on PostgreSQL, ask whether an index can give the rows in order
    (with fewer rows than a page, a sort of them all is cheaper)."""
    captured = []

    def capture(conn, cursor, statement, params, context, executemany):
        captured.append((statement, params))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    statement, params = captured[-1]
    connection = db.session.connection()
    if not is_sqlite:
        # A few test rows are cheaper to scan: ask whether the index *can* serve the query.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        if in_order:
            connection.exec_driver_sql("SET LOCAL enable_sort = off")
            connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    explain = "EXPLAIN QUERY PLAN " if is_sqlite else "EXPLAIN "
    plan = " ".join(str(row) for row in connection.exec_driver_sql(explain + statement, params))
    db.session.rollback()
    return plan
