"""flask export and flask import json: our own format, round trip between
servers, with and without personal data."""

import json

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import Comment
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
    closed article without comments."""
    assert run_import(runner, FIXTURES / "wordpress.xml").exit_code == 0
    top = make_comment("2026/11/live", name="Настя", body="Live <b>comment</b>\n\nhttps://example.com")
    make_comment("2026/11/live", parent_id=top, status="pending", website="https://n.example")
    make_comment("2026/11/live", parent_id=top)
    client.patch("/api/v1/moderation/articles/2026/11/empty", json={"closed": True}, headers=moderator)
    return app


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
    # The threads read the same from the new server.
    for article_id in ("2019/05/hello-world", "2026/11/live", "2026/11/empty"):
        assert thread(other_app.test_client(), article_id) == thread(site.test_client(), article_id)


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
