"""flask import wordpress: a WXR file as WordPress writes it, read back
through the public API; running it twice, dry, or after a crash."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.importers import wordpress
from moderation.models import Article, Comment
from tests.import_support import FIXTURES, counts_match_comments, run_import, stored_state, thread
from tests.moderation_support import API, article_row

WXR = FIXTURES / "wordpress.xml"
POST = "2019/05/hello-world"


def summary_counts(output):
    """{"approved": 7, "pingback": 1, ...} from the summary table."""
    return {key.strip(): int(value.replace(",", "")) for key, value in
            re.findall(r"^ {4}(\S.*?)\s+([\d,]+)$", output, re.M)}


def test_threads_land_where_the_widget_asks_with_order_nesting_and_bodies(runner, client):
    result = run_import(runner, "wordpress", WXR)
    assert result.exit_code == 0, result.output
    comments, total = thread(client, POST)
    assert total == 6
    assert [(parent is not None, depth, name) for _id, parent, depth, name, _html in comments] == [
        (False, 0, "Olena Kovalenko"), (True, 1, "Łukasz Żółć"), (True, 2, "Admin"),
        (False, 0, "Late Reply"), (False, 0, "Mallory"), (False, 0, "Typo")]
    assert comments[1][1] == comments[0][0] and comments[2][1] == comments[1][0]
    bodies = [html for *_, html in comments]
    assert bodies[0] == ('<p>Great post, thank you.</p>\n<p>A second paragraph with <strong>bold</strong> words<br>'
                         'and a link: <a href="https://example.com/road" rel="nofollow ugc noopener noreferrer">'
                         'https://example.com/road</a></p>')
    assert bodies[1] == "<p>Дякую! Привіт, <em>світ</em> — zażółć gęślą jaźń.</p>"
    # The same sanitiser as a live comment: script escaped, a javascript: link loses its href.
    assert bodies[4] == ('<p>Nice &lt;script&gt;alert("x")&lt;/script&gt; post '
                         '<a rel="nofollow ugc noopener noreferrer">here</a>.</p>')
    listing = client.get(f"/api/v1/articles/{POST}/comments").json
    assert listing["comments"][0]["created_at"] == "2019-05-01T10:15:00Z"  # the GMT date, kept
    assert listing["comments"][0]["author"]["website"] == "https://olena.example.org"
    assert listing["comments"][4]["author"]["website"] is None  # javascript: cleared
    closed = client.get("/api/v1/articles/%3Fp=42/comments").json  # a ?p=42 permalink
    assert closed["closed"] is True and closed["total"] == 1
    assert client.get("/api/v1/counts?article_id=2019/05/hello-world&article_id=about").json == {
        "counts": {POST: 6, "about": 0}}


def test_the_summary_counts_statuses_skips_and_changes(runner):
    result = run_import(runner, WXR)  # the format found from the content
    assert result.exit_code == 0, result.output
    counts = summary_counts(result.stdout)
    assert counts == {
        "approved": 7, "pending": 1, "rejected": 1, "spam": 1,
        "pingback": 1, "trackback": 1, "invalid name": 1, "empty body": 1,
        "without an address": 2, "address cleared (invalid)": 1, "website cleared (invalid)": 2,
        "reply made top-level: parent not imported": 1,
    }
    assert "articles created: 2" in result.stdout
    assert "Importing" in result.stderr and "Importing" not in result.stdout


def test_statuses_articles_and_private_fields_are_stored_as_for_live_comments(app, runner, client, admin):
    run_import(runner, WXR)
    with app.app_context():
        rows = {row.source_id: row for row in db.session.execute(sa.select(Comment.__table__))}
        articles = db.session.execute(sa.text("SELECT key, title, url, closed FROM articles ORDER BY key")).all()
    assert [str(rows[f"blog.example.org/{n}"].status) for n in (14, 17, 18)] == ["pending", "spam", "rejected"]
    assert rows["blog.example.org/11"].ip == "203.0.113.0" and rows["blog.example.org/12"].ip == "2001:db8:1234::"
    assert rows["blog.example.org/14"].author_email == "" and rows["blog.example.org/14"].ip is None
    assert [tuple(article) for article in articles] == [
        ("2019/05/hello-world", "Hello world: notes from the road", "https://blog.example.org/2019/05/hello-world/",
         False),
        ("?p=42", "A closed discussion", "https://blog.example.org/?p=42", True)]
    # A data request finds the imported comments, whatever the case of the address.
    answer = client.post("/api/v1/moderation/authors/export", json={"email": "OLENA@example.org"}, headers=admin)
    assert len(answer.json["comments"]) == 2
    public = client.get(f"/api/v1/articles/{POST}/comments").get_data(as_text=True)
    assert "@example.org" not in public and "203.0.113" not in public


def publication_dates(app):
    """{article id: published_at} of every article."""
    with app.app_context():
        return dict(db.session.execute(sa.select(Article.article_id, Article.published_at)).all())


def test_each_post_s_gmt_date_becomes_its_publication_date(app, runner, tmp_path):
    # A draft's GMT date is all zeros: it has none, and its local date is no publication.
    text = WXR.read_text(encoding="utf-8").replace("[2019-06-10 09:00:00]]></wp:post_date_gmt>",
                                                   "[0000-00-00 00:00:00]]></wp:post_date_gmt>")
    (tmp_path / "draft.xml").write_text(text, encoding="utf-8")
    assert run_import(runner, tmp_path / "draft.xml").exit_code == 0
    assert run_import(runner, FIXTURES / "wordpress-1.0.xml").exit_code == 0
    assert publication_dates(app) == {
        POST: datetime(2019, 5, 1, 9, 0, tzinfo=UTC),  # GMT, not the site's 11:00
        "?p=42": None, "2008/03/plain-old-post": datetime(2008, 3, 15, 10, 0, tzinfo=UTC)}


def test_a_stored_article_gets_the_date_it_lacks_and_keeps_the_one_it_has(app, runner, client, make_comment,
                                                                          moderator):
    make_comment(POST)  # stored before the import, without a date
    client.patch(f"{API}/articles/%3Fp=42", json={"published_at": "2020-01-01T00:00:00Z"}, headers=moderator)
    assert run_import(runner, WXR).exit_code == 0
    assert publication_dates(app) == {POST: datetime(2019, 5, 1, 9, 0, tzinfo=UTC),
                                      "?p=42": datetime(2020, 1, 1, tzinfo=UTC)}
    # Run again once the date is gone: nothing new to import, yet the date
    # comes back, with a new version of the article for the caches.
    client.patch(f"{API}/articles/{POST}", json={"published_at": None}, headers=moderator)
    version = article_row(app, POST)[2]
    assert run_import(runner, WXR).exit_code == 0
    assert publication_dates(app)[POST] == datetime(2019, 5, 1, 9, 0, tzinfo=UTC)
    assert article_row(app, POST)[2] == version + 1


def test_the_same_file_again_changes_nothing(app, runner):
    run_import(runner, WXR)
    before = stored_state(app)
    again = run_import(runner, WXR)
    assert again.exit_code == 0
    assert summary_counts(again.stdout)["already imported"] == 10
    assert stored_state(app) == before


def test_a_dry_run_writes_nothing_and_reports_what_a_run_does(app, runner):
    dry = run_import(runner, "--dry-run", WXR)
    assert dry.exit_code == 0 and "Dry run, nothing written" in dry.stdout
    assert stored_state(app) == ([], [])
    real = run_import(runner, WXR)
    assert summary_counts(dry.stdout) == summary_counts(real.stdout)
    assert "articles created: 2" in dry.stdout


def test_plain_text_wxr_1_0_without_cdata_reads_the_same(runner, client):
    result = run_import(runner, "wordpress", FIXTURES / "wordpress-1.0.xml")
    assert result.exit_code == 0, result.output
    comments, total = thread(client, "2008/03/plain-old-post")
    assert total == 2
    assert comments[0][2:] == (0, "Anne-Marie", "<p>Fish &amp; chips &lt;3 — “quoted” &amp; done</p>")
    assert comments[1][1] == comments[0][0] and comments[1][4] == "<p>Agreed, <em>truly</em>.</p>"


@pytest.mark.parametrize("template,expected", [
    ("url", "blog.example.org/2019/05/hello-world"),
    ("guid", "blog.example.org/?p=1"),
    ("wp-{key}", "wp-1"),
    ("posts/{slug}", "posts/hello-world"),
])
def test_article_ids_by_url_guid_or_template(runner, client, template, expected):
    assert run_import(runner, "--article-id", template, WXR).exit_code == 0
    assert client.get("/api/v1/counts", query_string={"article_id": expected}).json["counts"][expected] == 6


def test_an_unknown_article_id_rule_is_refused(runner):
    result = run_import(runner, "--article-id", "{title}", WXR)
    assert result.exit_code == 2 and "--article-id" in result.output


def test_a_crash_halfway_keeps_the_committed_batches_and_a_rerun_finishes(app, runner, monkeypatch, tmp_path):
    read = wordpress.read_comments

    def crash_after_five(path):
        for count, record in enumerate(read(path)):
            if count == 5:
                raise KeyboardInterrupt  # Ctrl-C in the middle of the third batch
            yield record

    monkeypatch.setattr(wordpress, "read_comments", crash_after_five)
    stopped = run_import(runner, "--batch-size", "2", WXR)
    assert stopped.exit_code == 130 and "run the same command again" in stopped.stderr
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 4  # two batches of two
    assert counts_match_comments(app)
    monkeypatch.setattr(wordpress, "read_comments", read)
    finished = run_import(runner, "--batch-size", "2", WXR)
    assert finished.exit_code == 0
    assert summary_counts(finished.stdout)["already imported"] == 4
    with app.app_context():
        source_ids = db.session.scalars(sa.select(Comment.source_id)).all()
    assert len(source_ids) == len(set(source_ids)) == 10
    assert counts_match_comments(app)


def test_an_article_with_live_comments_gets_the_imported_ones_beside_them(app, runner, client, make_comment):
    live = make_comment(POST, body="Posted here before the move.")
    version = client.get(f"/api/v1/articles/{POST}/comments").headers["ETag"]
    assert run_import(runner, WXR).exit_code == 0
    comments, total = thread(client, POST)
    # Threads are listed in the order they were stored: the live one stays first.
    assert total == 7 and comments[0][0] == live and comments[1][3] == "Olena Kovalenko"
    assert client.get(f"/api/v1/articles/{POST}/comments").headers["ETag"] != version
    assert counts_match_comments(app)
    with app.app_context():
        title = db.session.scalar(sa.text("SELECT title FROM articles WHERE key = :key"), {"key": POST})
    assert title == "Hello world: notes from the road"  # filled in where the article had none


def test_a_data_request_never_matches_comments_imported_without_an_address(runner, client, admin):
    run_import(runner, WXR)
    assert client.post("/api/v1/moderation/authors/export", json={"email": ""}, headers=admin).status_code == 422
