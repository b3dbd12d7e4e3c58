"""Gunicorn settings shipped with the service: `gunicorn -c gunicorn.conf.py wsgi:app`.
Each can be overridden on the command line or with GUNICORN_CMD_ARGS."""

import os
import shutil
import tempfile
from pathlib import Path

# Loopback: in production nginx is the only client (deploy/nginx/comments.conf);
# with FLASK_PROXY_FIX_X_FOR=1 any other could name its own address.
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Sync workers: every request is short and the database does the waiting.
# A worker is held by a connection until its request has arrived, so slow
# clients must meet nginx, which buffers them, not gunicorn; gthread is no
# cure (a thread waits out a half-sent header). See docs/performance.md.
worker_class = "sync"
timeout = 30
# The longest request line gunicorn takes (its default is 4094): a counts
# request for 100 article ids of a news site's length needs about 5,000;
# nginx's default buffers hold lines of up to 8 KB.
limit_request_line = 8190
# No control socket: its default path is shared by every gunicorn of the user.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# The access log carries anonymised networks only, never a full client IP.
logger_class = "moderation.access_log.PrivacyLogger"
# Behind a reverse proxy, set FLASK_PROXY_FIX_X_FOR=1 (and the proxy's address here).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# LOG_FORMAT=json: one JSON object a line (access, errors and the service's
# own log), for log shippers; the same fields and privacy as the text lines.
if os.environ.get("LOG_FORMAT", "text").lower() == "json":
    logger_class = "moderation.access_log.JsonLogger"

# Metrics (/metrics): every worker writes its counts into this folder, and a
# scrape sums them. Set here, before the logger class imports the service
# (and prometheus_client with it); without PROMETHEUS_MULTIPROC_DIR, a folder
# of this server's own, removed at exit.
_made_metrics_folder = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _made_metrics_folder:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="comments-metrics-")
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


def on_starting(server):
    """Start from zero: counts a previous run left in the folder would be summed in."""
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    """A dead worker's gauges go (its counters stay in the sums, as Prometheus expects)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _made_metrics_folder:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
