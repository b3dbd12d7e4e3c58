"""Moderation schemas: what moderators send (strict) and what they get back,
which is the only place besides the comment's moderation view where private
fields appear."""

import ipaddress
import re

from marshmallow import (
    Schema, ValidationError, fields, post_dump, post_load, pre_load, validate, validates_schema,
)

from .base import (
    MAX_ID, Cursor, SingleLineText, StrictInteger, StrictSchema, Timestamp, UtcDateTime, validate_article_id,
)
from .comments import EmailAddress, ModerationCommentSchema
from .threads import AUTO_CLOSE, CLOSED_REASON, CLOSED_REASONS, AutoCloseSchema

STATUSES = ("pending", "approved", "rejected", "spam")
BULK_ACTIONS = ("approve", "reject", "spam", "requeue", "delete")
BULK_MAX = 500
PAGE_MAX, PAGE_DEFAULT = 100, 50


class StrictBoolean(fields.Boolean):
    """A JSON true or false; no 1, "yes" or "true" strings."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class PageArgsSchema(StrictSchema):
    """limit and cursor of a paginated moderation list. An empty value counts
    as absent (a form's blank field); a misspelt parameter is a 422 rather
    than a silently unfiltered list."""

    limit = fields.Integer(load_default=PAGE_DEFAULT, validate=validate.Range(1, PAGE_MAX))
    cursor = fields.String(load_default=None)

    @pre_load
    def drop_blank(self, data, **_):
        return {name: value for name, value in data.items() if value != ""}


def comment_id_parameter(description):
    return fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID),
                          metadata={"description": description})


class QueueArgsSchema(PageArgsSchema):
    """Query of GET /api/v1/moderation/comments: the queue of one status, or
    with author_of or parent_id, a comment's context in every status."""

    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES), metadata={
        "description": "One status only. Default: `pending`, or every status with `author_of` or `parent_id`."})
    article_id = fields.String(load_default=None, validate=validate_article_id)
    author_of = comment_id_parameter(
        "Comments by the author of this comment: the same address however it was capitalised "
        "(the address itself never travels in a URL). 404 if the comment does not exist.")
    parent_id = comment_id_parameter("Replies to this comment.")
    order = fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "newest"]), metadata={
        "description": "By id; pass the same order with a cursor."})

    @post_load
    def default_to_the_queue(self, data, **_):
        """Without a comment to give context to, the list is the pending queue."""
        if data["status"] is None and data["author_of"] is None and data["parent_id"] is None:
            data["status"] = "pending"
        return data


class LogArgsSchema(PageArgsSchema):
    """Query of GET /api/v1/moderation/log."""

    about = fields.String(load_default=None, validate=validate.OneOf(["comments", "articles", "rules"]),
                          metadata={"description": "Only the entries about comments (status changes, "
                                                   "deletions, erasures), articles (close, reopen, reset_closed, "
                                                   "set_published_at) or the blocklists (blocks, replaced "
                                                   "and edited lists)."})


BLOCKS = ("email", "ip")


class BulkActionSchema(StrictSchema):
    """POST /api/v1/moderation/bulk: one action for 1 to 500 ids; marking spam
    may also block each author's address ("email") and network ("ip")."""

    action = fields.String(required=True, validate=validate.OneOf(BULK_ACTIONS))
    ids = fields.List(
        StrictInteger(), required=True,
        validate=validate.Length(1, BULK_MAX, error=f"Give 1 to {BULK_MAX} ids."),
    )
    block = fields.List(fields.String(validate=validate.OneOf(BLOCKS)), load_default=list,
                        validate=validate.Length(max=len(BLOCKS)),
                        metadata={"description": "With `spam` only."})

    @post_load
    def collapse_duplicates(self, data, **_):
        data["ids"] = list(dict.fromkeys(data["ids"]))
        return data


class ArticlePatchSchema(StrictSchema):
    """PATCH /api/v1/moderation/articles/{article_id}: either field or both.
    closed: a moderator's close (true) or open (false), which CLOSE_AFTER_DAYS
    does not override, or null to withdraw it; published_at: when the site
    published the article, where CLOSE_AFTER_DAYS counts from (null: from its
    first comment)."""

    closed = StrictBoolean(allow_none=True, metadata={
        "description": "A moderator's close (true) or open (false), which CLOSE_AFTER_DAYS never overrides. "
                       "null withdraws either: CLOSE_AFTER_DAYS decides again."})
    published_at = Timestamp(allow_none=True, metadata={
        "description": "When the site published the article, with its offset, 1970 to 9999: CLOSE_AFTER_DAYS "
                       "counts from it. null clears it: the days count from the first comment."})

    @validates_schema
    def require_a_change(self, data, **_):
        if not data:
            raise ValidationError("Send closed, published_at or both.", "_schema")


