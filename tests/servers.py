"""Start the real service under gunicorn for tests that need separate processes."""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env, *args):
    """Run a `flask --app wsgi` command; returns its stdout."""
    result = subprocess.run([BIN / "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def service_env(database_url, **settings):
    """Environment for a server process: its own database, a fixed secret, settings as FLASK_*."""
    env = {**os.environ, "SECRET_KEY": "server-test-secret", "DATABASE_URL": database_url}
    env.update({f"FLASK_{name}": value for name, value in settings.items()})
    return env


@contextmanager
def gunicorn(env, workers=2, port=None, extra_args=()):
    """A running gunicorn with the project's settings; yields its base URL.
    Its output goes to a file (a pipe nobody reads would block it once full)
    and is kept in gunicorn.last_output when it stops."""
    port = port or free_port()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [BIN / "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), *extra_args, "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )
        base = f"http://127.0.0.1:{port}"
        # What it logged so far, read without moving the offset it writes at.
        gunicorn.output_so_far = lambda: os.pread(log.fileno(), 1 << 24, 0).decode(errors="replace")
        try:
            wait_until_up(base, process, log)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.seek(0)
            gunicorn.last_output = log.read()


def wait_until_up(base, process, log, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited: {log.read()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def wait_for_workers(base, count, seconds=30):
    """Wait until `count` workers have answered: a worker still loading the app
    would leave the whole test to the others. Needs `%(p)s` in the access log
    format, written as pid=%(p)s."""
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(8) as pool:
        while time.monotonic() < deadline:
            list(pool.map(lambda _: urllib.request.urlopen(f"{base}/healthz", timeout=5).close(), range(16)))
            if len(set(re.findall(r"pid=<(\d+)>", gunicorn.output_so_far()))) >= count:
                return
            time.sleep(0.1)
    raise RuntimeError(f"fewer than {count} workers answered in time")
