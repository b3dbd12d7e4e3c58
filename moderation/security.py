"""Headers every response carries, and trust in a reverse proxy's headers."""

from flask.sessions import SessionInterface
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
    app.after_request(add_security_headers)


EVERY_RESPONSE = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
JSON_RESPONSE = (*EVERY_RESPONSE, ("Content-Security-Policy", JSON_CSP))


def add_security_headers(response):
    """Add what a view did not set itself (pages set their own CSP)."""
    wanted = JSON_RESPONSE if response.status_code == 304 or response.mimetype == "application/json" \
        else EVERY_RESPONSE
    for name, value in wanted:
        response.headers.setdefault(name, value)
    return response
