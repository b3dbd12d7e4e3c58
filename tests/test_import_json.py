"""flask export and flask import json: our own format, round trip between
servers, with and without personal data."""

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import Article, Comment
from tests.conftest import running_app
from tests.import_support import FIXTURES, run_import, stored_state, thread


@pytest.fixture
def other_app(app, tmp_path, request):
    """A second, empty server on the same kind of database (and the same secret)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path}/other.sqlite"
    else:
        url = request.getfixturevalue("postgres_schemas")()
    (tmp_path / "other").mkdir()
    with running_app(url, tmp_path / "other") as other:
        yield other


@pytest.fixture
def site(app, runner, make_comment, moderator, client):
    """A server with imported and live comments: replies, every status, a
    closed article without comments, one kept open with a publication date
    whose first comment was deleted."""
    assert run_import(runner, FIXTURES / "wordpress.xml").exit_code == 0
    first = make_comment("2026/11/live", body="The first, deleted: the age rule still counts from it.")
    assert client.delete(f"/api/v1/moderation/comments/{first}", headers=moderator).status_code == 204
    top = make_comment("2026/11/live", name="Настя", body="Live <b>comment</b>\n\nhttps://example.com")
    make_comment("2026/11/live", parent_id=top, status="pending", website="https://n.example")
    make_comment("2026/11/live", parent_id=top)
    client.patch("/api/v1/moderation/articles/2026/11/live", headers=moderator,
                 json={"closed": False, "published_at": "2026-11-20T08:30:00+02:00"})
    client.patch("/api/v1/moderation/articles/2026/11/empty", json={"closed": True}, headers=moderator)
    return app


def closure_rows(app):
    """What CLOSE_AFTER_DAYS reads of each article, by article id."""
    with app.app_context():
        return db.session.execute(sa.select(
            Article.article_id, Article.closed, Article.kept_open, Article.published_at, Article.first_comment_at,
        ).order_by(Article.article_id)).all()


def export(runner, path, *options):
    result = runner.invoke(args=["export", str(path), *options])
    assert result.exit_code == 0, result.output
    return path.read_bytes()


@pytest.mark.parametrize("options", [(), ("--with-personal-data",)])
def test_export_then_import_into_an_empty_server_then_export_gives_the_same_file(
        site, runner, other_app, tmp_path, options):
    first = export(runner, tmp_path / "first.json", *options)
    other_runner = other_app.test_cli_runner()
    result = run_import(other_runner, "json", tmp_path / "first.json")
    assert result.exit_code == 0, result.output
    assert export(other_runner, tmp_path / "second.json", *options) == first
    # The threads read the same from the new server, and the articles close alike.
    for article_id in ("2019/05/hello-world", "2026/11/live", "2026/11/empty"):
        assert thread(other_app.test_client(), article_id) == thread(site.test_client(), article_id)
    assert closure_rows(other_app) == closure_rows(site)


def test_the_export_format_is_versioned_and_private_fields_are_opt_in(site, runner, tmp_path):
    public = json.loads(export(runner, tmp_path / "public.json"))
    assert (public["format"], public["version"], public["personal_data"]) == ("comment-service-export", 1, False)
    assert [a["article_id"] for a in public["articles"]] == sorted(a["article_id"] for a in public["articles"])
    assert {"2026/11/empty", "?p=42"} <= {a["article_id"] for a in public["articles"]}
    assert {c["status"] for c in public["comments"]} == {"approved", "pending", "rejected", "spam"}
    text = json.dumps(public)
    assert "@example" not in text and "203.0.113" not in text and "TestAgent" not in text
    private = json.loads(export(runner, tmp_path / "private.json", "--with-personal-data"))
    olena = next(c for c in private["comments"] if c["source_id"] == "blog.example.org/11")
    assert (olena["author"]["email"], olena["ip"]) == ("olena@example.org", "203.0.113.0")


def test_the_export_keeps_each_article_s_decision_and_dates(site, runner, tmp_path):
    articles = {a["article_id"]: a for a in json.loads(export(runner, tmp_path / "all.json"))["articles"]}
    live, empty, wordpress = articles["2026/11/live"], articles["2026/11/empty"], articles["2019/05/hello-world"]
    assert (live["closed"], live["kept_open"], live["published_at"]) == (False, True, "2026-11-20T06:30:00Z")
    first_kept = min(c["created_at"] for c in json.loads((tmp_path / "all.json").read_text())["comments"]
                     if c["article_id"] == "2026/11/live")
    assert live["first_comment_at"] < first_kept  # the deleted comment's moment
    assert (empty["closed"], empty["kept_open"], empty["published_at"], empty["first_comment_at"]) == (
        True, False, None, None)
    assert (wordpress["closed"], wordpress["kept_open"], wordpress["published_at"]) == (
        False, False, "2019-05-01T09:00:00Z")


def test_an_export_written_before_the_age_rule_still_imports(app, runner, tmp_path):
    path = tmp_path / "old.json"
    path.write_text(
        '{"format":"comment-service-export","version":1,"personal_data":false,\n"articles": [\n'
        '{"article_id":"a","title":null,"url":null,"closed":true},\n'
        '{"article_id":"b","title":"B","url":null,"closed":false}\n],\n"comments": [\n'
        '{"id":5,"article_id":"b","parent_id":null,"status":"approved","created_at":"2019-05-01T10:15:00Z",'
        '"author":{"name":"Olena","website":null,"avatar":"fef001e7f9b8a73c"},"body":"Hi.","body_html":"",'
        '"source":null,"source_id":null}\n]}\n', encoding="utf-8")
    result = run_import(runner, "json", path)
    assert result.exit_code == 0, result.output
    assert [tuple(row) for row in closure_rows(app)] == [
        ("a", True, False, None, None), ("b", False, False, None, datetime(2019, 5, 1, 10, 15, tzinfo=UTC))]


@pytest.mark.parametrize("fields", [
    {"kept_open": "yes"}, {"kept_open": None}, {"published_at": "2026-11-25T10:00:00"},  # no offset: whose 10:00?
    {"published_at": "soon"}, {"published_at": 1796280000}, {"first_comment_at": "2026-11-25"},
    {"published_at": "0001-01-01T00:00:00+01:00"},  # year 0 in UTC
])
def test_an_article_with_a_malformed_decision_or_date_is_refused(app, runner, tmp_path, fields):
    article = {"article_id": "a", "title": None, "url": None, "closed": False, **fields}
    path = tmp_path / "bad.json"
    path.write_text('{"format":"comment-service-export","version":1,"personal_data":false,"articles":['
                    + json.dumps(article) + '],"comments":[]}', encoding="utf-8")
    result = run_import(runner, "json", path)
    assert result.exit_code == 1 and "an article of the export is not as written" in result.output
    assert stored_state(app) == ([], [])


def test_a_moderator_s_close_wins_over_keeping_open_in_a_file(app, runner, tmp_path):
    path = tmp_path / "both.json"
    path.write_text('{"format":"comment-service-export","version":1,"personal_data":false,"articles":['
                    '{"article_id":"a","closed":true,"kept_open":true,"published_at":"2026-11-25T09:00:00+01:00"}'
                    '],"comments":[]}', encoding="utf-8")
    assert run_import(runner, "json", path).exit_code == 0
    assert [tuple(row) for row in closure_rows(app)] == [
        ("a", True, False, datetime(2026, 11, 25, 8, 0, tzinfo=UTC), None)]


def test_importing_the_export_again_changes_nothing(site, runner, other_app, tmp_path):
    export(runner, tmp_path / "all.json", "--with-personal-data")
    other_runner = other_app.test_cli_runner()
    run_import(other_runner, tmp_path / "all.json")
    before = stored_state(other_app)
    again = run_import(other_runner, tmp_path / "all.json")
    assert again.exit_code == 0 and "already imported" in again.stdout
    assert stored_state(other_app) == before


def test_imported_comments_keep_their_origin_so_the_first_source_stays_idempotent(
        site, runner, other_app, tmp_path):
    export(runner, tmp_path / "all.json")
    other_runner = other_app.test_cli_runner()
    run_import(other_runner, tmp_path / "all.json")
    before = stored_state(other_app)
    # The WordPress file again, now on the new server: nothing new.
    assert run_import(other_runner, FIXTURES / "wordpress.xml").exit_code == 0
    assert stored_state(other_app) == before
    with other_app.app_context():
        live = db.session.scalars(sa.select(Comment.source).where(Comment.article_pk == 3)).all()
    assert set(live) == {None}  # comments posted here have no source


def test_new_comments_after_an_import_get_ids_past_the_imported_ones(site, runner, other_app, tmp_path):
    export(runner, tmp_path / "all.json")
    run_import(other_app.test_cli_runner(), tmp_path / "all.json")
    answer = other_app.test_client().post("/api/v1/articles/2026/11/live/comments", json={
        "name": "After", "email": "after@example.org", "body": "Posted after the move."})
    assert answer.status_code == 202
    with other_app.app_context():
        assert answer.json["id"] == db.session.scalar(sa.select(sa.func.max(Comment.id)))


def test_a_date_before_the_year_1000_is_written_so_that_it_reads_back(app, runner, tmp_path):
    path = tmp_path / "old.json"
    path.write_text('{"format":"comment-service-export","version":1,"personal_data":false,"articles":['
                    '{"article_id":"a","closed":false,"published_at":"0500-06-01T00:00:00Z"}],"comments":[]}',
                    encoding="utf-8")
    assert run_import(runner, "json", path).exit_code == 0
    written = json.loads(export(runner, tmp_path / "again.json"))["articles"]
    assert written[0]["published_at"] == "0500-06-01T00:00:00Z"  # strftime alone writes "500-06-01..."
