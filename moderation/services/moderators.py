"""Moderator tokens: made once, stored only as a hash, checked per request."""

import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Moderator, Role, utcnow
from ..privacy import secret_digest

# 32 random bytes: far beyond guessing, even at millions of tries a second.
TOKEN_BYTES = 32
TOKEN_PREFIX = "mc_"
# Touch last_used_at at most this often, so reads do not all become writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def add_moderator(name, role=Role.MODERATOR):
    """Create a moderator and return it with its token, which is never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    moderator = Moderator(name=name, role=Role(role), token_hash=secret_digest(token))
    db.session.add(moderator)
    db.session.commit()
    return moderator, token


def list_moderators():
    """All moderators, by name."""
    return db.session.scalars(sa.select(Moderator).order_by(Moderator.name)).all()


def revoke_moderator(name):
    """Delete a moderator's token; True if there was one. Takes effect at once
    in every worker, since each request looks the token up."""
    deleted = db.session.execute(sa.delete(Moderator).where(Moderator.name == name)).rowcount
    db.session.commit()
    return bool(deleted)


def authenticate(token):
    """The moderator a bearer token belongs to, or None."""
    digest = secret_digest(token)
    moderator = db.session.scalar(sa.select(Moderator).where(Moderator.token_hash == digest))
    # The lookup is by hash, so its timing says nothing about the token;
    # compare again in constant time all the same.
    if moderator is None or not hmac.compare_digest(moderator.token_hash, digest):
        return None
    now = utcnow()
    if moderator.last_used_at is None or now - moderator.last_used_at > LAST_USED_RESOLUTION:
        moderator.last_used_at = now
        db.session.commit()
    return moderator
