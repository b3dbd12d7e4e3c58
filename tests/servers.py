"""Start the real service under gunicorn, and nginx in front of it, for tests
that need separate processes."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_SITE = ROOT / "deploy" / "nginx" / "comments.conf"
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
    """Environment for a server process: its own database, a fixed secret, its
    own rate-limit counts (a key prefix of its own: servers started from this
    checkout share the counter file of its instance folder), settings as FLASK_*."""
    env = {**os.environ, "SECRET_KEY": "server-test-secret", "DATABASE_URL": database_url,
           "FLASK_RATELIMIT_KEY_PREFIX": json.dumps(f"test-{uuid.uuid4().hex}")}
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


def find_nginx():
    """Debian's nginx lives in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def nginx_config(folder, port, upstream_port, http_extra="", *, site=NGINX_SITE, moves=None):
    """A shipped site moved to test ports and to `folder` (its logs and
    temporary files), inside a main configuration of its own; returns that
    file. Only the lines named here (and in `moves`) change: the rest is
    tested as shipped."""
    text = site.read_text()
    moves = {"listen 80;": f"listen 127.0.0.1:{port};", "listen [::]:80;": "",
             "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};", "/var/log/nginx/": f"{folder}/",
             **(moves or {})}
    for shipped, local in moves.items():
        assert shipped in text, f"{site.name} no longer has {shipped!r}"
        text = text.replace(shipped, local)
    (folder / "comments.conf").write_text(text)
    temporary = "\n".join(f"    {kind}_temp_path {folder}/{kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # Under root, nginx's workers would drop to nobody, shut out of pytest's private folders.
    user = "user root;" if os.geteuid() == 0 else ""
    main = folder / "nginx.conf"
    main.write_text(f"""
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log stderr;
events {{ worker_connections 768; }}
http {{
{temporary}
{http_extra}
    include {folder}/comments.conf;
}}
""")
    return main


@contextmanager
def nginx(folder, upstream_port, http_extra="", *, site=NGINX_SITE, moves=None, port=None):
    """A running nginx with a shipped site in front of upstream_port, as a
    child process (no daemon); yields the base URL of its plain HTTP port."""
    port = port or free_port()
    main = nginx_config(folder, port, upstream_port, http_extra, site=site, moves=moves)
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen([find_nginx(), "-p", str(folder), "-c", str(main), "-g", "daemon off;"],
                                   stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            wait_for_port(port, process, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_for_port(port, process, log, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{Path(process.args[0]).name} exited: {log.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} in time")
