"""Fixtures: an app per test on SQLite and on PostgreSQL, clients, factories.

PostgreSQL tests use TEST_DATABASE_URL (default: the local server below). On
a machine without PostgreSQL they are skipped with a message, except under
CI=true, where a missing server fails the run."""

import atexit
import functools
import itertools
import os
import shutil
import tempfile
import uuid
import warnings
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from moderation import create_app
from moderation.extensions import db
from moderation.models import Role
from moderation.services import moderators
from tests.servers import find_nginx

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IS_CI = os.environ.get("CI", "").lower() == "true"


def require_service(name, reason):
    """Skip a test that needs an absent service, but fail it under CI."""
    message = f"{name} is not available ({reason})"
    if IS_CI:
        pytest.fail(f"{message}; CI=true requires it")
    pytest.skip(f"{message}; start it or set its URL to run these tests")


@pytest.fixture(scope="session")
def postgres_schemas():
    """Makes URLs of fresh PostgreSQL schemas, all dropped at the end of the session."""
    base = os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL
    engine = sa.create_engine(base)
    try:
        engine.connect().close()
    except sa.exc.OperationalError as error:
        engine.dispose()
        require_service("PostgreSQL", f"{base}: {type(error.orig).__name__}")
    made = []

    def make():
        schema = f"test_{uuid.uuid4().hex[:12]}"
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        separator = "&" if "?" in base else "?"
        return f"{base}{separator}options=-csearch_path%3D{schema}"

    yield make
    with engine.begin() as connection:
        for schema in made:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url(postgres_schemas):
    """The schema that the per-test apps share (each test drops its tables)."""
    return postgres_schemas()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each database test runs twice: on a SQLite file, as the service runs it
    by default, and on PostgreSQL, as it runs in production."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/moderation.sqlite"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def server_database(request, tmp_path):
    """An empty database of its own for a test that starts the service in
    separate processes (they migrate it): a SQLite file, or a fresh schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/server.sqlite"
    return request.getfixturevalue("postgres_schemas")()


@contextmanager
def running_app(database_url, tmp_path, **settings):
    """An app on database_url with empty tables. Creating the tables costs
    about 20 ms on SQLite and 80 ms on PostgreSQL, a good part of the suite's
    time over two thousand tests: a SQLite file starts as a copy of one made
    once, and a PostgreSQL schema keeps its tables, emptied after each test."""
    copied = database_url.startswith("sqlite:///") and copy_sqlite_template(database_url.removeprefix("sqlite:///"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret",
                      "RATELIMIT_ENABLED": False, **settings}, instance_path=str(tmp_path / "instance"))
    if not copied and database_url not in _made_tables:
        with app.app_context():
            db.create_all()
        _made_tables.add(database_url)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            if database_url.startswith("postgresql"):
                empty_tables(db.engine)
            db.engine.dispose()


# The databases (PostgreSQL schemas, above all) whose tables this session made.
_made_tables = set()


def empty_tables(engine):
    """Every row deleted and every id sequence started again: the schema as
    create_all left it, for the next test."""
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(sa.text("SELECT setval(oid, 1, false) FROM pg_class "
                                   "WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace"))


def copy_sqlite_template(path):
    """A new SQLite file at path, with the tables, unless one is there:
    whether it made one."""
    if os.path.exists(path):
        return False
    shutil.copyfile(sqlite_template(), path)
    return True


@functools.cache
def sqlite_template():
    """A SQLite file with the tables, made once per test session."""
    folder = tempfile.mkdtemp(prefix="moderation-template-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = os.path.join(folder, "template.sqlite")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "test-secret"},
                     instance_path=os.path.join(folder, "instance"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()  # the last connection closing folds the write-ahead log into the file
    return path


@pytest.fixture
def settings():
    """Settings for the test's app on top of the test defaults: a module or a
    test overrides this fixture (or parametrises it) to configure its app."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, settings):
    with running_app(database_url, tmp_path, **settings) as app:
        yield app


@pytest.fixture
def statements(app):
    """Collects the SQL statements the app runs while the test makes requests."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_moderator(app):
    """Create a moderator; returns the Authorization header of its token."""

    def make(name="alice", role=Role.MODERATOR):
        with app.app_context():
            _, token = moderators.add_moderator(name, role)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def moderator(make_moderator):
    return make_moderator("mod", Role.MODERATOR)


@pytest.fixture
def admin(make_moderator):
    return make_moderator("boss", Role.ADMIN)


_bodies = itertools.count(1)


def comment_fields(**overrides):
    # A new body each time: the same body twice from one author is a duplicate (409).
    fields = {"name": "Olena", "email": "olena@example.org", "body": f"A fair point, number {next(_bodies)}."}
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


@pytest.fixture
def post_comment(client):
    """POST a comment through the public API; returns the response."""

    def post(article="2026/11/demo", **overrides):
        return client.post(f"/api/v1/articles/{article}/comments", json=comment_fields(**overrides))

    return post


@pytest.fixture
def make_comment(client, post_comment, moderator):
    """Post a comment and, unless status='pending', moderate it; returns its id."""

    def make(article="2026/11/demo", status="approved", **overrides):
        response = post_comment(article, **overrides)
        assert response.status_code == 202, response.json
        comment_id = response.json["id"]
        action = {"approved": "approve", "rejected": "reject", "spam": "spam"}.get(status)
        if action:
            answer = client.post(f"/api/v1/moderation/comments/{comment_id}/{action}", headers=moderator)
            assert answer.status_code == 200, answer.json
        return comment_id

    return make


@pytest.fixture
def pending(make_comment):
    """Make n pending comments; returns their ids."""

    def make(n, article="2026/11/demo", **overrides):
        return [make_comment(article, status="pending", **overrides) for _ in range(n)]

    return make


def answer_in_a_forked_child(question):
    """What question() returns (bytes) when asked in a forked child of this
    process: how the child finds what it inherited."""
    reader, writer = os.pipe()
    with warnings.catch_warnings():  # Python 3.12+ warns on fork with threads; the child only writes
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: answer, then leave at once whatever happens
        try:
            os.write(writer, question())
        finally:
            os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    answer = os.read(reader, 100)
    os.close(reader)
    return answer


@pytest.fixture(scope="session")
def nginx_binary():
    """Debian's nginx, for the tests that run the shipped sites in front of the service."""
    path = find_nginx()
    if path is None:
        require_service("nginx", "no nginx on PATH or in /usr/sbin; apt-get install nginx")
    return path
