"""Comment schemas, split by direction and audience: what a visitor may send,
what the public sees, what moderators see (a thread page: schemas/threads.py)."""

import functools
import re
from urllib.parse import quote, urlsplit, urlunsplit

from marshmallow import Schema, ValidationError, fields, post_dump, post_load, validate, validates

from .base import (
    SingleLineText, StrictInteger, StrictSchema, TrimmedString, UtcDateTime, find_categories, renders_blank,
)
from .bodies import BODY_DESCRIPTION, checked_body

NAME_MAX = 80
EMAIL_MAX, EMAIL_LOCAL_MAX = 254, 64
WEBSITE_MAX = 2048

# Dot-atom local part (RFC 5322 without quoted strings or comments, which no
# commenter needs) and a domain of at least two labels; Unicode letters are
# allowed in both for internationalised addresses.
_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
_LABEL = r"(?!-)[\w-]{1,63}(?<!-)"
EMAIL_PATTERN = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
# Host of a website: letters, digits, dots and hyphens (IDN as Unicode), or an IPv6 literal.
HOST_PATTERN = re.compile(r"^(?:[\w.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
# Characters percent-encoded in a website's path and query (API.md "website").
_UNSAFE_URL_CHARS = re.compile(r"[\s\"'<>`]")



def normalise_website(value):
    """An absolute http(s) URL with a host, made safe to put in an attribute."""
    if find_categories(value, {"Cc"}):
        raise ValidationError("Must not contain control characters.")
    try:
        # urlsplit refuses "http://[" and hosts that NFKC would change, and
        # .port a port beyond 65535: a 422, rather than a 500 or a dead link.
        parts = urlsplit(value)
        parts.port  # noqa: B018
    except ValueError:
        raise ValidationError("Must be an absolute http or https URL.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError("Must be an absolute http or https URL.")
    host = parts.netloc
    if not host or "@" in host or not HOST_PATTERN.match(host) or "_" in host:
        raise ValidationError("Must have a valid host.")
    path, query, fragment = (
        _UNSAFE_URL_CHARS.sub(lambda m: quote(m.group()), part)
        for part in (parts.path, parts.query, parts.fragment)
    )
    return urlunsplit((parts.scheme.lower(), host.lower(), path, query, fragment))


def validate_email(value):
    """API.md "email": one plain address, at most 254 characters, local part at most 64."""
    local, _, _domain = value.rpartition("@")
    if (len(value) > EMAIL_MAX or len(local) > EMAIL_LOCAL_MAX
            or not EMAIL_PATTERN.fullmatch(value)):
        raise ValidationError("Not a valid email address.")


class EmailAddress(SingleLineText):
    """An author's email address as a commenter gives it (trimmed, one line),
    with the same rules wherever an address comes in."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate_email, **kwargs)


class CommentCreateSchema(StrictSchema):
    """POST /api/v1/articles/{article_id}/comments."""

    name = SingleLineText(required=True, validate=validate.Length(1, NAME_MAX))
    email = EmailAddress(required=True)
    body = fields.String(required=True, metadata={"description": BODY_DESCRIPTION})
    website = TrimmedString(load_default=None, allow_none=True)
    parent_id = StrictInteger(load_default=None, allow_none=True)
    # Abuse protection (the widget fills these): the key this browser was
    # given with an earlier comment, the token of the form it was sent from,
    # and a hidden honeypot field that people leave empty.
    author_key = TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=200))
    form_token = TrimmedString(load_default=None, allow_none=True, validate=validate.Length(max=500))
    website_url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=WEBSITE_MAX))
    # "Notify me of replies by email": the address must confirm its first subscription.
    notify_replies = fields.Boolean(load_default=False, truthy={True}, falsy={False})

    def __init__(self, *, body_max_length=10_000, **kwargs):
        super().__init__(**kwargs)
        self.body_max_length = body_max_length

    @validates("name")
    def validate_name(self, value, **_):
        if "<" in value or ">" in value:
            raise ValidationError("Must not contain < or >.")
        if renders_blank(value):
            # U+3164 HANGUL FILLER and kin: a name that shows as nothing would
            # let its author pass for nobody, or for the page itself.
            raise ValidationError("Must contain a visible character.")

    @validates("website")
    def validate_website(self, value, **_):
        if value and len(value) > WEBSITE_MAX:
            raise ValidationError(f"Must be at most {WEBSITE_MAX} characters.")

    @post_load
    def normalise(self, data, **_):
        data["body"] = checked_body(data["body"], self.body_max_length)
        if data["website"]:
            try:
                data["website"] = normalise_website(data["website"])
            except ValidationError as error:
                raise ValidationError(error.messages, "website") from None
        else:
            data["website"] = None
        return data



@functools.lru_cache(maxsize=8)
def comment_create_schema(body_max_length):
    """One CommentCreateSchema per body limit: building one costs more than a
    load, and schemas keep no state between loads."""
    return CommentCreateSchema(body_max_length=body_max_length)


class AuthorSchema(Schema):
    name = fields.String(attribute="author_name")
    website = fields.String(attribute="author_website", allow_none=True)
    avatar = fields.String()


class SubmittedAuthorSchema(AuthorSchema):
    """The author in the answer to a submission: nothing derived from the
    email (API.md), or a poster could test a guessed address against a
    public commenter's avatar. The avatar appears once the comment is public."""

    avatar = fields.Function(lambda comment: None, metadata={"dumps": {"type": "null"}})


class PublicCommentSchema(Schema):
    """A comment as anyone may see it: no email, no IP, no raw body."""

    id = fields.Integer()
    article_id = fields.String()
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer()
    author = fields.Function(lambda comment: SHARED["author"].dump(comment),
                             metadata={"dumps": AuthorSchema})
    body_html = fields.String()
    created_at = UtcDateTime()
    # When its text was last edited (by its author or a moderator), or null.
    edited = UtcDateTime(attribute="edited_at", allow_none=True)


class SubmittedCommentSchema(PublicCommentSchema):
    """The answer to a submission: the public view plus the status, and for
    its author only, a new author key when none valid came with it."""

    author = fields.Function(lambda comment: SHARED["submitted_author"].dump(comment),
                             metadata={"dumps": SubmittedAuthorSchema})
    # Spam is answered as pending: a bot must not learn which rule caught it.
    status = fields.Function(lambda comment: "approved" if comment.is_approved else "pending",
                             metadata={"dumps": {"enum": ["pending", "approved"]}})
    author_key = fields.String(attribute="issued_author_key", metadata={"optional": True})
    # The secret that edits or deletes it (header X-Comment-Secret) until
    # editable_until: answered once, to the post; only its hash is stored.
    edit_secret = fields.String(metadata={"optional": True})
    editable_until = UtcDateTime()

    @post_dump
    def omit_absent_key(self, data, **_):
        for name in ("author_key", "edit_secret"):
            if data.get(name) is None:
                data.pop(name, None)
        return data


class RevisionSchema(Schema):
    """A text an edit by its author replaced."""

    body_text = fields.String()
    replaced_at = UtcDateTime()


class ModerationAuthorSchema(AuthorSchema):
    email = fields.String(attribute="author_email")


class ModerationCommentSchema(SubmittedCommentSchema):
    """The moderators' view: the public view plus every private field (but
    no author key: only its hash is stored)."""

    class Meta:
        exclude = ("author_key", "edit_secret", "editable_until")

    status = fields.String()
    author = fields.Function(lambda comment: SHARED["moderation_author"].dump(comment),
                             metadata={"dumps": ModerationAuthorSchema})
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    body_text = fields.String()
    moderation = fields.Function(
        lambda comment: {"reasons": list(comment.reasons or [])},
        metadata={"dumps": {"type": "object", "required": ["reasons"], "additionalProperties": False,
                            "properties": {"reasons": {"type": "array", "items": {"type": "string"}}}}},
    )
    moderated_at = UtcDateTime(allow_none=True)
    moderated_by = fields.String(allow_none=True)
    # The texts its author's edits replaced, oldest first (looked up only for
    # an edited comment).
    revisions = fields.Function(
        lambda comment: [SHARED["revision"].dump(each) for each in comment.revisions] if comment.edited_at else [],
        metadata={"dumps": [RevisionSchema]})


# One instance of each schema that is dumped once per comment: building a
# marshmallow schema costs more than dumping with it, and a page holds up to
# a hundred threads. Schemas keep no state between dumps.
SHARED = {
    "author": AuthorSchema(), "submitted_author": SubmittedAuthorSchema(),
    "moderation_author": ModerationAuthorSchema(), "revision": RevisionSchema(),
}
