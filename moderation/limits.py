"""Rate limits (API.md 429): who is counted, and how much each may do.
The limits themselves are settings (RATELIMIT_*), read per request."""

import ipaddress

from flask import current_app, request

from .auth import bearer_token, current_moderator
from .privacy import parse_ip, secret_digest


def client_key():
    """The client's address; an IPv6 client is counted by its /64, which one
    subscriber usually holds whole and could otherwise rotate through."""
    address = request.remote_addr or "unknown"
    ip = parse_ip(address)
    if ip is None:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def token_key():
    """Moderation calls are counted per token (by a hash: the token never
    reaches the limiter's storage), or per client without one."""
    token = bearer_token(request)
    if token:
        return "token:" + secret_digest(token)[:32]
    return client_key()


def post_limit():
    return current_app.config["RATELIMIT_POST"]


def read_limit():
    return current_app.config["RATELIMIT_READ"]


def moderation_limit():
    return current_app.config["RATELIMIT_MODERATION"]


def auth_failure_limit():
    return current_app.config["RATELIMIT_AUTH_FAILURES"]


def is_auth_failure(response):
    return response.status_code == 401


def is_authenticated():
    """A valid token skips the failed-login limit: anyone sharing its
    moderator's address could otherwise lock the moderator out with bad
    tokens. Failures are still counted, and refused once over the limit."""
    return current_moderator() is not None
