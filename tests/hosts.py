"""App hosts for tests of a deployment: each host is gunicorn with the shipped
settings and a notification worker, in a network namespace of its own where
the kernel lets an unprivileged user make one (`unshare --net`). A host then
has no network at all: it answers on a Unix socket, as behind nginx, and
reaches PostgreSQL and Redis only through Unix sockets that this process
relays to them, so that the database and Redis are all two hosts share."""

import http.client
import json
import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from bench.servers import children_of
from tests.servers import BIN, ROOT

NAMESPACE_COMMANDS = (["unshare", "--net", "--map-root-user"], ["unshare", "--net"])


@cache
def namespace_prefix():
    """The command that starts a process in a network namespace of its own,
    or () where none can be made (then hosts are separate processes on
    separate sockets of this machine, and the test says so)."""
    if shutil.which("unshare") is None:
        return ()
    for command in NAMESPACE_COMMANDS:
        if subprocess.run([*command, "true"], capture_output=True, timeout=10).returncode == 0:
            return tuple(command)
    return ()


class Relay:
    """A Unix socket whose every connection is piped to a TCP address: the
    only way out of a host's namespace. One thread per connection."""

    def __init__(self, path, address):
        self.path, self.address = str(path), address
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(self.path)
        self.listener.listen(64)
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while True:
            try:
                inner, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self.pipe, args=(inner,), daemon=True).start()

    def pipe(self, inner):
        try:
            outer = socket.create_connection(self.address, timeout=10)
        except OSError:
            inner.close()
            return
        outer.settimeout(None)
        peers = {inner: outer, outer: inner}
        with selectors.DefaultSelector() as selector, inner, outer:
            for sock in peers:
                selector.register(sock, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    try:
                        chunk = key.fileobj.recv(65536)
                        if chunk:
                            peers[key.fileobj].sendall(chunk)
                    except OSError:
                        chunk = b""
                    if not chunk:  # either side closed: close both
                        return

    def close(self):
        self.listener.close()


def relayed_database_url(database_url, folder):
    """The URL of database_url through a Unix socket in folder (libpq looks for
    <folder>/.s.PGSQL.<port>); returns (url, relay)."""
    url = sa.engine.make_url(database_url)
    port = url.port or 5432
    relay = Relay(Path(folder) / f".s.PGSQL.{port}", (url.host or "127.0.0.1", port))
    inner = url.set(host=None, port=None).update_query_dict({"host": str(folder), "port": str(port)})
    return inner.render_as_string(hide_password=False), relay


def relayed_redis_url(redis_url, folder):
    """redis://host:port/db through a Unix socket in folder; returns (url, relay)."""
    parts = sa.engine.make_url(redis_url.replace("redis://", "redis+tcp://", 1))
    relay = Relay(Path(folder) / "redis.sock", (parts.host or "127.0.0.1", parts.port or 6379))
    return f"redis+unix://{relay.path}?db={parts.database or 0}", relay


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket, as nginx would talk to a host."""

    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Host:
    """One app server of a deployment, with its notification worker."""

    def __init__(self, name, env, folder, *, worker=True):
        self.name, self.env, self.folder, self.has_worker = name, env, Path(folder), worker
        self.socket = str(self.folder / "app.sock")
        self.mail = self.folder / "mail"
        self.processes = {}

    def start(self):
        """Start gunicorn (and the worker); returns self once /healthz answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "FLASK_MAIL_DIRECTORY": json.dumps(str(self.mail))}
        self.spawn("gunicorn", [BIN / "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"unix:{self.socket}",
                                "wsgi:app"], env)
        if self.has_worker:
            self.spawn("worker", [BIN / "flask", "--app", "wsgi", "worker"], env)
        deadline = time.monotonic() + 60
        while True:
            for name, process in self.processes.items():
                assert process.poll() is None, f"{self.name}'s {name} exited: {self.output(name)}"
            try:
                if self.request("GET", "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"{self.name} did not answer /healthz: {self.output('gunicorn')}"
            time.sleep(0.1)
        while self.has_worker and "worker started" not in self.output("worker"):
            assert self.processes["worker"].poll() is None, f"{self.name}'s worker exited: {self.output('worker')}"
            assert time.monotonic() < deadline, f"{self.name}'s worker did not start: {self.output('worker')}"
            time.sleep(0.1)
        return self

    def spawn(self, name, command, env):
        log = open(self.folder / f"{name}.log", "w")
        self.processes[name] = subprocess.Popen([*namespace_prefix(), *map(str, command)], cwd=ROOT, env=env,
                                                stdout=log, stderr=subprocess.STDOUT)
        log.close()  # the child holds its own copy

    def output(self, name):
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def worker_pids(self):
        """gunicorn's worker processes: the children of its master."""
        return children_of(self.processes["gunicorn"].pid)

    def network_namespace(self):
        """The network namespace gunicorn runs in (as /proc names it)."""
        return os.readlink(f"/proc/{self.processes['gunicorn'].pid}/ns/net")

    def request(self, method, path, body=None, headers=None, client="192.0.2.1", timeout=30):
        """One request on a new connection, from `client` (nginx's X-Forwarded-For);
        returns (status, parsed JSON body or None)."""
        connection = UnixHTTPConnection(self.socket, timeout=timeout)
        headers = {"X-Forwarded-For": client, **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, json.loads(raw) if is_json and raw else None


def host_env(database_url, **settings):
    """The environment every host of a deployment shares: one database, one
    secret, settings as FLASK_* (JSON values); behind a proxy (one hop)."""
    env = {**os.environ, "SECRET_KEY": "hosts-test-secret", "DATABASE_URL": database_url,
           "FLASK_PROXY_FIX_X_FOR": "1", "FLASK_PUBLIC_URL": '"https://comments.example"'}
    env.update({f"FLASK_{name}": json.dumps(value) for name, value in settings.items()})
    return env


@contextmanager
def running_hosts(hosts):
    """Start the hosts side by side (each loads the app for a second or two); stop them all on the way out."""
    with ExitStack() as stack:
        for host in hosts:
            stack.callback(host.stop)
        with ThreadPoolExecutor(len(hosts)) as pool:
            list(pool.map(Host.start, hosts))
        yield hosts


@contextmanager
def short_folder():
    """A folder with a short path: a Unix socket's path must fit in 108 bytes."""
    folder = tempfile.mkdtemp(prefix="hosts-", dir="/tmp")
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
