"""Rate limits (API.md 429): who is counted, and how much each may do.
The limits themselves are settings (RATELIMIT_*), read per request."""

import ipaddress
from functools import lru_cache

from flask import current_app, request

from .auth import bearer_token, current_moderator
from .privacy import keyed_digest, parse_ip

# Hex characters of a key's digest, 128 bits: no two clients or tokens share
# a count by chance.
DIGEST_LENGTH = 32


def client_key():
    """The client, by a keyed hash of its address: the counters (kept a day
    in Redis for a daily limit) never hold an address."""
    return client_digest(request.remote_addr, current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4096)
def client_digest(address, secret):
    """Cached: the limiter asks once per limit of every request, and parsing
    an address costs more than the hash. An IPv6 client is counted by its
    /64, which one subscriber usually holds whole and could otherwise rotate
    through, and a tunnelled one (6to4, Teredo) by the IPv4 address it carries."""
    ip = parse_ip(address)
    if ip is None:
        counted = address or "unknown"
    elif ip.version == 6:
        counted = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    else:
        counted = str(ip)
    return "client:" + keyed_digest("rate limit client", counted, secret)[:DIGEST_LENGTH]


def token_key():
    """Moderation calls are counted per token, by a keyed hash that neither
    reveals the token nor matches its hash in the database; or per client
    without one."""
    token = bearer_token(request)
    if token:
        return "token:" + keyed_digest("rate limit token", token, current_app.config["SECRET_KEY"])[:DIGEST_LENGTH]
    return client_key()


def post_limit():
    return current_app.config["RATELIMIT_POST"]


def preview_limit():
    return current_app.config["RATELIMIT_PREVIEW"]


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
