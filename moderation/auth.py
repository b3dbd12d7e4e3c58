"""Bearer-token authentication for the moderation API."""

from functools import wraps

from flask import g, request

from .errors import Forbidden, Unauthorized
from .models import Role
from .services import moderators


def bearer_token(req):
    """The token of an `Authorization: Bearer ...` header, or None."""
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def current_moderator():
    """The moderator whose valid token this request carries, or None. Looked
    up once per request: the failed-login limit asks before the view does."""
    if "moderator" not in g:
        token = bearer_token(request)
        g.moderator = moderators.authenticate(token) if token else None
    return g.moderator


def moderator_required(role=Role.MODERATOR):
    """Let the view run only for a valid token whose role allows it."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            moderator = current_moderator()
            if moderator is None:
                raise Unauthorized()
            if role == Role.ADMIN and not moderator.is_admin:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapper

    return decorator
