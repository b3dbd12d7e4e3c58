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


def moderator_required(role=Role.MODERATOR):
    """Let the view run only for a valid token whose role allows it."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = bearer_token(request)
            moderator = moderators.authenticate(token) if token else None
            if moderator is None:
                raise Unauthorized()
            if role == Role.ADMIN and not moderator.is_admin:
                raise Forbidden()
            g.moderator = moderator
            return view(*args, **kwargs)

        return wrapper

    return decorator
