"""The hot statements, straight on the database driver: the read paths'
row reads (article state, counts) and, on PostgreSQL, a submission's read
and write (services/comments.py).

A cached thread page or a 304 costs one indexed row read, which SQLite runs
in about 10 µs (while the worker holds a copy of the row, article_cache.py:
on SQLite a data-version check instead, on PostgreSQL nothing); SQLAlchemy's
statement layer, a pool checkout and return, and on PostgreSQL a
BEGIN/ROLLBACK pair cost many times that (PERFORMANCE.md: at this budget
every layer shows). So each worker process keeps one connection
for these statements, in autocommit mode, and gives it back to the pool now
and then so that the pool's recycling rules still apply to it. A thread that
finds it in use (threaded servers) runs its statement on a pooled connection.
"""

import atexit
import os
import threading
import time

import sqlalchemy as sa

from .extensions import db

# How long the process keeps its connection before handing it back
# to the pool (which recycles connections older than pool_recycle).
HOLD_SECONDS = 60


class _Held:
    """The process's held connection, checked out of the engine's pool."""

    def __init__(self):
        self.lock = threading.Lock()
        self.engine = self.connection = None
        self.taken_at = 0.0
        # Counts the connections taken: which one a data version belongs to.
        self.serial = 0

    def connection_for(self, engine):
        """The held connection for engine (taken anew when stale); call with the lock held."""
        if self.engine is not engine or time.monotonic() - self.taken_at > HOLD_SECONDS:
            self.release()
            self.connection = engine.raw_connection()
            self.engine, self.taken_at = engine, time.monotonic()
            self.serial += 1
            if engine.dialect.name == "postgresql":
                # No BEGIN/ROLLBACK around a lone SELECT, and a write commits
                # by itself; the pool gets the connection back in its default
                # mode (release).
                self.connection.driver_connection.autocommit = True
            if not sa.event.contains(engine, "engine_disposed", self.on_dispose):
                sa.event.listen(engine, "engine_disposed", self.on_dispose)
        return self.connection

    def release(self, *, broken=False):
        """Hand the connection back to its pool (or drop it, when broken)."""
        connection, engine = self.connection, self.engine
        self.connection = self.engine = None
        if connection is None:
            return
        if broken:
            connection.invalidate()
        else:
            _give_back(connection, engine)

    def on_dispose(self, engine):
        # The engine has a new pool by now: close the connection, since
        # nothing would close it in the old one.
        with self.lock:
            if self.engine is engine:
                self.release(broken=True)

    def release_at_exit(self):
        with self.lock:
            self.release()


_HELD = _Held()
atexit.register(_HELD.release_at_exit)


def _after_fork_in_child():
    # The parent's connection is not the child's to use or to close: the
    # child takes its own at its first read. (Checked here once, not with a
    # getpid() on every read: a system call in the hottest path.)
    _HELD.lock = threading.Lock()
    _HELD.connection = _HELD.engine = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def read_rows(sql, params):
    """Rows of a read-only statement written with ? placeholders."""
    engine = db.engine
    if engine.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    return _run(engine, sql, tuple(params), retry=True)


class DriverStatement:
    """A Core statement to run straight on the driver, compiled once per
    dialect: its SQL as SQLAlchemy writes it, and its parameters as
    SQLAlchemy would send them (the statement's constants added, each value
    converted by its column type), without SQLAlchemy's per-execution layers.
    The rows come back as the driver gives them."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled = {}

    def rows(self, values, *, retry):
        """Rows of the statement for values. retry: run it once more on a
        fresh connection when the held one turns out dead (never for a write:
        it may have committed before the connection broke)."""
        engine = db.engine
        compiled, converters = self._compiled_for(engine.dialect)
        params = compiled.construct_params(values)
        for name, convert in converters.items():
            params[name] = convert(params[name])
        if compiled.positional:
            params = tuple(params[name] for name in compiled.positiontup)
        return _run(engine, compiled.string, params, retry=retry)

    def _compiled_for(self, dialect):
        key = (dialect.name, dialect.driver)
        if key not in self._compiled:
            compiled = self.statement.compile(dialect=dialect)
            converters = {}
            for bind, name in compiled.bind_names.items():
                convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if convert is not None:
                    converters[name] = convert
            self._compiled[key] = compiled, converters
        return self._compiled[key]


def _run(engine, sql, params, *, retry):
    held = _run_held(engine, sql, params, retry=retry)
    return held[1] if held is not None else _run_pooled(engine, sql, params)


def data_version():
    """SQLite's PRAGMA data_version on the held connection, with the number of
    that connection: the pair changes when any other connection commits to the
    database (SQLite's own guarantee) or when the held connection is replaced.
    None while another thread of this process holds the connection."""
    held = _run_held(db.engine, "PRAGMA data_version", (), retry=True)
    return None if held is None else (held[0], held[1][0][0])


def _run_held(engine, sql, params, *, retry):
    """(the connection's number, rows) of a statement on the held connection,
    or None when there is none to use: an in-memory SQLite database lives in
    the pool's single connection, and another thread of this process may be
    using it (that thread's caller then goes through the pool)."""
    if not isinstance(engine.pool, sa.pool.QueuePool) or not _HELD.lock.acquire(blocking=False):
        return None
    try:
        for attempt in (1, 2):
            connection = _HELD.connection_for(engine)
            try:
                return _HELD.serial, _execute(connection, sql, params)
            except engine.dialect.loaded_dbapi.Error as error:
                disconnected = engine.dialect.is_disconnect(error, connection.driver_connection, None)
                _HELD.release(broken=True)
                # A server restart drops every idle connection: one fresh try, as
                # a pool pre-ping would have made, then the error is the caller's.
                if attempt == 2 or not disconnected or not retry:
                    raise
        raise AssertionError("unreachable")
    finally:
        _HELD.lock.release()


def _run_pooled(engine, sql, params):
    connection = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":  # as on the held connection: no BEGIN
            connection.driver_connection.autocommit = True
        return _execute(connection, sql, params)
    finally:
        _give_back(connection, engine)


def _give_back(connection, engine):
    """Return a connection to the pool in the pool's default mode."""
    try:
        if engine.dialect.name == "postgresql":
            connection.driver_connection.autocommit = False
        connection.close()
    except Exception:  # a dead connection may fail to reset: drop it instead
        connection.invalidate()


def _execute(connection, sql, params):
    cursor = connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
    finally:
        cursor.close()
