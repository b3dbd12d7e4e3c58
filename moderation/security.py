"""Headers every response carries, trust in a reverse proxy's headers, and
the size limit on request bodies however they are sent."""

from flask import request
from flask.sessions import SessionInterface
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

# API.md: JSON is data, never a document: nothing may load from it or frame it.
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"


class NoSessions(SessionInterface):
    """The service keeps no cookie session (moderators send bearer tokens,
    forms carry signed tokens), so none is opened: with a SECRET_KEY set,
    Flask would otherwise parse a session cookie on every request."""

    def open_session(self, app, request):
        return None  # Flask then hands out a NullSession, which refuses writes

    def save_session(self, app, session, response):
        pass


def init_security(app):
    """Install ProxyFix when configured, no cookie sessions, and the security headers."""
    app.session_interface = NoSessions()
    proxies = {name: app.config[f"PROXY_FIX_{name.upper()}"] for name in ("x_for", "x_proto", "x_host")}
    if any(proxies.values()):
        # Only as many hops as the deployment really has: trusting more would
        # let a client choose the IP that rate limits and anonymisation see.
        app.wsgi_app = ProxyFix(app.wsgi_app, **proxies)
    app.before_request(refuse_oversized_streams)
    app.after_request(add_security_headers)


def refuse_oversized_streams():
    """A 413 for a streamed body (Transfer-Encoding: chunked, no Content-Length)
    over MAX_CONTENT_LENGTH, as for a declared one (API.md). werkzeug stops
    reading such a body at the limit without a word: the JSON parser then took
    its first 64 KiB for all of it (a 400, or worse, a truncated body that
    still parsed). It is read here, at most the limit, and kept for the view;
    a byte beyond the limit means the body was over it."""
    if "HTTP_TRANSFER_ENCODING" not in request.environ or request.content_length is not None:
        return  # nearly every request: checked first, and cheaply
    limit = request.max_content_length
    if limit is None:
        return
    body = request.get_data(cache=True)
    # Only a server that ends the stream where the chunks end (wsgi.input_terminated)
    # hands werkzeug a body without a length, so reading past the limit here is safe.
    if len(body) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


EVERY_RESPONSE = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
JSON_RESPONSE = (*EVERY_RESPONSE, ("Content-Security-Policy", JSON_CSP))


def add_security_headers(response):
    """Add what a view did not set itself (pages set their own CSP)."""
    wanted = JSON_RESPONSE if response.status_code == 304 or response.mimetype == "application/json" \
        else EVERY_RESPONSE
    # One pass over the names present: werkzeug's lookup of a missing name
    # raises and catches a KeyError, which costs more than this whole hook.
    present = {name.lower() for name, _ in response.headers}
    response.headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    return response
