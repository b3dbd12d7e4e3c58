"""What the notification tests share: a real SMTP server (aiosmtpd on a
loopback port) that keeps what it receives, a webhook receiver that checks
signatures with a verifier written from the Standard Webhooks
specification, and a way to run the worker in the test's process."""

import asyncio
import base64
import email
import hashlib
import hmac
import json
import re
import subprocess
import threading
import time
from contextlib import contextmanager
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from moderation.delivery import worker
from tests.servers import free_port

PUBLIC_URL = "https://comments.example"
MAIL_FROM = "Comments <comments@news.example>"
# Webhook calls older (or newer) than this are refused, as the specification advises.
TOLERANCE_SECONDS = 300


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, parsed with
    the standard email package; it can hold a message before answering it."""

    def __init__(self):
        self.messages = []
        self.logins = []  # for each message, whether its session had logged in
        self.received = threading.Condition()
        self.hold_at = None  # hold the n-th message (1-based) until released
        self.release = threading.Event()
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.received:
            self.messages.append(message)
            self.logins.append(session.authenticated)
            number = len(self.messages)
            self.received.notify_all()
        if self.delay:
            await asyncio.sleep(self.delay)
        if number == self.hold_at:
            deadline = time.monotonic() + 30
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        return "250 Message accepted"

    def wait_for(self, count, seconds=15):
        """Wait until count messages have arrived; returns them all."""
        deadline = time.monotonic() + seconds
        with self.received:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.messages)} of {count} messages arrived in time"
                self.received.wait(left)
            return list(self.messages)


@contextmanager
def smtp_server(*, tls_context=None, smtps_context=None, credentials=None):
    """A running SMTP server on a loopback port; yields (inbox, port). With
    tls_context it requires STARTTLS; with smtps_context it speaks TLS from
    the first byte (port 465 style); with credentials, a login after either."""
    inbox, port = Inbox(), free_port()
    options = {"ssl_context": smtps_context} if smtps_context is not None else {}
    if tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=True)
    if credentials is not None:
        def authenticate(server, session, envelope, mechanism, auth_data):
            given = (auth_data.login.decode(), auth_data.password.decode())
            return AuthResult(success=given == credentials)
        # aiosmtpd counts only STARTTLS as TLS: over implicit TLS it may not insist on
        # it (nor then on a login, it warns); Inbox.logins shows whether one was made.
        is_starttls = smtps_context is None
        options.update(authenticator=authenticate, auth_required=is_starttls, auth_require_tls=is_starttls)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=10, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        inbox.release.set()
        controller.stop()


def self_signed_certificate(folder):
    """A certificate for 127.0.0.1 and its key, made with openssl; returns (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


def mail_settings(port, **overrides):
    """App settings for mailing through the test server on port."""
    return {"PUBLIC_URL": PUBLIC_URL, "MAIL_FROM": MAIL_FROM, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
            "SMTP_SECURITY": "none", "SMTP_TIMEOUT": 5, "NOTIFY_RETRY_SECONDS": 0, "WEBHOOK_TIMEOUT": 5,
            **overrides}


def deliver(app, passes=50):
    """Run the worker's passes in this process until nothing is due (bounded)."""
    with app.app_context():
        for _ in range(passes):
            if not worker.run_once(app.config):
                return
    raise AssertionError(f"the worker still had work after {passes} passes")


def parts(message):
    """(plain text, HTML) of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def links(text, kind):
    """The links of one kind (moderate, confirm, unsubscribe) in a mail's text, as paths."""
    found = re.findall(rf"{re.escape(PUBLIC_URL)}(/mail/{kind}/[A-Za-z0-9_.\-]+)", text)
    return list(dict.fromkeys(found))


def path_of(url):
    return urlsplit(url).path


# --- Standard Webhooks ----------------------------------------------------------

def verify_webhook(secret, headers, body, now=None):
    """The payload of a call, or ValueError: the verifier the specification
    describes (webhook-id, webhook-timestamp within the tolerance, and one of
    the space-separated v1 signatures of "id.timestamp.body" under the
    base64-decoded secret, compared in constant time)."""
    message_id, timestamp = headers.get("webhook-id"), headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature", "")
    if not message_id or not timestamp or not timestamp.isdigit():
        raise ValueError("missing headers")
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise ValueError("timestamp out of tolerance")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, f"{message_id}.{timestamp}.".encode() + body,
                                         hashlib.sha256).digest()).decode()
    for signature in signatures.split():
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise ValueError("no valid signature")


class WebhookReceiver:
    """A real HTTP server that records each call (headers, body) and answers
    with the status it is told to."""

    def __init__(self):
        self.calls, self.status = [], 204
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# Fixtures of the mail tests, imported by them: the app's mail goes to a real
# SMTP server on a loopback port, and `inbox` holds what it received.
@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def settings(smtp):
    return mail_settings(smtp[1])


@pytest.fixture
def inbox(smtp):
    return smtp[0]
