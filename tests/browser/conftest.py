"""The browser suite's world: the real service under gunicorn (SQLite file,
two workers), a second origin on another port that embeds the widget the way
a news site would, and Debian's Chromium driven by Playwright.

All of it is started once per session and stopped at its end; each test gets
a fresh browser context (no shared storage or cache) and its own article."""

import json
import os
import shutil
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

import jinja2
import pytest

from tests.conftest import require_service
from tests.servers import ROOT, flask, free_port, gunicorn, service_env

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 10_000


def find_chromium():
    """Debian's Chromium: never a browser that Playwright downloads."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium_path():
    path = find_chromium()
    if path is None:
        require_service("Chromium", "no /usr/bin/chromium, no chromium on PATH; apt-get install chromium")
    return path


@dataclass
class Service:
    """The running service, a moderator token for approving through the API,
    an admin token, and what gunicorn has logged so far."""

    base: str
    token: str
    admin_token: str = ""
    log: object = field(default=lambda: "", repr=False)

    def call(self, method, path, body=None, token=True):
        """One JSON request; returns (status, decoded body or None)."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        return status, json.loads(raw) if raw else None

    def post_comment(self, article, **fields):
        """Submit through the public API; returns the new comment's id."""
        body = {"name": "Mark", "email": "mark@example.org", "body": "A comment.", **fields}
        status, answer = self.call("POST", f"/api/v1/articles/{quote(article)}/comments", body, token=False)
        assert status == 202, answer
        return answer["id"]

    def moderate(self, comment_id, action="approve"):
        status, answer = self.call("POST", f"/api/v1/moderation/comments/{comment_id}/{action}")
        assert status == 200, answer
        return answer

    def queue(self, article, status="pending"):
        """The moderation view of an article's comments in one status."""
        code, answer = self.call("GET", f"/api/v1/moderation/comments?status={status}&article_id={quote(article)}")
        assert code == 200, answer
        return answer["comments"]


@dataclass
class SecondOrigin:
    """A news site on another origin: its article pages embed the widget from the service."""

    base: str
    api: str
    server: ThreadingHTTPServer = field(repr=False)

    def article_url(self, article, host=None):
        base = self.base.replace("127.0.0.1", host) if host else self.base
        return f"{base}/article/{quote(article)}"


def article_page_handler(api_base):
    """Serves /article/<id>: the demo article template, embedding the widget
    cross-origin; and /list?id=...&id=...&lang=: the demo's article list with
    a count badge per id, from count.js."""
    templates = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "moderation" / "templates"),
                                   autoescape=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/list":
                page = self.article_list(parse_qs(urlsplit(self.path).query))
            elif path.startswith("/article/"):
                article = unquote(path.removeprefix("/article/"))
                page = templates.get_template("demo.html").render(
                    article_id=article, widget_url=f"{api_base}/widget.js", api_base=api_base,
                    embed_url=f"{api_base}/embed/{quote(article)}",
                ).encode()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def article_list(self, query):
            stories = [{"article_id": article, "kicker": "News", "title": f"Story {number}", "byline": "",
                        "url": f"/article/{quote(article)}"} for number, article in enumerate(query.get("id", []))]
            return templates.get_template("demo_list.html").render(
                stories=stories, lang=query.get("lang", ["en"])[0], count_url=f"{api_base}/count.js",
                recent_feed_url=f"{api_base}/feeds/recent.atom").encode()

        def log_message(self, *args):
            pass  # quiet: pytest shows failures, not every page view

    return Handler


@pytest.fixture(scope="session")
def api_base():
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def second_origin(api_base):
    server = ThreadingHTTPServer(("127.0.0.1", 0), article_page_handler(api_base))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SecondOrigin(f"http://127.0.0.1:{server.server_address[1]}", api_base, server)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def service(api_base, second_origin, tmp_path_factory):
    """gunicorn with 2 workers on a SQLite file; the second origin may use the API and frame /embed."""
    database = tmp_path_factory.mktemp("service") / "moderation.sqlite"
    # A robot fills the form faster than the minimum fill time a person needs.
    # Trusted authors on, so that the widget is given author keys to keep.
    # Articles close ten years after publication: only those dated so (test_counts_and_feeds.py).
    env = service_env(f"sqlite:///{database}", RATELIMIT_ENABLED="false", FORM_MIN_SECONDS="0",
                      ALLOWED_ORIGINS=json.dumps([second_origin.base]), TRUSTED_AUTHORS_ENABLED="true",
                      CLOSE_AFTER_DAYS="3650")
    flask(env, "db", "upgrade")
    token = flask(env, "moderators", "add", "browser-tests").strip().splitlines()[-1]
    admin_token = flask(env, "moderators", "add", "browser-admin", "--role", "admin").strip().splitlines()[-1]
    flask(env, "demo", "seed")
    with gunicorn(env, workers=2, port=urlsplit(api_base).port) as base:
        yield Service(base, token, admin_token, gunicorn.output_so_far)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What a page did that it should not: dialogs, uncaught errors, console errors."""

    dialogs: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    console: list = field(default_factory=list)


def watch(page):
    seen = Watch()
    page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and seen.console.append(message.text))
    page.seen = seen
    return page


def new_context(browser, **options):
    context = browser.new_context(**{"viewport": {"width": 1000, "height": 900}, "locale": "en-GB", **options})
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser, service):
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A watched page that records the widget's moderation:ready event in window.__ready."""
    page = watch(context.new_page())
    page.add_init_script("document.addEventListener('moderation:ready', (e) => { window.__ready = e.detail; });")
    return page


@pytest.fixture
def no_js_page(browser, service):
    """A page in a context with JavaScript turned off, as the <noscript> fallback is seen."""
    context = new_context(browser, java_script_enabled=False)
    yield watch(context.new_page())
    context.close()


@pytest.fixture
def article():
    """An article of this test alone, with a '/' in it as real article ids have."""
    return f"browser/{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
