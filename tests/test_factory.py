"""Configuration precedence, the instance folder and the persisted secret."""

import os
import stat

import pytest

from moderation import create_app
from moderation.config import normalise_database_url


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FLASK_") or name in ("DATABASE_URL", "SECRET_KEY"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_use_sqlite_in_the_instance_folder(clean_env, tmp_path):
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/moderation.sqlite"
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    assert app.config["RATELIMIT_ENABLED"] is True


def test_secret_is_created_once_and_kept(clean_env, tmp_path):
    first = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".secret_key.")]


def test_precedence_instance_file_then_env_then_database_url(clean_env, tmp_path):
    (tmp_path / "config.py").write_text(
        "BODY_MAX_LENGTH = 500\nPUBLIC_MAX_AGE = 60\nSQLALCHEMY_DATABASE_URI = 'sqlite:///from-file'\n"
    )
    clean_env.setenv("FLASK_PUBLIC_MAX_AGE", "30")
    clean_env.setenv("FLASK_RATELIMIT_ENABLED", "false")
    clean_env.setenv("DATABASE_URL", "postgres://u@db.example/comments")
    clean_env.setenv("SECRET_KEY", "from-env")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["BODY_MAX_LENGTH"] == 500
    assert app.config["PUBLIC_MAX_AGE"] == 30
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/comments"
    assert app.config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_rate_limits_count_in_a_file_of_the_instance_folder_by_default(clean_env, tmp_path):
    # Even beside PostgreSQL: the counts are not the main database's business.
    clean_env.setenv("DATABASE_URL", "postgres://u@db.example/comments")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["RATELIMIT_STORAGE_URI"] == f"counters+sqlite://{tmp_path}/rate_limits.sqlite"
    assert (tmp_path / "rate_limits.sqlite").is_file()
    clean_env.setenv("FLASK_RATELIMIT_STORAGE_URI", '"redis://cache.example:6379/0"')
    assert create_app(instance_path=str(tmp_path)).config["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/0"


def test_test_config_skips_the_instance_file(clean_env, tmp_path):
    (tmp_path / "config.py").write_text("BODY_MAX_LENGTH = 500\n")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["BODY_MAX_LENGTH"] == 10_000


@pytest.mark.parametrize("url,expected", [
    ("postgres://a@b/c", "postgresql+psycopg://a@b/c"),
    ("postgresql://a@b/c", "postgresql+psycopg://a@b/c"),
    ("postgresql+psycopg://a@b/c", "postgresql+psycopg://a@b/c"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls(url, expected):
    assert normalise_database_url(url) == expected


def test_sqlite_runs_in_wal_mode(clean_env, tmp_path):
    from moderation.extensions import db
    import sqlalchemy as sa

    app = create_app(instance_path=str(tmp_path))
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        # FULL (2): an answered comment survives a power cut, not only a crash of the app.
        assert db.session.execute(sa.text("PRAGMA synchronous")).scalar() == 2


def test_sqlite_sync_policy_is_a_setting_and_checked(clean_env, tmp_path):
    from moderation.extensions import db
    import sqlalchemy as sa

    database = f"sqlite:///{tmp_path}/sync.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SQLITE_SYNCHRONOUS": "normal"},
                     instance_path=str(tmp_path))
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA synchronous")).scalar() == 1
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        create_app({"SQLALCHEMY_DATABASE_URI": database, "SQLITE_SYNCHRONOUS": "OFF"},
                   instance_path=str(tmp_path))


def test_async_functions_are_still_told_apart(clean_env, tmp_path):
    """The app remembers per function whether it is async (http.CommentApp):
    plain functions and bound methods come back as they are, an async view
    still goes to Flask's async support (which needs the "async" extra)."""
    app = create_app({"SECRET_KEY": "k"}, instance_path=str(tmp_path))

    def hook():
        return "sync"

    async def view():
        return "async"

    class Holder:
        def method(self):
            return "bound"

    for _ in range(2):  # the second time from the table
        assert app.ensure_sync(hook) is hook
        holder = Holder()
        assert app.ensure_sync(holder.method)() == "bound"
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(view)
