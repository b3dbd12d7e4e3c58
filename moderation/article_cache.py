"""Copies of article rows (listing state and counts) that a worker may answer
from without reading the row again, kept true by the database itself:

- on PostgreSQL a trigger on `articles` announces every change (NOTIFY) and
  each worker's listener drops the copy it names;
- on SQLite, where one file serves every worker of one host, each read first
  asks SQLite whether any other connection has committed since the copies
  were made (PRAGMA data_version on the worker's reading connection), and
  drops them all if so.

The database stays the only source of truth. A copy is used only while the
worker can trust it (its listener connected and listening; the same reading
connection and an unchanged data version), for at most ARTICLE_CACHE_SECONDS,
and never after a commit of this process (or, for its article, a submission
written outside a transaction: services/comments.py) or a change made by
any other; a copy read before such an event is not kept. On PostgreSQL the
staleness left is the time a notification takes to arrive (milliseconds),
well inside the max-age that public answers already carry (API.md); on
SQLite there is none.
"""

import logging
import os
import select
import threading
import time
import weakref

import sqlalchemy as sa
from flask import current_app, has_app_context

from .extensions import db
from .reads import data_version

log = logging.getLogger(__name__)

# The channel the articles trigger notifies (migration 8c1f0e6a4d27, models.py).
CHANNEL = "article_changes"
TRIGGER = "articles_notify_change"
# A listener with nothing to read checks its connection (and the trigger) this often.
PING_SECONDS = 2.0
# After a lost connection, the listener tries again this often; copies are off meanwhile.
RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
# A listener trusts its channel only once it has heard its own probe on it: a
# pooler in transaction mode (PgBouncer) accepts LISTEN but delivers nothing.
# Article ids never hold control characters, so no article change looks like this.
PROBE_PREFIX = "\x01probe "
PROBE_SECONDS = 2.0


def init_article_cache(app):
    """Give app its cache; any commit of this process drops every copy it holds."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    seconds = app.config["ARTICLE_CACHE_SECONDS"]
    if seconds <= 0:
        cache = ArticleCache(seconds)
    elif url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg":
        cache = NotifiedArticleCache(seconds)  # the listener speaks psycopg 3
    elif url.get_backend_name() == "sqlite":
        cache = VersionedArticleCache(seconds)
    else:
        cache = ArticleCache(seconds)
    app.extensions["article_cache"] = cache
    if not sa.event.contains(db.session, "after_commit", _after_commit):
        sa.event.listen(db.session, "after_commit", _after_commit)


def _after_commit(_session):
    # Read-your-writes in this process without waiting for the notification.
    cache = current_app.extensions.get("article_cache") if has_app_context() else None
    if cache is not None:
        cache.forget()


_CACHES = weakref.WeakSet()


def _after_fork_in_child():
    # The child has copies but not the parent's listener thread (nor its
    # reading connection): nothing would drop them. It starts with none.
    for cache in list(_CACHES):
        cache.lock = threading.Lock()
        cache.distrust()


os.register_at_fork(after_in_child=_after_fork_in_child)


class ArticleCache:
    """This process's copies of article states, by article key. This base
    class keeps none (its ticket is None): copies off, or a database that
    cannot tell a worker about changes."""

    def __init__(self, seconds, max_entries=10_000):
        self.seconds, self.max_entries = seconds, max_entries
        self.entries = {}  # key -> (state, monotonic time read)
        self.lock = threading.Lock()
        # Bumped by every invalidation: a read that began before one is not kept.
        self.generation = 0
        # Whether every change to the rows would reach this process now.
        self.trusted = False
        _CACHES.add(self)

    def ticket(self):
        """Take before lookup() and before reading rows to store(): None when
        this read may neither use copies nor keep what it reads."""
        return None

    def lookup(self, key):
        """The copy of key's state, or None when there is none to trust."""
        if not self.trusted:
            return None
        entry = self.entries.get(key)
        if entry is None or time.monotonic() - entry[1] > self.seconds:
            return None
        return entry[0]

    def store(self, states, ticket):
        """Keep states read after ticket(), unless something changed meanwhile."""
        if ticket is None:
            return
        now = time.monotonic()
        with self.lock:
            if ticket != self.generation or not self.trusted:
                return
            if len(self.entries) + len(states) > self.max_entries:
                self.entries.clear()  # bounded: unknown ids must not grow it forever
            for state in states:
                self.entries[state.key] = (state, now)

    def forget(self, key=None):
        """Drop key's copy (every copy when key is None) and refuse reads in flight."""
        with self.lock:
            self._drop(key)

    def set_trusted(self, trusted):
        """Drop every copy and refuse reads in flight; from now on, trust copies or not."""
        with self.lock:
            self._drop()
            self.trusted = trusted

    def _drop(self, key=None):
        """forget() with the lock held: the generation voids the reads in flight."""
        self.generation += 1
        if key:
            self.entries.pop(key, None)
        else:
            self.entries.clear()

    def distrust(self):
        """After a fork: no copies, and nothing inherited that made them trustworthy."""
        self.trusted = False
        self.entries.clear()