class AuthorRequestSchema(StrictSchema):
    """POST /api/v1/moderation/authors/export and /erase: the address travels
    in the body, never in a URL (API.md)."""

    email = EmailAddress(required=True)


class QueuePageSchema(Schema):
    """A page of the moderation queue."""

    comments = fields.List(fields.Nested(ModerationCommentSchema), attribute="items")
    next_cursor = Cursor()


class AuditEntrySchema(Schema):
    """One line of the audit log: who did what to which comment, and when."""

    id = fields.Integer()
    comment_id = fields.Integer(allow_none=True)
    moderator = fields.String()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    at = UtcDateTime()


class AuditLogPageSchema(Schema):
    """A page of the audit log, newest first."""

    entries = fields.List(fields.Nested(AuditEntrySchema), attribute="items")
    next_cursor = Cursor()


class BlockedSchema(Schema):
    """Blocklist entries that marking spam added (those already listed aside):
    what undoing it would remove again."""

    emails = fields.List(fields.String())
    networks = fields.List(fields.String())


class BulkResultSchema(Schema):
    """What a bulk action did: ids acted upon, ids that do not exist, and,
    when it blocked authors, the entries it added to the blocklists."""

    updated = fields.Integer()
    missing = fields.List(fields.Integer())
    blocked = fields.Nested(BlockedSchema, metadata={"optional": True})

    @post_dump
    def omit_absent_blocks(self, data, **_):
        if data.get("blocked") is None:
            data.pop("blocked", None)
        return data


class StatsSchema(Schema):
    """Comments per status, zeros included."""

    pending = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
    spam = fields.Integer()


class ModeratorSchema(Schema):
    """Who a token belongs to: the console shows it and offers what the role allows."""

    name = fields.String()
    role = fields.String(metadata={"enum": ["moderator", "admin"]})


class ArticleStateSchema(Schema):
    """An article's moderation settings after a change."""

    article_id = fields.String()
    closed = fields.Boolean()
    closed_reason = fields.String(allow_none=True, metadata={"enum": [*CLOSED_REASONS, None],
                                                             "description": CLOSED_REASON})
    published_at = UtcDateTime(allow_none=True)
    auto_close = fields.Nested(AutoCloseSchema, allow_none=True, metadata={"description": AUTO_CLOSE})
    total = fields.Integer(attribute="approved_count")


class ReplyNotificationsSchema(Schema):
    """An address's reply notifications: when it was confirmed, and the
    comments whose replies it hears of."""

    confirmed_at = UtcDateTime(allow_none=True)
    comment_ids = fields.List(fields.Integer())


class AuthorExportSchema(Schema):
    """A data access request's answer: every comment stored under one address."""

    email = fields.String()
    comments = fields.List(fields.Nested(ModerationCommentSchema))
    author_keys_issued_at = fields.List(UtcDateTime(), attribute="author_keys")
    blocked = fields.Boolean(attribute="is_blocked")
    reply_notifications = fields.Nested(ReplyNotificationsSchema, allow_none=True)


class ErasureResultSchema(Schema):
    """How many comments an erasure deleted."""

    deleted = fields.Integer()



# Entries per blocklist, so one PUT stays a reasonable transaction.
RULES_MAX = 10_000
_DOMAIN = re.compile(r"^@?(?:(?!-)[\w-]{1,63}(?<!-)\.)*(?!-)[\w-]{1,63}(?<!-)\.?$")


def validate_network(value):
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValidationError("Not an IP address or network (e.g. 203.0.113.0/24).") from None


def validate_domain(value):
    if not _DOMAIN.match(value.strip()):
        raise ValidationError("Not a domain name (e.g. spam.example).")


def rule_list(item, data_key, attribute):
    return fields.List(item, data_key=data_key, attribute=attribute,
                       validate=validate.Length(max=RULES_MAX))


class RulesSchema(StrictSchema):
    """The blocklists (GET and PUT /api/v1/moderation/rules). A PUT replaces
    the lists it names; words are matched whole, after Unicode normalisation."""

    words = rule_list(SingleLineText(validate=validate.Length(1, 200)), "words", "word")
    emails = rule_list(EmailAddress(), "emails", "email")
    domains = rule_list(SingleLineText(validate=[validate.Length(1, 253), validate_domain]),
                        "domains", "domain")
    networks = rule_list(SingleLineText(validate=validate_network), "networks", "network")


class RulesEditSchema(StrictSchema):
    """PATCH /api/v1/moderation/rules: entries to add and to remove, the rest
    of each list untouched (so two moderators' edits do not undo each other)."""

    add = fields.Nested(RulesSchema, load_default=dict)
    remove = fields.Nested(RulesSchema, load_default=dict)


class BlockArgsSchema(Schema):
    """?block=email and/or ?block=ip on marking a comment as spam."""

    block = fields.List(fields.String(validate=validate.OneOf(BLOCKS)), load_default=list)
