"""Cross-origin access to the API: the public endpoints for the sites that
embed the widget (ALLOWED_ORIGINS), the moderation endpoints for moderation
tools (MODERATION_ORIGINS). Unlisted origins get no CORS headers at all."""

import re
from dataclasses import dataclass

from flask import current_app, request

from .http import no_content

# scheme://host[:port], as a browser serialises an Origin header (no path, no "*").
ORIGIN_PATTERN = re.compile(r"^https?://(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$")
PREFLIGHT_MAX_AGE = "600"


@dataclass(frozen=True)
class Policy:
    """What one part of the API lets listed origins do."""

    setting: str
    methods: str
    headers: str
    exposed: str


PUBLIC = Policy("ALLOWED_ORIGINS", "GET, POST", "Content-Type", "Retry-After, ETag")
MODERATION = Policy("MODERATION_ORIGINS", "GET, POST, PATCH, DELETE",
                    "Authorization, Content-Type", "Retry-After, ETag")


def policy_for(path):
    """The policy that covers a request path, or None (pages, health, widget.js)."""
    if path.startswith("/api/v1/moderation/"):
        return MODERATION
    if path.startswith("/api/v1/articles/") or path == "/api/v1/counts":
        return PUBLIC
    return None


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
    return app.extensions["cors"][setting]


def init_cors(app):
    """Read the allowed origins once and hook the CORS handling into every request."""
    app.extensions["cors"] = {
        policy.setting: normalise_origins(app.config[policy.setting], policy.setting)
        for policy in (PUBLIC, MODERATION)
    }
    # First of all before_request hooks: a preflight carries no credentials,
    # so it must reach neither authentication nor anything else.
    app.before_request_funcs.setdefault(None, []).insert(0, answer_preflight)
    app.after_request(add_cors_headers)


def listed_origin(policy):
    """The request's Origin when the policy's setting lists it, else None."""
    # From the environ: the headers' get() raises and catches a KeyError when
    # there is none, the common case of a same-origin page.
    origin = request.environ.get("HTTP_ORIGIN")
    return origin if origin and origin in allowed_origins(current_app, policy.setting) else None


def answer_preflight():
    """Answer an OPTIONS preflight on the API at once (204), before any view runs."""
    if request.method != "OPTIONS":
        return None
    policy = policy_for(request.path)
    if (policy is None or request.routing_exception is not None
            or "Access-Control-Request-Method" not in request.headers):
        return None
    response = no_content()
    if listed_origin(policy):
        response.headers["Access-Control-Allow-Methods"] = policy.methods
        response.headers["Access-Control-Allow-Headers"] = policy.headers
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def vary_on_origin(response):
    if any(name.lower() == "vary" for name in response.headers.keys()):
        response.vary.add("Origin")
    else:  # the common case: no parsing, and no lookup that raises on a miss
        response.headers.add("Vary", "Origin")


def add_cors_headers(response):
    """Vary on Origin for every API answer; allow listed origins (never "*", never credentials)."""
    policy = policy_for(request.path)
    if policy is None:
        return response
    # The same URL answers differently per Origin: shared caches must keep
    # them apart. (Public answers are built with it: http.public_headers.)
    if not getattr(response, "headers_complete", False):
        vary_on_origin(response)
    origin = listed_origin(policy)
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method != "OPTIONS":
            # Errors (404, 422, 429) too: the widget reads their body and Retry-After.
            response.headers["Access-Control-Expose-Headers"] = policy.exposed
    return response
