"""Comment schemas, split by direction and audience: what a visitor may send,
what the public sees, what moderators see."""

import functools
import re
from urllib.parse import quote, urlsplit, urlunsplit

from marshmallow import (
    EXCLUDE, Schema, ValidationError, fields, post_dump, post_load, validate, validates,
)

from .base import (
    Cursor, SingleLineText, StrictInteger, StrictSchema, TrimmedString, UtcDateTime,
    find_categories, has_surrogate, renders_blank, validate_article_id,
)

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
# Body characters refused rather than dropped: C0 and C1 controls but TAB and LF.
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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
    body = fields.String(required=True)
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
        data["body"] = self.clean_body(data["body"])
        if data["website"]:
            try:
                data["website"] = normalise_website(data["website"])
            except ValidationError as error:
                raise ValidationError(error.messages, "website") from None
        else:
            data["website"] = None
        return data

    def clean_body(self, body):
        """Unify line ends, refuse control characters, trim, check the length."""
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        if _BODY_CONTROLS.search(body) or has_surrogate(body):
            raise ValidationError("Must not contain control characters.", "body")
        body = body.strip()
        if not 1 <= len(body) <= self.body_max_length:
            raise ValidationError(f"Must be 1 to {self.body_max_length} characters.", "body")
        return body


@functools.lru_cache(maxsize=8)
def comment_create_schema(body_max_length):
    """One CommentCreateSchema per body limit: building one costs more than a
    load, and schemas keep no state between loads."""
    return CommentCreateSchema(body_max_length=body_max_length)


class ThreadArgsSchema(Schema):
    """Query of GET /api/v1/articles/{article_id}/comments."""

    class Meta:
        unknown = EXCLUDE  # cache-busting parameters are harmless

    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))
    cursor = fields.String(load_default=None)
    order = fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "newest"]))


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


class SubmittedCommentSchema(PublicCommentSchema):
    """The answer to a submission: the public view plus the status, and for
    its author only, a new author key when none valid came with it."""

    author = fields.Function(lambda comment: SHARED["submitted_author"].dump(comment),
                             metadata={"dumps": SubmittedAuthorSchema})
    # Spam is answered as pending: a bot must not learn which rule caught it.
    status = fields.Function(lambda comment: "approved" if comment.is_approved else "pending",
                             metadata={"dumps": {"enum": ["pending", "approved"]}})
    author_key = fields.String(attribute="issued_author_key", metadata={"optional": True})

    @post_dump
    def omit_absent_key(self, data, **_):
        if data.get("author_key") is None:
            data.pop("author_key", None)
        return data


class ModerationAuthorSchema(AuthorSchema):
    email = fields.String(attribute="author_email")


class ModerationCommentSchema(SubmittedCommentSchema):
    """The moderators' view: the public view plus every private field (but
    no author key: only its hash is stored)."""

    class Meta:
        exclude = ("author_key",)

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


COUNTS_MAX = 100


class CountsArgsSchema(Schema):
    """Query of GET /api/v1/counts: 1 to 100 article ids."""

    class Meta:
        unknown = EXCLUDE

    article_id = fields.List(
        fields.String(validate=validate_article_id), required=True,
        validate=validate.Length(1, COUNTS_MAX, error=f"Give 1 to {COUNTS_MAX} article ids."),
    )


COUNTS_ARGS = CountsArgsSchema()


def load_article_ids(values):
    """The article ids of a counts query, as CountsArgsSchema loads them.
    The ids are checked directly and the schema runs only to word the errors:
    for 20 ids, marshmallow's list handling cost more than the query."""
    if 1 <= len(values) <= COUNTS_MAX:
        try:
            for value in values:
                validate_article_id(value)
        except ValidationError:
            pass
        else:
            return values
    return COUNTS_ARGS.load({"article_id": values})["article_id"]


class PlaceholderSchema(Schema):
    """Where a comment that is no longer public still has public replies."""

    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer()
    deleted = fields.Boolean()


def dump_listed(comment):
    return SHARED["placeholder" if getattr(comment, "deleted", False) else "public"].dump(comment)


CLOSED_REASONS = ("moderator", "age")
CLOSED_REASON = "Why the article is closed: a moderator closed it, or CLOSE_AFTER_DAYS did; null while it is open."
AUTO_CLOSE = ("CLOSE_AFTER_DAYS as it applies to this article; null when the setting is off, when a "
              "moderator closed or reopened the article, or while there is no date to count from.")


class AutoCloseSchema(Schema):
    """CLOSE_AFTER_DAYS as it applies to one article: after how many days,
    counted from its publication date or its first comment, and when."""

    after_days = fields.Integer()
    counted_from = fields.String(metadata={"enum": ["published_at", "first_comment"]})
    closes_at = UtcDateTime()


class ThreadPageSchema(Schema):
    """A page of an article's approved comments."""

    article_id = fields.String()
    closed = fields.Boolean()
    closed_reason = fields.String(allow_none=True, metadata={"enum": [*CLOSED_REASONS, None],
                                                             "description": CLOSED_REASON})
    auto_close = fields.Nested(AutoCloseSchema, allow_none=True, metadata={"description": AUTO_CLOSE})
    total = fields.Integer()
    comments = fields.Function(lambda page: [dump_listed(comment) for comment in page.comments],
                               metadata={"dumps": [(PublicCommentSchema, PlaceholderSchema)]})
    next_cursor = Cursor()


# One instance of each schema that is dumped once per comment: building a
# marshmallow schema costs more than dumping with it, and a page holds up to
# a hundred threads. Schemas keep no state between dumps.
SHARED = {
    "author": AuthorSchema(), "submitted_author": SubmittedAuthorSchema(),
    "moderation_author": ModerationAuthorSchema(),
    "public": PublicCommentSchema(), "placeholder": PlaceholderSchema(),
}
