"""Where a real gunicorn worker spends its time, per scenario: the server is
started under py-spy (which cannot attach to a running process on this
machine, but can start one), loaded with wrk, and the samples of its worker
are summarised as text in bench/results/profiles/py-spy-*.txt."""

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from .load import LOAD_CORE, run_wrk
from .servers import COMMON_OPTIONS, ROOT, SERVER_CORE, VENVS, free_port, wait_until_up

PY_SPY = VENVS / "ours" / "bin" / "py-spy"
RATE = 250
# Frames summed whole ("inclusive"): the parts a request goes through.
MARKERS = {
    "gunicorn: read and parse the request": ("gunicorn/http/",),
    "gunicorn: access log": ("gunicorn/glogging.py",),
    "Flask: request context, routing, hooks": ("flask/app.py:", "flask/ctx.py"),
    "our view and services": ("moderation/api/", "moderation/services/"),
    "database driver and pool": ("sqlalchemy/pool/", "sqlite3", "psycopg/", "sqlalchemy/engine/"),
    "marshmallow schemas": ("marshmallow/",),
    "bleach (sanitiser)": ("bleach/",),
    "Flask-SQLAlchemy session teardown": ("flask_sqlalchemy/session.py", "scoping.py:remove",
                                          "sqlalchemy/orm/session.py:close"),
    "response headers and hooks (ours)": ("moderation/security.py", "moderation/cors.py", "moderation/http.py"),
}


def start_under_py_spy(server, output):
    """Start `server` (a servers.Server, not started) on core 0 under py-spy on core 1."""
    command = ["taskset", "-c", LOAD_CORE, str(PY_SPY), "record", "--subprocesses", "--rate", str(RATE),
               "--format", "raw", "--output", str(output), "--",
               "taskset", "-c", SERVER_CORE, str(VENVS / server.venv / "bin" / "gunicorn")]
    if server.config:
        command += ["-c", server.config]
    command += [*COMMON_OPTIONS, "--bind", f"127.0.0.1:{server.port}", "--error-logfile", str(server.log),
                server.app]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **server.env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_until_up(server.base + server.health, process, server.log)
    return process


def stop(process):
    """py-spy writes its samples on SIGINT; then gunicorn is stopped with it."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def worker_samples(path):
    """(frames, count) of the samples taken in the worker (stacks under handle_request)."""
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if any("handle_request" in frame for frame in frames):
            yield frames, int(count)


def function_of(frame):
    """'name (file.py:12)' without its line: one entry per function."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else frame


def summarise(path, title):
    """Shares of the worker's samples: by part of the request, and by function."""
    samples = list(worker_samples(path))
    total = sum(count for _, count in samples) or 1
    parts, functions = Counter(), Counter()
    for frames, count in samples:
        for label, needles in MARKERS.items():
            if any(needle in frame for frame in frames for needle in needles):
                parts[label] += count
        for function in {function_of(frame) for frame in frames}:
            if any(package in function for package in ("moderation/", "schemas/", "bench/ceiling_app")):
                functions[function] += count
    lines = [title, f"{total} samples of the worker at {RATE} Hz (py-spy, gunicorn under wrk)", "",
             "Share of samples whose stack passes through (parts overlap):"]
    lines += [f"  {100 * count / total:5.1f}%  {label}" for label, count in parts.most_common()]
    lines += ["", "Our functions, inclusive:"]
    lines += [f"  {100 * count / total:5.1f}%  {frame}" for frame, count in functions.most_common(20)]
    return "\n".join(lines) + "\n"


def profile(server, requests, out, seconds=5):
    """One py-spy session per scenario; writes py-spy-<scenario>.txt into out."""
    out.mkdir(parents=True, exist_ok=True)
    for key, (request, connections) in requests.items():
        server.port = free_port()
        request = request.__class__(request.method, request.url.replace("PORT", str(server.port)),
                                    request.headers, request.body_file)
        raw = out / f"py-spy-{key}.raw"
        process = start_under_py_spy(server, raw)
        try:
            run_wrk(request, connections=connections, seconds=1)
            run_wrk(request, connections=connections, seconds=seconds)
        finally:
            stop(process)
            time.sleep(0.5)
        (out / f"py-spy-{key}.txt").write_text(summarise(raw, f"{server.name}: {key}"))
