"""Operator commands: moderators add, list, revoke; migrations; demo seed."""

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from tests.servers import flask, service_env


def test_add_prints_the_token_alone_on_the_last_line(runner, client):
    result = runner.invoke(args=["moderators", "add", "alice", "--role", "admin"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("mc_") and len(token) > 40 and " " not in token
    assert client.post("/api/v1/moderation/comments/1/approve",
                       headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_only_a_hash_of_the_token_is_stored(app, runner):
    token = runner.invoke(args=["moderators", "add", "alice"]).output.strip().splitlines()[-1]
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT * FROM moderators")).all()
    assert len(rows) == 1 and token not in str(rows) and token[3:] not in str(rows)


def test_list_shows_names_and_roles_never_tokens(runner, client):
    token = runner.invoke(args=["moderators", "add", "alice", "--role", "admin"]).output.strip().splitlines()[-1]
    runner.invoke(args=["moderators", "add", "bob"])
    client.post("/api/v1/moderation/comments/1/approve", headers={"Authorization": f"Bearer {token}"})
    output = runner.invoke(args=["moderators", "list"]).output
    lines = output.strip().splitlines()
    assert lines[0].startswith("alice\tadmin\tcreated ") and "last used 20" in lines[0]
    assert lines[1].startswith("bob\tmoderator\t") and lines[1].endswith("last used never")
    assert token not in output


def test_duplicate_names_are_refused(runner):
    assert runner.invoke(args=["moderators", "add", "alice"]).exit_code == 0
    result = runner.invoke(args=["moderators", "add", "alice"])
    assert result.exit_code != 0 and "exists already" in result.output


def test_revoked_tokens_stop_working_at_once(runner, client):
    token = runner.invoke(args=["moderators", "add", "alice"]).output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/moderation/comments/1/approve", headers=headers).status_code == 404
    assert runner.invoke(args=["moderators", "revoke", "alice"]).exit_code == 0
    assert client.post("/api/v1/moderation/comments/1/approve", headers=headers).status_code == 401
    assert runner.invoke(args=["moderators", "revoke", "alice"]).exit_code != 0


def test_demo_seed_is_idempotent(runner, client):
    from moderation.pages import DEMO_ARTICLE_ID

    assert "Added 5" in runner.invoke(args=["demo", "seed"]).output
    assert "nothing added" in runner.invoke(args=["demo", "seed"]).output
    listing = client.get(f"/api/v1/articles/{DEMO_ARTICLE_ID}/comments").json
    assert listing["total"] == 4 and [c["depth"] for c in listing["comments"]] == [0, 1, 2, 0]


def test_migrations_create_the_models_schema(server_database):
    env = service_env(server_database)
    flask(env, "db", "upgrade")
    # `db check` fails when the models and the migrated schema differ.
    assert "No new upgrade operations detected" in flask(env, "db", "check")
    engine = sa.create_engine(server_database)
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    assert {"articles", "comments", "moderators", "audit_log", "alembic_version"} <= tables


def test_body_digest_migration_fills_existing_comments(server_database):
    import hashlib

    env = service_env(server_database)
    flask(env, "db", "upgrade", "de122b94eb44")
    engine = sa.create_engine(server_database)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO articles (key, closed, approved_count, version, created_at) "
                                   "VALUES ('a', false, 0, 1, '2026-11-25 10:00:00')"))
        connection.execute(sa.text(
            "INSERT INTO comments (article_id, thread_id, path, depth, status, author_name, author_email, "
            "email_key, avatar, body_text, body_html, reasons, created_at, updated_at) VALUES "
            "(1, 1, '0000000001', 0, 'pending', 'N', 'n@example.org', 'n@example.org', '0000000000000000', "
            "'Old body', '<p>Old body</p>', '[]', '2026-11-25 10:00:00', '2026-11-25 10:00:00')"))
    flask(env, "db", "upgrade")
    with engine.connect() as connection:
        digest = connection.execute(sa.text("SELECT body_digest FROM comments")).scalar_one()
    engine.dispose()
    assert digest == hashlib.sha256(b"Old body").hexdigest()[:32]


def test_status_counts_migration_counts_existing_comments(server_database):
    env = service_env(server_database)
    flask(env, "db", "upgrade", "7b2e4f9a1c38")
    engine = sa.create_engine(server_database)
    statuses = ["pending", "pending", "approved", "spam", "rejected", "approved", "approved"]
    with engine.begin() as connection:
        for key in ("a", "b"):
            connection.execute(sa.text("INSERT INTO articles (key, closed, approved_count, version, created_at) "
                                       "VALUES (:key, false, 0, 1, '2026-11-25 10:00:00')"), {"key": key})
        for number, status in enumerate(statuses):
            connection.execute(sa.text(
                "INSERT INTO comments (article_id, thread_id, path, depth, status, author_name, author_email, "
                "email_key, avatar, body_text, body_html, body_digest, reasons, created_at, updated_at) VALUES "
                "(:article, 1, '0000000001', 0, :status, 'N', 'n@example.org', 'n@example.org', "
                "'0000000000000000', 'Body', '<p>Body</p>', '', '[]', '2026-11-25 10:00:00', "
                "'2026-11-25 10:00:00')"), {"article": 1 + number % 2, "status": status})
    flask(env, "db", "upgrade")
    with engine.connect() as connection:
        totals = connection.execute(sa.text(
            "SELECT sum(approved), sum(rejected), sum(spam), count(*) FROM status_counts")).one()
    engine.dispose()
    assert tuple(totals) == (3, 1, 1, 16)  # every bucket has its row; pending ones are not counted here


def test_upgrading_drops_the_retired_article_change_trigger(postgres_schemas):
    """A database upgraded while the trigger existed loses it, and nothing breaks."""
    url = postgres_schemas()
    env = service_env(url)
    engine = sa.create_engine(url)

    def triggers():
        with engine.connect() as connection:
            return set(connection.execute(sa.text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('articles') AND NOT tgisinternal"
            )).scalars())

    try:
        flask(env, "db", "upgrade", "a41d9c7e5b23")
        with engine.begin() as connection:  # as that revision used to leave it
            connection.execute(sa.text(
                "CREATE FUNCTION notify_article_change() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RETURN NULL; END $$"))
            connection.execute(sa.text(
                "CREATE TRIGGER articles_notify_change AFTER INSERT OR UPDATE OR DELETE ON articles "
                "FOR EACH ROW EXECUTE FUNCTION notify_article_change()"))
        assert triggers() == {"articles_notify_change"}
        flask(env, "db", "upgrade")
        assert triggers() == set()
    finally:
        engine.dispose()
