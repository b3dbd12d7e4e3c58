"""Every setting the service reads, with its default, and the one place that
decides which source wins."""

import os
import secrets
import tempfile
from pathlib import Path

from .limit_storage import storage_uri


class Defaults:
    """Defaults in code; override in instance/config.py or as FLASK_<NAME>."""

    # None means "SQLite in the instance folder" (see load_config).
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # None means "read or create instance/secret_key" (never a fixed fallback).
    SECRET_KEY = None
    # 413 payload_too_large above this many bytes of request body.
    MAX_CONTENT_LENGTH = 64 * 1024
    # Longest accepted comment body, in characters after trimming.
    BODY_MAX_LENGTH = 10_000
    # Deepest reply level (0 is top level); a reply below it joins its parent's level.
    MAX_THREAD_DEPTH = 5
    # Cache-Control max-age (seconds) of public listings and counts.
    PUBLIC_MAX_AGE = 10
    # Serialised pages this worker keeps, keyed by the article's version in the database.
    THREAD_CACHE_SIZE = 512
    # Seconds a worker reuses an article's state (version, count, closed) and
    # a counts answer it read (services/recent.py): how long another worker's
    # or host's change may take to show. 0 reads them on every request.
    RECENT_READ_MAX_AGE = 0.05
    # /metrics (Prometheus) answers only `Authorization: Bearer <this>`, at
    # least 16 characters; None (the default) serves no /metrics at all.
    METRICS_TOKEN = None
    # Answer gzip or Brotli to clients that accept it (JSON, HTML, scripts,
    # styles, feeds), for bodies of at least COMPRESSION_MIN_SIZE bytes. Turn
    # it off only where a proxy in front compresses instead.
    COMPRESSION_ENABLED = True
    COMPRESSION_MIN_SIZE = 1024
    # Seconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT = 30
    # SQLite's fsync policy in WAL mode. FULL syncs the log at every commit, so
    # an answered comment survives a power cut or an OS crash. NORMAL saves
    # an fsync per write, but the last commits may then be lost
    # with the machine (never with the app alone). EXTRA also syncs the folder.
    SQLITE_SYNCHRONOUS = "FULL"
    # Proxies in front of the app that set X-Forwarded-For / -Proto / -Host
    # (werkzeug ProxyFix); 0 trusts none, which is right without a proxy.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    # Host names this service answers for (Flask's TRUSTED_HOSTS, checked on
    # every request; any port matches; ".example.org" also matches its
    # subdomains). Another Host is a 400: nothing built from a Host header a
    # client chose (an absolute URL, a cached answer) can then name another
    # site. The default serves `make run` and the tests, nothing else: list the
    # names readers, proxies and health checks use. [] trusts any host.
    TRUSTED_HOSTS: list = ["localhost", "127.0.0.1"]
    # Browser origins allowed to call the public API and to frame /embed pages;
    # empty means the service's own origin only.
    ALLOWED_ORIGINS: list = []
    # Browser origins allowed to call the moderation API; empty means none.
    MODERATION_ORIGINS: list = []
    # Close an article to new comments this many days after its publication
    # date (moderators set it) or, without one, after its first comment;
    # None (or 0) never does. A moderator's close or reopen wins over it.
    CLOSE_AFTER_DAYS = None
    # Top-level comments (each with its replies) per /embed/... page.
    EMBED_PAGE_LIMIT = 50
    # Flask-Limiter: on by default; FLASK_RATELIMIT_ENABLED=false turns it off.
    RATELIMIT_ENABLED = True
    # Where the counts live. None means a SQLite file in the instance folder
    # (see load_config), which every worker on this host shares; several
    # hosts share counts through redis://host:6379/0. (memory:// would count
    # per worker: with two workers, twice the limit gets through.)
    RATELIMIT_STORAGE_URI = None
    # Comments per client address (an IPv6 client by its /64).
    RATELIMIT_POST = "5/minute;50/day"
    # Public reads per client address.
    RATELIMIT_READ = "300/minute"
    # Moderation calls per token.
    RATELIMIT_MODERATION = "600/minute"
    # Failed moderation authentications per client address.
    RATELIMIT_AUTH_FAILURES = "20/minute"
    # No X-RateLimit-* headers on every answer: public answers are cached and
    # shared, and a per-client count has no place in them. A 429 carries
    # Retry-After all the same (errors.handle_rate_limited).
    RATELIMIT_HEADERS_ENABLED = False
    # Auto-moderation (moderation/rules.py). A comment with this many links or
    # more is held for a moderator even when another rule would approve it.
    LINKS_HOLD_THRESHOLD = 2
    # The same body from the same author on the same article within this many
    # seconds is refused with 409 duplicate.
    DUPLICATE_WINDOW = 24 * 60 * 60
    # Trusted returning authors: a comment carrying the author_key its browser
    # was given, from an address with this many approved comments and none
    # marked spam, is approved at once. Off by default.
    TRUSTED_AUTHORS_ENABLED = False
    TRUSTED_AUTHOR_MIN_APPROVED = 1
    # The widget's form token: posts sent sooner than FORM_MIN_SECONDS after
    # the token was issued, or with a token older than FORM_TOKEN_MAX_AGE, or
    # without one, are held (never refused, so API clients still work).
    FORM_MIN_SECONDS = 3
    FORM_TOKEN_MAX_AGE = 2 * 60 * 60
    # Retention (flask purge): drop the anonymised IP and user agent after
    # RETENTION_PERSONAL_DAYS; delete comments left pending, rejected or spam
    # for more than RETENTION_UNPUBLISHED_DAYS.
    RETENTION_PERSONAL_DAYS = 30
    RETENTION_UNPUBLISHED_DAYS = 60
    # Serve the demo article at "/" (turn off where "/" belongs to something else).
    DEMO_PAGE = True
    # Notifications (README "Notifications"). The service's public base URL,
    # e.g. https://comments.example: links in mails point there. The worker
    # refuses to start without it.
    PUBLIC_URL = None
    # Sender of every mail.
    MAIL_FROM = "Comments <comments@localhost>"
    # SMTP relay; None writes each mail as an .eml file into MAIL_DIRECTORY
    # (default: instance/mail) instead of sending it.
    SMTP_HOST = None
    SMTP_PORT = 587
    # "starttls" (upgrade a plain connection), "tls" (TLS from the start, port
    # 465) or "none" (a relay on the same host only).
    SMTP_SECURITY = "starttls"
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_TIMEOUT = 30
    # A CA bundle for the relay's certificate; None trusts the system's.
    SMTP_CA_FILE = None
    MAIL_DIRECTORY = None
    # An article's page when moderators set no URL, e.g.
    # "https://news.example/{article_id}" (the id percent-encoded, / kept).
    ARTICLE_URL_TEMPLATE = None
    # The worker: seconds between polls when idle, deliveries per pass, how
    # long a claimed delivery is its own (past it, another worker may retry
    # it), attempts before a delivery is dead, the first retry's delay (it
    # doubles each time, up to 6 hours), and the days finished events are kept.
    NOTIFY_POLL_SECONDS = 2
    NOTIFY_BATCH = 50
    NOTIFY_LEASE_SECONDS = 300
    NOTIFY_MAX_ATTEMPTS = 8
    NOTIFY_RETRY_SECONDS = 30
    NOTIFY_RETENTION_DAYS = 7
    # Seconds a webhook receiver has to answer.
    WEBHOOK_TIMEOUT = 10
    # Seconds the approve/reject links of a moderator's mail and a reader's
    # confirmation link work.
    MODERATION_LINK_MAX_AGE = 7 * 24 * 60 * 60
    CONFIRMATION_MAX_AGE = 7 * 24 * 60 * 60


