"""The three systems under gunicorn with the same settings: one sync worker
pinned to core 0, the access log on (to /dev/null), a 30 s timeout. Also
knows when a worker is idle and how much memory it peaked at."""

import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / "bench" / ".venvs"
SERVER_CORE = "0"
# The project's gunicorn.conf.py, as far as it is not ours alone (its logger
# class imports the service): the same for all three systems.
COMMON_OPTIONS = ["--worker-class", "sync", "--timeout", "30", "--no-control-socket", "--access-logfile", "/dev/null"]
OTHERS_CONFIG = "bench/gunicorn_bench.conf.py"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One system under gunicorn. `app` is the WSGI target, `config` an optional -c file."""

    name: str
    venv: str
    app: str
    env: dict
    log: Path
    health: str = "/healthz"
    config: str | None = None
    postgres_app_name: str | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    # One worker pinned to SERVER_CORE for the scenarios; the mixed load runs
    # the shipped two workers, free to use every core.
    workers: int = 1
    pinned: bool = True

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        """Start gunicorn (on core 0 if pinned) and wait for the health check."""
        command = ["taskset", "-c", SERVER_CORE] if self.pinned else []
        command.append(str(VENVS / self.venv / "bin" / "gunicorn"))
        if self.config:
            command += ["-c", self.config]
        command += [*COMMON_OPTIONS, "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                    "--error-logfile", str(self.log), self.app]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **self.env},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_up(self.base + self.health, self.process, self.log)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def worker_pids(self):
        """The gunicorn worker(s): children of the master process."""
        return children_of(self.process.pid)

    def backend_pids(self):
        """PostgreSQL backends serving this server's worker (found by application_name)."""
        if not self.postgres_app_name:
            return []
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as connection:
            rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                                      (self.postgres_app_name,)).fetchall()
        return [row[0] for row in rows]

    def pin_backends(self):
        """The database backend is part of the system under test: it shares core 0."""
        for pid in self.backend_pids():
            subprocess.run(["taskset", "-p", "-c", SERVER_CORE, str(pid)], check=False, capture_output=True)

    def busy_pids(self):
        return self.worker_pids() + self.backend_pids()

    def peak_memory_kib(self):
        """VmHWM of the worker: its peak resident set since it started."""
        peaks = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]))
        return max(peaks) if peaks else None


def children_of(pid):
    """The processes whose parent is pid (a gunicorn master's workers), from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended while we looked
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def wait_until_up(url, process, log, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s; see {log}")


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def core_ticks(core=SERVER_CORE):
    """(busy, steal, total) jiffies of one core from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            user, nice, system, idle, iowait, irq, softirq, steal = map(int, line.split()[1:9])
            busy = user + nice + system + irq + softirq
            return busy, steal, busy + idle + iowait + steal
    raise RuntimeError(f"no cpu{core} in /proc/stat")


class CoreWatch:
    """How much of core 0 went to others (other processes, the hypervisor)
    while the system under test ran: the noise a run cannot avoid here."""

    def __init__(self, pids):
        self.pids = pids
        self.start_core, self.start_own = core_ticks(), cpu_ticks(pids)

    def shares(self):
        busy, steal, total = (b - a for a, b in zip(self.start_core, core_ticks()))
        own = cpu_ticks(self.pids) - self.start_own
        if total <= 0:
            return None, None
        return round(100 * max(busy - own, 0) / total, 1), round(100 * steal / total, 1)


def wait_for_quiet_machine(*, window=0.3, threshold=5.0, limit=5.0):
    """Wait up to `limit` seconds for a `window` in which both cores are
    nearly idle (others' tests share this machine); returns whether it came."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = [core_ticks(core) for core in ("0", "1")]
        time.sleep(window)
        after = [core_ticks(core) for core in ("0", "1")]
        busy = max(100 * (b[0] - a[0]) / max(b[2] - a[2], 1) for a, b in zip(before, after))
        if busy < threshold:
            return True
    return False


def wait_until_idle(pids, *, quiet=0.3, limit=60.0):
    """Wait until the processes have used no CPU for `quiet` seconds (queued
    requests of the last run drained). Returns the seconds waited."""
    started = time.monotonic()
    last, quiet_since = cpu_ticks(pids), time.monotonic()
    while time.monotonic() - started < limit:
        time.sleep(0.05)
        now = cpu_ticks(pids)
        if now - last > 0:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            break
    return time.monotonic() - started


def ours(name, database_url, log, secret, app_name=None):
    """Our service with its shipped gunicorn.conf.py (privacy logger included)."""
    return Server(name, "ours", "wsgi:app", {
        "DATABASE_URL": database_url, "SECRET_KEY": secret, "FLASK_RATELIMIT_ENABLED": "false",
    }, log, config="gunicorn.conf.py", postgres_app_name=app_name)


def isso(name, config_path, log):
    return Server(name, "isso", "isso.run:application", {"ISSO_SETTINGS": str(config_path)}, log,
                  health="/info", config=OTHERS_CONFIG)


def ceiling(name, folder, log):
    return Server(name, "ceiling", "bench.ceiling_app:app", {"BENCH_CEILING_DIR": str(folder)}, log,
                  config=OTHERS_CONFIG)
