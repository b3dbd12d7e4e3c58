"""Read-only statements of the hot read paths (article state, counts),
straight on the database driver.

A cached thread page or a 304 costs one indexed row read, which SQLite runs
in about 10 µs (while the worker holds a copy of the row, article_cache.py:
on SQLite a data-version check instead, on PostgreSQL nothing); SQLAlchemy's
statement layer, a pool checkout and return, and on PostgreSQL a
BEGIN/ROLLBACK pair cost many times that (PERFORMANCE.md: at this budget
every layer shows). So each worker process keeps one connection
for these reads, in autocommit mode, and gives it back to the pool now and
then so that the pool's recycling rules still apply to it. A thread that
finds it in use (threaded servers) reads through the pool as usual.
"""

import atexit
import os
import threading
import time

import sqlalchemy as sa

from .extensions import db

# How long the process keeps its reading connection before handing it back
# to the pool (which recycles connections older than pool_recycle).
HOLD_SECONDS = 60


class _Reader:
    """The process's reading connection, checked out of the engine's pool."""

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
                # No BEGIN/ROLLBACK around a lone SELECT; the pool gets the
                # connection back in its default mode (release).
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
        try:
            if broken:
                connection.invalidate()
                return
            if engine.dialect.name == "postgresql":
                connection.driver_connection.autocommit = False
            connection.close()
        except Exception:  # a dead connection may fail to reset: drop it instead
            connection.invalidate()

    def on_dispose(self, engine):
        # The engine has a new pool by now: close the connection, since
        # nothing would close it in the old one.
        with self.lock:
            if self.engine is engine:
                self.release(broken=True)

    def release_at_exit(self):
        with self.lock:
            self.release()


_READER = _Reader()
atexit.register(_READER.release_at_exit)


def _after_fork_in_child():
    # The parent's connection is not the child's to use or to close: the
    # child takes its own at its first read. (Checked here once, not with a
    # getpid() on every read: a system call in the hottest path.)
    _READER.lock = threading.Lock()
    _READER.connection = _READER.engine = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def read_rows(sql, params):
    """Rows of a read-only statement written with ? placeholders."""
    engine = db.engine
    if engine.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    held = _read_held(engine, sql, params)
    return held[1] if held is not None else _read_pooled(engine, sql, params)


def data_version():
    """SQLite's PRAGMA data_version on the held connection, with the number of
    that connection: the pair changes when any other connection commits to the
    database (SQLite's own guarantee) or when the held connection is replaced.
    None while another thread of this process holds the connection."""
    held = _read_held(db.engine, "PRAGMA data_version", ())
    return None if held is None else (held[0], held[1][0][0])


def _read_held(engine, sql, params):
    """(the connection's number, rows) read on the held connection, or None
    when there is none to use: an in-memory SQLite database lives in the
    pool's single connection, and another thread of this process may be
    reading on it (that thread's caller then reads through the pool)."""
    if not isinstance(engine.pool, sa.pool.QueuePool) or not _READER.lock.acquire(blocking=False):
        return None
    try:
        for attempt in (1, 2):
            connection = _READER.connection_for(engine)
            try:
                return _READER.serial, _execute(connection, sql, params)
            except engine.dialect.loaded_dbapi.Error as error:
                disconnected = engine.dialect.is_disconnect(error, connection.driver_connection, None)
                _READER.release(broken=True)
                # A server restart drops every idle connection: one fresh try, as
                # a pool pre-ping would have made, then the error is the caller's.
                if attempt == 2 or not disconnected:
                    raise
        raise AssertionError("unreachable")
    finally:
        _READER.lock.release()


def _read_pooled(engine, sql, params):
    connection = engine.raw_connection()
    try:
        return _execute(connection, sql, params)
    finally:
        connection.close()


def _execute(connection, sql, params):
    cursor = connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return cursor.fetchall()
    finally:
        cursor.close()
