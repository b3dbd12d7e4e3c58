"""Rate-limit counters in a SQLite file, so that all the workers on one host
share one count without a Redis server: a `limits` storage for the
fixed-window strategy, chosen by RATELIMIT_STORAGE_URI=counters+sqlite:///path."""

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from limits.errors import ConfigurationError
from limits.storage import Storage

SCHEME = "counters+sqlite"
# Rows of ended windows are deleted by the hits, PRUNE_BATCH at a time (so no
# hit holds the other writers up for long), by each process at most every
# PRUNE_EVERY seconds unless its last batch came back full. A key that comes
# back before then has its row reset in place by its next hit.
PRUNE_EVERY = 60.0
PRUNE_BATCH = 500

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS counter (
        key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        expires_at REAL NOT NULL
    ) WITHOUT ROWID""",
    # Finds a batch of ended windows without reading every row.
    "CREATE INDEX IF NOT EXISTS counter_expires_at ON counter (expires_at)",
)
# One statement per hit: workers that hit the same key at once cannot lose an
# increment, and a window that has ended starts again at this hit.
HIT = """INSERT INTO counter (key, count, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires_at > :now THEN count + excluded.count ELSE excluded.count END,
    expires_at = CASE WHEN expires_at > :now THEN expires_at ELSE excluded.expires_at END
RETURNING count"""
COUNT = "SELECT count, expires_at FROM counter WHERE key = ? AND expires_at > ?"
PRUNE = "DELETE FROM counter WHERE key IN (SELECT key FROM counter WHERE expires_at <= ? LIMIT ?)"


def storage_uri(path):
    """The RATELIMIT_STORAGE_URI of a counter file at path."""
    return f"{SCHEME}://{quote(str(Path(path).resolve()))}"


def path_of(uri):
    """The file a counters+sqlite URI names; it must be absolute, or workers
    started from different folders would count in different files."""
    parts = urlsplit(uri)
    path = unquote(parts.path)
    if parts.netloc or not os.path.isabs(path):
        raise ConfigurationError(f"{SCHEME} needs an absolute path, as in {SCHEME}:///srv/comments/counts.sqlite")
    return Path(path)


class CounterFile:
    """One thread's connection to the counter file. Autocommit: each
    statement is its own transaction, and SQLite's lock on the file (with a
    busy timeout) makes writers from every process take turns."""

    def __init__(self, path, timeout):
        self.pid = os.getpid()
        # Used by one thread only, but it may be closed from another.
        self.connection = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        # No fsync at all: the counts are disposable, and a crash of the
        # machine loses recent hits, no more.
        self.connection.execute("PRAGMA synchronous=OFF")

    def close(self):
        self.connection.close()

    def __del__(self):
        # SQLite's advice: a child must not close a connection opened before
        # its fork (SQLiteCounterStorage keeps those until the child exits).
        if self.pid == os.getpid():
            self.close()


class SQLiteCounterStorage(Storage):
    """Fixed windows kept as (key, count, expires_at) rows. Each thread of each
    process opens its own CounterFile at first use: a connection must not
    cross a fork, and a gunicorn master may build the app before forking."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri, wrap_exceptions=False, timeout=10.0, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = path_of(uri)
        self.timeout = float(timeout)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._inherited = []
        self._prune_at = time.time() + PRUNE_EVERY
        # Closed at once: a gunicorn master that builds the app must not hand
        # an open connection down to its workers.
        schema = CounterFile(self.path, self.timeout)
        for statement in SCHEMA:
            schema.connection.execute(statement)
        schema.close()

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _file(self):
        file = getattr(self._local, "file", None)
        if file is None or file.pid != os.getpid():
            if file is not None:
                self._inherited.append(file)  # opened before a fork: never used here
            file = self._local.file = CounterFile(self.path, self.timeout)
        return file

    def incr(self, key, expiry, amount=1):
        """Add amount to key's window, first opening a window of expiry
        seconds if there is none; returns the count after the hit."""
        now = time.time()
        connection = self._file().connection
        (count,), = connection.execute(HIT, {"key": key, "amount": amount, "now": now, "expiry": expiry})
        if now >= self._prune_at:
            deleted = connection.execute(PRUNE, (now, PRUNE_BATCH)).rowcount
            self._prune_at = now if deleted == PRUNE_BATCH else now + PRUNE_EVERY
        return count

    def _window(self, key):
        now = time.time()
        row = self._file().connection.execute(COUNT, (key, now)).fetchone()
        return row or (0, now)

    def get(self, key):
        return self._window(key)[0]

    def get_expiry(self, key):
        return self._window(key)[1]

    def check(self):
        try:
            self._file().connection.execute("SELECT 1 FROM counter LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self):
        return self._file().connection.execute("DELETE FROM counter").rowcount

    def clear(self, key):
        self._file().connection.execute("DELETE FROM counter WHERE key = ?", (key,))
