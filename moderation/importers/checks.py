"""The rules of a live comment, applied to an imported one: the same field
validation and the same sanitiser. What fails is cleared (website, address)
or skips the comment (name, body), each with its reason; nothing raises."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from marshmallow import ValidationError

from schemas.comments import CommentCreateSchema, normalise_website

from .. import sanitize
from ..models import Status
from ..privacy import EMAIL_KEY_MAX, anonymise_ip, avatar_key, normalise_email
from ..services.screening import body_digest

# The live submission's own schema: its fields and checks, one at a time.
_LIVE = CommentCreateSchema()
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_AVATAR = re.compile(r"[0-9a-f]{16}")
USER_AGENT_MAX = 512

# Reasons, as the summary prints them.
SKIP_NAME, SKIP_EMPTY, SKIP_LONG, SKIP_DATE = "invalid name", "empty body", "body too long", "no valid date"
CLEARED_EMAIL, CLEARED_WEBSITE, NO_EMAIL = "address cleared (invalid)", "website cleared (invalid)", "without an address"
ANONYMOUS = "Anonymous"
NO_NAME = f"without a name (shown as {ANONYMOUS})"


@dataclass
class Checked:
    """A record that passed: the columns it is stored with, and what was changed on the way."""

    columns: dict
    notes: list = field(default_factory=list)


def check_record(record, *, secret_key, body_max_length):
    """(Checked, None), or (None, the reason it is skipped)."""
    if not isinstance(record.created_at, datetime):
        return None, SKIP_DATE
    body = _CONTROLS.sub("", (record.body or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not body:
        return None, SKIP_EMPTY
    if len(body) > body_max_length:
        return None, SKIP_LONG
    notes = []
    if not (record.name or "").strip():
        # WordPress and Isso take comments without a name and show them so.
        notes.append(NO_NAME)
    try:
        name = _LIVE.fields["name"].deserialize((record.name or "").strip() or ANONYMOUS)
        _LIVE.validate_name(name)
    except ValidationError:
        return None, SKIP_NAME
    email, website = checked_email(record.email, notes), checked_website(record.website, notes)
    if email:
        avatar = avatar_key(email, secret_key)
    elif record.avatar and _AVATAR.fullmatch(record.avatar):
        avatar = record.avatar  # our own export without addresses: the key it had
    else:
        # No address: a key of the name, so that one author keeps one picture
        # (a name with a space can never be an address).
        avatar = avatar_key(f"name {name}", secret_key)
    agent = _CONTROLS.sub("", record.user_agent or "")[:USER_AGENT_MAX] or None
    return Checked({
        "status": record.status or Status.PENDING, "author_name": name,
        "author_email": email, "email_key": normalise_email(email), "author_website": website,
        "avatar": avatar, "body_text": body, "body_html": sanitize.render_body(body),
        "body_digest": body_digest(body), "ip": anonymise_ip(record.ip), "user_agent": agent,
        "created_at": record.created_at, "updated_at": record.created_at, "reasons": [],
    }, notes), None


def checked_email(value, notes):
    """The address as a live comment would keep it, or "" (with a note)."""
    if not (value or "").strip():
        notes.append(NO_EMAIL)
        return ""
    try:
        email = _LIVE.fields["email"].deserialize(value)
        if len(normalise_email(email)) > EMAIL_KEY_MAX:
            raise ValidationError("too long once normalised")
        return email
    except ValidationError:
        notes += [CLEARED_EMAIL, NO_EMAIL]
        return ""


def checked_website(value, notes):
    """The website normalised as a live comment's, or None (with a note if one was given)."""
    if not (value or "").strip():
        return None
    try:
        website = _LIVE.fields["website"].deserialize(value)
        _LIVE.validate_website(website)
        return normalise_website(website)
    except ValidationError:
        notes.append(CLEARED_WEBSITE)
        return None