class VersionedArticleCache(ArticleCache):
    """SQLite: SQLite's data version of the worker's reading connection
    changes whenever another connection commits, this worker's writes
    included (they go through other connections). It is read once per
    request, a read transaction without a row lookup; a new reading
    connection (reads.py hands it back to the pool every minute) starts from
    no copies."""

    def __init__(self, seconds, max_entries=10_000):
        super().__init__(seconds, max_entries)
        self.version = None  # (reading connection, data version) the copies were read under

    def ticket(self):
        version = data_version()
        if version is None:  # the reading connection is another thread's now: no copies
            return None
        if version != self.version:
            with self.lock:
                self._drop()
                self.version, self.trusted = version, True
        return self.generation

    def distrust(self):
        super().distrust()
        self.version = None


class NotifiedArticleCache(ArticleCache):
    """PostgreSQL: copies are trusted while this process's listener hears the
    articles trigger's notifications (see _Listener)."""

    def __init__(self, seconds, max_entries=10_000):
        super().__init__(seconds, max_entries)
        self.listener = None

    def ticket(self):
        listener = self.listener
        if listener is None or listener.pid != os.getpid() or not listener.thread.is_alive():
            self.start(db.engine)
        return self.generation if self.trusted else None

    def distrust(self):
        super().distrust()
        self.listener = None

    def start(self, engine):
        with self.lock:
            listener = self.listener
            if listener is not None and listener.pid == os.getpid() and listener.thread.is_alive():
                return
            self.trusted = False
            self.listener = _Listener(self, engine)
            if not sa.event.contains(engine, "engine_disposed", self.on_dispose):
                sa.event.listen(engine, "engine_disposed", self.on_dispose)
            self.listener.thread.start()

    def on_dispose(self, _engine):
        self.stop()

    def stop(self):
        """Stop listening (copies are off until the next read starts a listener)."""
        with self.lock:
            listener, self.listener = self.listener, None
            self.trusted = False
        if listener is not None and listener.pid == os.getpid():
            listener.stop()


class _Listener:
    """A daemon thread on a connection of its own that LISTENs to the channel."""

    def __init__(self, cache, engine):
        self.cache, self.engine, self.pid = cache, engine, os.getpid()
        self.stopping = threading.Event()
        self.wake_read, self.wake_write = os.pipe()
        self.warned = False
        self.backend_pid = None  # the server process behind the connection, once connected
        self.probe, self.heard = None, threading.Event()
        self.thread = threading.Thread(target=self.run, name="article-cache-listener", daemon=True)

    def stop(self):
        self.stopping.set()
        os.write(self.wake_write, b"x")
        self.thread.join(timeout=5)
        if not self.thread.is_alive():  # else it may still select() on them: leave them
            os.close(self.wake_read)
            os.close(self.wake_write)

    def run(self):
        delay = RETRY_SECONDS
        while not self.stopping.is_set():
            try:
                self.listen()
            except Exception as error:  # a lost connection: copies stay off until back
                log.warning("article cache listener: %s: %s", type(error).__name__, error)
            # A database that stays away is asked less and less often (and logged so).
            delay = RETRY_SECONDS if self.cache.trusted else min(delay * 2, MAX_RETRY_SECONDS)
            self.cache.set_trusted(False)
            self.stopping.wait(delay)

    def listen(self):
        record = self.engine.raw_connection()
        connection = record.driver_connection
        record.detach()  # not the pool's: it stays open, and the pool's size is unchanged
        try:
            self.backend_pid = connection.info.backend_pid
            connection.autocommit = True
            connection.add_notify_handler(self.on_notify)
            connection.execute(f"LISTEN {CHANNEL}")
            if not self.hears_itself(connection):
                raise RuntimeError("LISTEN is accepted but nothing is delivered (a pooler?)")
            while self.has_trigger(connection):
                if not self.cache.trusted:
                    self.cache.set_trusted(True)  # from here on, every change is heard
                ready = select.select([connection.fileno(), self.wake_read], [], [], PING_SECONDS)[0]
                if self.wake_read in ready:
                    return
                # Notifications arrived, the server hung up, or it is time for a check:
                # the next statement delivers the first, raises on the second.
        finally:
            record.close()

    def hears_itself(self, connection):
        self.heard.clear()
        self.probe = f"{PROBE_PREFIX}{os.getpid()} {time.monotonic_ns()}"
        connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, self.probe))
        deadline = time.monotonic() + PROBE_SECONDS
        while not self.heard.is_set() and time.monotonic() < deadline:
            select.select([connection.fileno()], [], [], max(0.0, deadline - time.monotonic()))
            connection.execute("SELECT 1")  # delivers what arrived
        return self.heard.is_set()

    def has_trigger(self, connection):
        row = connection.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgrelid = to_regclass('articles')",
            (TRIGGER,)).fetchone()
        if not row[0] and not self.warned:
            # An unmigrated database: every read asks it, and run() asks again
            # for the trigger less and less often.
            self.warned = True
            log.warning("article cache off: no %s trigger (run the migrations)", TRIGGER)
        return bool(row[0]) and not self.stopping.is_set()

    def on_notify(self, notify):
        if notify.payload.startswith(PROBE_PREFIX):  # this worker's probe, or another's
            if notify.payload == self.probe:
                self.heard.set()
            return
        self.cache.forget(notify.payload or None)
