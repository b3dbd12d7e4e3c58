"""What the service counts for Prometheus (/metrics): requests by route and
status with their latency, submissions by outcome, the page cache, rate-limit
refusals. Under gunicorn every worker writes its counts into
PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py) and a scrape sums them all."""

import hmac
import os
from time import perf_counter

from flask import current_app, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4 as CONTENT_TYPE

from .errors import NotFound, Unauthorized

# A request here takes about a millisecond; a slow one, seconds.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# A client may send any method name: each of its own would be a new series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Shorter tokens could be guessed: /metrics has no rate limit of its own.
TOKEN_MIN_LENGTH = 16

REQUESTS = Histogram(
    "comments_http_request_duration_seconds",
    "Time from the request's arrival in the app to its answer, by URL rule (never the path), method and status; "
    "its _count is the number of requests.",
    ["route", "method", "status"], buckets=LATENCY_BUCKETS)
SUBMISSIONS = Counter("comments_submissions", "Comments submitted, by outcome: approved, held (pending), "
                      "spam, or refused (closed article, duplicate, invalid reply).", ["outcome"])
PAGE_CACHE_HITS = Counter("comments_page_cache_hits", "Thread pages served from this worker's cache.")
PAGE_CACHE_MISSES = Counter("comments_page_cache_misses", "Thread pages built (not cached for their version).")
RATE_LIMITED = Counter("comments_rate_limited", "Requests refused with 429 by a rate limit, by URL rule.", ["route"])
OUTCOMES = {"approved": "approved", "pending": "held", "spam": "spam", "rejected": "refused"}
for _outcome in ("approved", "held", "spam", "refused"):
    SUBMISSIONS.labels(_outcome)  # every outcome is reported, 0 until it happens
# The labelled series of each (route, method, status): labels() costs a lock
# and a validation per call, a dict lookup does not.
_SERIES = {}


def init_metrics(app):
    """Time every request; first among the hooks, so that the clock starts
    before any other hook can refuse a request (a rate limit's 429)."""
    token = app.config["METRICS_TOKEN"]
    if token is not None and len(str(token)) < TOKEN_MIN_LENGTH:
        raise ValueError(f"METRICS_TOKEN must be at least {TOKEN_MIN_LENGTH} characters")
    app.before_request(start_clock)
    app.after_request(observe_request)


def start_clock():
    g.metrics_started = perf_counter()


def observe_request(response):
    """Count the answered request under its URL rule, method and status."""
    started = g.get("metrics_started")
    if started is not None:
        rule = request.url_rule
        key = (rule.rule if rule else "unmatched", request.method if request.method in METHODS else "other",
               response.status_code)
        series = _SERIES.get(key)
        if series is None:
            series = _SERIES.setdefault(key, REQUESTS.labels(key[0], key[1], str(key[2])))
        series.observe(perf_counter() - started)
        if response.status_code == 429:
            RATE_LIMITED.labels(key[0]).inc()
    return response


def count_submission(status):
    """A submission's outcome: the status it was stored with, or None when refused."""
    SUBMISSIONS.labels(OUTCOMES.get(str(status), "refused") if status else "refused").inc()


def count_page_lookup(is_hit):
    (PAGE_CACHE_HITS if is_hit else PAGE_CACHE_MISSES).inc()


def require_token():
    """/metrics only for the holder of METRICS_TOKEN: without the setting it
    does not exist (404); without the token, or with another, a 401."""
    expected = current_app.config["METRICS_TOKEN"]
    if expected is None:
        raise NotFound()
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), str(expected).encode()):
        error = Unauthorized("A valid metrics token is required.")
        error.headers = {"WWW-Authenticate": 'Bearer realm="metrics"'}
        raise error


def exposition(backlogs):
    """The text format: the counts of every worker (of this process alone
    outside gunicorn), then the backlogs read for this scrape."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # prometheus_client's own switch
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    return generate_latest(counted) + generate_latest(BacklogGauges(backlogs))


class BacklogGauges:
    """What waits, as the database said at scrape time (services.backlogs);
    None when it did not answer."""

    def __init__(self, backlogs):
        self.backlogs = backlogs

    def collect(self):
        yield GaugeMetricFamily("comments_database_up", "1 when the database answered this scrape.",
                                value=int(self.backlogs is not None))
        if self.backlogs is None:
            return
        yield GaugeMetricFamily("comments_moderation_queue", "Comments pending moderation.",
                                value=self.backlogs.pending_comments)
        yield GaugeMetricFamily("comments_outbox_undispatched_events",
                                "Notification events not yet turned into deliveries.",
                                value=self.backlogs.undispatched_events)
        deliveries = GaugeMetricFamily("comments_notification_deliveries",
                                       "Mail and webhook deliveries waiting (pending) or given up (dead).",
                                       labels=["state"])
        deliveries.add_metric(["pending"], self.backlogs.pending_deliveries)
        deliveries.add_metric(["dead"], self.backlogs.dead_deliveries)
        yield deliveries
