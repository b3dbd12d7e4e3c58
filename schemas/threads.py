"""Reading schemas: the query of an article's thread and of the counts, and
the thread page the public sees."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from .base import Cursor, UtcDateTime, validate_article_id
from .comments import PublicCommentSchema


class ThreadArgsSchema(Schema):
    """Query of GET /api/v1/articles/{article_id}/comments."""

    class Meta:
        unknown = EXCLUDE  # cache-busting parameters are harmless

    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))
    cursor = fields.String(load_default=None)
    order = fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "newest"]))


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
    return (PLACEHOLDER if getattr(comment, "deleted", False) else PUBLIC).dump(comment)


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


# Built once, used for every comment of a page: building a marshmallow schema
# costs more than dumping with it. Schemas keep no state between dumps.
PUBLIC, PLACEHOLDER = PublicCommentSchema(), PlaceholderSchema()
