"""The counter file (moderation/limit_storage.py) as `limits` uses it: fixed
windows that every process and thread on the host count in together."""

import os
import sqlite3
import threading
import time
import warnings

import pytest
from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from moderation import limit_storage
from moderation.limit_storage import storage_uri


@pytest.fixture
def counter_path(tmp_path):
    return tmp_path / "instance" / "rate_limits.sqlite"


@pytest.fixture
def storage(counter_path):
    return storage_from_string(storage_uri(counter_path))


def test_a_window_counts_hits_and_starts_again_once_it_ends(storage):
    limiter, second = FixedWindowRateLimiter(storage), parse("3/second")
    started = time.time()
    assert [limiter.hit(second, "client") for _ in range(4)] == [True, True, True, False]
    stats = limiter.get_window_stats(second, "client")
    assert stats.remaining == 0 and started < stats.reset_time <= time.time() + 1
    assert limiter.hit(second, "another client")
    time.sleep(max(0.0, stats.reset_time - time.time()) + 0.05)
    assert limiter.get_window_stats(second, "client").remaining == 3
    assert limiter.hit(second, "client")
    assert limiter.get_window_stats(second, "client").remaining == 2


def test_keys_are_cleared_one_at_a_time_or_all_together(storage):
    for key in ("a", "b", "c"):
        storage.incr(key, 60, amount=2)
    storage.clear("a")
    assert (storage.get("a"), storage.get("b")) == (0, 2)
    assert storage.reset() == 2
    assert storage.get("b") == 0 and storage.check()


def test_every_hit_counts_from_forked_processes_and_their_threads(storage):
    # The parent has used its connection before forking, as a gunicorn master
    # that built the app could; the children must count through their own.
    storage.incr("shared", 60)
    children, threads, hits = 3, 4, 150

    def hit_from_threads():
        def work():
            for _ in range(hits):
                storage.incr("shared", 60)
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        work()
        for worker in workers:
            worker.join()

    pids = []
    with warnings.catch_warnings():  # Python 3.12+ warns on fork with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        for _ in range(children):
            pid = os.fork()
            if pid == 0:  # the child: count, then leave at once whatever happens
                status = 1
                try:
                    hit_from_threads()
                    status = 0
                finally:
                    os._exit(status)
            pids.append(pid)
    hit_from_threads()
    statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    assert statuses == [0] * children
    total = 1 + (children + 1) * (threads + 1) * hits
    assert storage.get("shared") == total
    assert storage.incr("shared", 60) == total + 1


def test_ended_windows_leave_the_file(counter_path, monkeypatch):
    # What the limiter counted must not outlive its window on disk (the keys
    # stand for clients), nor make the file grow for ever.
    monkeypatch.setattr(limit_storage, "PRUNE_EVERY", 0.0)
    storage = storage_from_string(storage_uri(counter_path))
    for number in range(limit_storage.PRUNE_BATCH * 2 + 10):
        storage.incr(f"client-{number}", 1)
    storage.incr("lasting", 3600)
    time.sleep(1.05)
    for _ in range(3):  # a batch at a time
        storage.incr("lasting", 3600)
    with sqlite3.connect(counter_path) as connection:
        assert connection.execute("SELECT key, count FROM counter").fetchall() == [("lasting", 4)]
    connection.close()


@pytest.mark.parametrize("uri", ["counters+sqlite:relative/rate_limits.sqlite",
                                 "counters+sqlite://host/rate_limits.sqlite"])
def test_the_file_must_be_named_by_an_absolute_path(uri):
    with pytest.raises(ConfigurationError, match="absolute"):
        storage_from_string(uri)
