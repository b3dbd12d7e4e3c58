"""Moderation endpoints: bearer-token calls that change what the public sees,
and the data requests (export, erasure) an operator must be able to answer."""

from flask import Blueprint, g

from schemas import (
    ArticlePatchSchema, ArticleStateSchema, AuditLogPageSchema, AuthorExportSchema,
    AuthorRequestSchema, BulkActionSchema, BulkResultSchema, ErasureResultSchema,
    LogArgsSchema, ModerationCommentSchema, QueueArgsSchema, QueuePageSchema, StatsSchema,
)

from ..auth import moderator_required
from ..http import load, load_args, read_cursor
from ..models import Role, Status
from ..services import moderation
from .public import article_key

bp = Blueprint("moderation", __name__)

# Ids beyond a signed 64-bit integer cannot exist; werkzeug answers them 404.
COMMENT_ID = "<int(max=9223372036854775807):comment_id>"
ACTIONS = {"approve": Status.APPROVED, "reject": Status.REJECTED, "spam": Status.SPAM}


def page_args(schema):
    """limit and the decoded cursor position of a paginated list (400 for a bad cursor)."""
    args = load_args(schema)
    args["cursor"] = read_cursor(args["cursor"]) if args["cursor"] else None
    return args


@bp.get("/comments")
@moderator_required()
def list_queue():
    """The moderation queue of one status, oldest first."""
    args = page_args(QueueArgsSchema())
    page = moderation.list_queue(args["status"], article_key=args["article_id"],
                                 limit=args["limit"], after=args["cursor"])
    return QueuePageSchema().dump(page)


@bp.get(f"/comments/{COMMENT_ID}")
@moderator_required()
def get_comment(comment_id):
    """One comment in any status, moderation view."""
    return ModerationCommentSchema().dump(moderation.get_comment(comment_id))


@bp.post(f"/comments/{COMMENT_ID}/<any(approve, reject, spam):action>")
@moderator_required()
def moderate_comment(comment_id, action):
    """Approve, reject or mark a comment as spam; idempotent."""
    comment = moderation.set_status(comment_id, ACTIONS[action], g.moderator)
    return ModerationCommentSchema().dump(comment)


@bp.delete(f"/comments/{COMMENT_ID}")
@moderator_required()
def delete_comment(comment_id):
    """Erase a comment and its personal data; its public replies stay under a placeholder."""
    moderation.delete_comment(comment_id, g.moderator)
    return "", 204


@bp.post("/bulk")
@moderator_required()
def bulk_action():
    """Approve, reject, mark as spam or delete up to 500 comments in one transaction."""
    data = load(BulkActionSchema())
    result = moderation.bulk_action(data["action"], data["ids"], g.moderator)
    return BulkResultSchema().dump(result)


@bp.get("/stats")
@moderator_required()
def stats():
    """How many comments are in each status."""
    return StatsSchema().dump(moderation.count_by_status())


@bp.get("/log")
@moderator_required()
def audit_log():
    """The audit log, newest first."""
    args = page_args(LogArgsSchema())
    page = moderation.list_log(limit=args["limit"], before=args["cursor"])
    return AuditLogPageSchema().dump(page)


@bp.patch("/articles/<path:article_id>")
@moderator_required()
def update_article(article_id):
    """Close an article to new comments, or reopen it."""
    key = article_key(article_id)
    data = load(ArticlePatchSchema())
    article = moderation.set_article_closed(key, data["closed"], g.moderator)
    return ArticleStateSchema().dump(article)


@bp.post("/authors/export")
@moderator_required()
def export_author():
    """Everything stored about one email address (a data access request)."""
    data = load(AuthorRequestSchema())
    return AuthorExportSchema().dump(moderation.export_author(data["email"]))


@bp.post("/authors/erase")
@moderator_required(role=Role.ADMIN)
def erase_author():
    """Erase every comment and personal datum of one email address (admins only)."""
    data = load(AuthorRequestSchema())
    return ErasureResultSchema().dump(moderation.erase_author(data["email"], g.moderator))
