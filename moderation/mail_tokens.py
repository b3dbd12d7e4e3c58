"""Signed tokens in the links of mails: what a link may do, for whom, until
when. Signed with the secret and a salt per purpose (as forms.py), so a
token of one purpose is worthless for another. They carry ids, never an
address: URLs end up in logs and histories."""

from dataclasses import dataclass
from datetime import UTC

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

MODERATE, CONFIRM, UNSUBSCRIBE = "moderate", "confirm", "unsubscribe"
SALTS = {purpose: f"moderation.mail.{purpose}" for purpose in (MODERATE, CONFIRM, UNSUBSCRIBE)}


class BadLink(Exception):
    """A link that cannot do what it says: "invalid" (forged, or its
    moderator or subscriber is gone), "gone" (its comment was deleted),
    "expired", or "used" (a single-use link, the second time)."""

    def __init__(self, reason, used_at=None):
        super().__init__(reason)
        self.reason, self.used_at = reason, used_at


@dataclass(frozen=True)
class ModerationLink:
    """Approve or reject one comment, as one moderator, once: the approve and
    reject links of one mail share their jti, so only one of them works."""

    comment_id: int
    moderator_id: int
    action: str
    jti: str


def issue(purpose, payload, secret):
    """A signed token of one purpose carrying payload."""
    return URLSafeTimedSerializer(secret, salt=SALTS[purpose]).dumps(payload)


def read(purpose, token, secret, max_age=None):
    """(payload, issued_at) of a token, or BadLink."""
    try:
        return URLSafeTimedSerializer(secret, salt=SALTS[purpose]).loads(
            token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise BadLink("expired") from None
    except BadSignature:
        raise BadLink("invalid") from None


def issue_moderation_link(link, secret):
    """The token of an approve or reject link."""
    return issue(MODERATE, [link.comment_id, link.moderator_id, link.action, link.jti], secret)


def read_moderation_link(token, secret, max_age):
    """The ModerationLink a token stands for, or BadLink."""
    payload, _ = read(MODERATE, token, secret, max_age)
    try:
        comment_id, moderator_id, action, jti = payload
    except (TypeError, ValueError):
        raise BadLink("invalid") from None
    if action not in ("approve", "reject") or not all(
            isinstance(value, int) for value in (comment_id, moderator_id)):
        raise BadLink("invalid")
    return ModerationLink(comment_id, moderator_id, action, jti)


def issue_confirmation(subscriber_id, secret):
    """The token of a reader's confirmation link."""
    return issue(CONFIRM, subscriber_id, secret)


def read_confirmation(token, secret, max_age):
    """(subscriber id, when the link was issued)."""
    subscriber_id, issued_at = read(CONFIRM, token, secret, max_age)
    if not isinstance(subscriber_id, int):
        raise BadLink("invalid")
    return subscriber_id, issued_at.astimezone(UTC)


def issue_unsubscribe(subscriber_id, thread_id, secret):
    """From one thread, or from everything when thread_id is None. Never
    expires: an old mail's unsubscribe link must still work (RFC 8058)."""
    return issue(UNSUBSCRIBE, [subscriber_id, thread_id], secret)


def read_unsubscribe(token, secret):
    """(subscriber id, thread id or None)."""
    payload, _ = read(UNSUBSCRIBE, token, secret)
    try:
        subscriber_id, thread_id = payload
    except (TypeError, ValueError):
        raise BadLink("invalid") from None
    if not isinstance(subscriber_id, int) or not (thread_id is None or isinstance(thread_id, int)):
        raise BadLink("invalid")
    return subscriber_id, thread_id
