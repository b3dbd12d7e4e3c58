"""Cross-origin access to the API (Flask-CORS): the public endpoints for the
sites that embed the widget (ALLOWED_ORIGINS), the moderation endpoints for
moderation tools (MODERATION_ORIGINS). Unlisted origins get no CORS headers."""

import re

from flask import request
from flask_cors import CORS

from .compression import add_vary
from .extensions import limiter

# scheme://host[:port], as a browser serialises an Origin header (no path, no "*").
ORIGIN_PATTERN = re.compile(r"^https?://(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$")
PREFLIGHT_MAX_AGE = 600
EXPOSED = ["Retry-After", "ETag"]
PUBLIC_PATHS = (r"/api/v1/articles/.*", r"/api/v1/counts", r"/api/v1/preview")
MODERATION_PATHS = r"/api/v1/moderation/.*"


def normalise_origins(value, setting):
    """A setting's origins as browsers send them; a malformed entry stops startup."""
    if isinstance(value, str):  # FLASK_X="https://a.example https://b.example" (not JSON)
        value = value.replace(",", " ").split()
    origins = set()
    for entry in value or ():
        origin = str(entry).strip().rstrip("/").lower()
        if not ORIGIN_PATTERN.match(origin):
            # "*" or a path would either open the API to every site or never match.
            raise ValueError(f"{setting}: {entry!r} is not an origin like https://news.example")
        origins.add(origin)
    return frozenset(origins)


def allowed_origins(app, setting):
    """The normalised origins of ALLOWED_ORIGINS or MODERATION_ORIGINS."""
    return app.extensions["origins"][setting]


def init_cors(app):
    """Check the allowed origins once, then let Flask-CORS answer preflights and
    add the headers; never "*", never credentials."""
    app.extensions["origins"] = {setting: normalise_origins(app.config[setting], setting)
                                 for setting in ("ALLOWED_ORIGINS", "MODERATION_ORIGINS")}
    # PATCH and DELETE, with X-Comment-Secret: an author's edits of their own comments.
    public = resource(allowed_origins(app, "ALLOWED_ORIGINS"), ["GET", "POST", "PATCH", "DELETE"],
                      ["Content-Type", "X-Comment-Secret"])
    moderation = resource(allowed_origins(app, "MODERATION_ORIGINS"),
                          ["GET", "POST", "PUT", "PATCH", "DELETE"], ["Authorization", "Content-Type"])
    app.after_request(vary_on_origin)  # runs after Flask-CORS's hook (Flask runs them in reverse)
    CORS(app, resources={**dict.fromkeys(PUBLIC_PATHS, public), MODERATION_PATHS: moderation},
         always_send=False, supports_credentials=False, send_wildcard=False)


def resource(origins, methods, headers):
    # Flask-CORS reads an origin holding "[" (IPv6) as a regular expression:
    # each origin goes as an exact, escaped pattern instead.
    return {"origins": [re.compile(re.escape(origin) + r"\Z", re.IGNORECASE) for origin in sorted(origins)],
            "methods": methods, "allow_headers": headers, "expose_headers": EXPOSED,
            "max_age": PREFLIGHT_MAX_AGE}


def vary_on_origin(response):
    """The same API URL answers differently per Origin, so shared caches must
    keep them apart, also when this request sent none."""
    if request.path.startswith("/api/v1/"):
        add_vary(response.headers, "Origin")
    return response


@limiter.request_filter
def is_preflight():
    """A preflight carries no credentials and costs nothing: no rate limit counts it."""
    return request.method == "OPTIONS"