def load_config(app, test_config=None):
    """Apply Defaults, instance/config.py, FLASK_* variables, DATABASE_URL and
    SECRET_KEY, then test_config, in that order of precedence."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        if os.environ.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    else:
        app.config.from_mapping(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        database = Path(app.instance_path) / "moderation.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    check_close_after_days(app.config["CLOSE_AFTER_DAYS"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = read_or_create_secret(app.instance_path)
    if not app.config["RATELIMIT_STORAGE_URI"]:
        # Never the main database, which may be PostgreSQL: counts are written
        # on every request and are worth nothing after their window.
        app.config["RATELIMIT_STORAGE_URI"] = storage_uri(Path(app.instance_path) / "rate_limits.sqlite")


def check_close_after_days(days):
    """Stop at startup on a CLOSE_AFTER_DAYS that every request would trip on."""
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
        raise ValueError(f"CLOSE_AFTER_DAYS must be a whole number of days (0 or None: off), not {days!r}")


def normalise_database_url(url):
    """Let plain postgres:// URLs (as hosting platforms hand them out) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(config):
    """Engine settings per backend: a busy timeout for SQLite writers, liveness checks for PostgreSQL."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # Statement errors would otherwise quote their parameters (emails) into the log.
    options.setdefault("hide_parameters", True)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": config["SQLITE_BUSY_TIMEOUT"]})
    else:
        # No pre-ping: it costs a round trip on every checkout, a third of a
        # cached read. A connection that died with a database restart fails
        # its one request, and SQLAlchemy then renews the whole pool; recycling
        # keeps connections from outliving server-side idle timeouts.
        options.setdefault("pool_recycle", 1800)
    return options


def read_or_create_secret(instance_path):
    """Read the persisted secret, creating it once (mode 0600) when absent.

    The file is written under a temporary name and then hard-linked into
    place, so workers starting together never read a half-written secret."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another worker won the race; use its secret
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
