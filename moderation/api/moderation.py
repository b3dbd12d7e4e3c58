"""Moderation endpoints: bearer-token calls that change what the public sees,
and the data requests (export, erasure) an operator must be able to answer."""

from flask import Blueprint, current_app, g, request

from schemas import (
    BlockArgsSchema, RulesEditSchema, RulesSchema,
    ArticlePatchSchema, ArticleStateSchema, AuditLogPageSchema, AuthorExportSchema,
    AuthorRequestSchema, BulkActionSchema, BulkResultSchema, ErasureResultSchema,
    LogArgsSchema, ModerationCommentSchema, ModeratorSchema, QueueArgsSchema, QueuePageSchema, StatsSchema,
)

from .. import limits
from ..auth import moderator_required
from ..extensions import limiter
from ..http import load, load_args, no_content, read_cursor, revalidated_response
from ..models import Role
from ..openapi import documented
from ..services import blocklist, counts, data_requests, moderation, queue
from .public import valid_article_id

bp = Blueprint("moderation", __name__)
# Each token has its own budget. Failed authentication is counted per client
# and answered 429 once spent, but a valid token is never held back by it (a
# shared address must not lock its moderator out); what stops guessing is the
# tokens' 256 random bits (services/moderators.py).
limiter.limit(limits.moderation_limit, key_func=limits.token_key)(bp)
limiter.limit(limits.auth_failure_limit, key_func=limits.client_key,
              deduct_when=limits.is_auth_failure, exempt_when=limits.is_authenticated)(bp)

# Ids beyond the id columns cannot exist: 404 (http.IdConverter).
COMMENT_ID = "<id:comment_id>"


def page_args(schema):
    """limit and the decoded cursor position of a paginated list (400 for a bad cursor)."""
    args = load_args(schema)
    args["cursor"] = read_cursor(args["cursor"]) if args["cursor"] else None
    return args


@bp.get("/me")
@documented(responses={200: ModeratorSchema}, auth=Role.MODERATOR)
@moderator_required()
def whoami():
    """The moderator this token belongs to, and their role."""
    return ModeratorSchema().dump(g.moderator)


@bp.get("/comments")
@documented(query=QueueArgsSchema, responses={200: QueuePageSchema}, auth=Role.MODERATOR, errors=(400, 404))
@moderator_required()
def list_queue():
    """The moderation queue of one status, oldest first; or one author's comments, or a comment's replies."""
    return QueuePageSchema().dump(queue.list_queue(**page_args(QueueArgsSchema())))


@bp.get(f"/comments/{COMMENT_ID}")
@documented(responses={200: ModerationCommentSchema}, auth=Role.MODERATOR)
@moderator_required()
def get_comment(comment_id):
    """One comment in any status, moderation view."""
    return ModerationCommentSchema().dump(moderation.get_comment(comment_id))


@bp.post(f"/comments/{COMMENT_ID}/<any(approve, reject, spam, requeue):action>")
@documented(query=BlockArgsSchema, responses={200: ModerationCommentSchema}, auth=Role.MODERATOR)
@moderator_required()
def moderate_comment(comment_id, action):
    """Approve, reject, mark as spam (?block=email|ip blocks its author) or put back in the queue; idempotent."""
    block = BlockArgsSchema().load({"block": request.args.getlist("block")})["block"]
    comment = moderation.set_status(comment_id, moderation.ACTION_STATUSES[action], g.moderator, block=block)
    return ModerationCommentSchema().dump(comment)


@bp.delete(f"/comments/{COMMENT_ID}")
@documented(responses={204: None}, auth=Role.MODERATOR)
@moderator_required()
def delete_comment(comment_id):
    """Erase a comment and its personal data; its public replies stay under a placeholder."""
    moderation.delete_comment(comment_id, g.moderator)
    return no_content()


@bp.post("/bulk")
@documented(request=BulkActionSchema, responses={200: BulkResultSchema}, auth=Role.MODERATOR)
@moderator_required()
def bulk_action():
    """Approve, reject, mark as spam (blocking the authors if asked), requeue or delete up to 500 comments at once."""
    data = load(BulkActionSchema())
    result = moderation.bulk_action(data["action"], data["ids"], g.moderator, block=data["block"])
    return BulkResultSchema().dump(result)


@bp.get("/stats")
@documented(responses={200: StatsSchema}, auth=Role.MODERATOR, cached=True)
@moderator_required()
def stats():
    """How many comments are in each status; an ETag lets a console poll it (304 while unchanged)."""
    return revalidated_response(StatsSchema().dump(counts.count_by_status()))


@bp.get("/log")
@documented(query=LogArgsSchema, responses={200: AuditLogPageSchema}, auth=Role.MODERATOR, errors=(400,))
@moderator_required()
def audit_log():
    """The audit log, newest first; about comments, articles or the rules only if asked."""
    return AuditLogPageSchema().dump(queue.list_log(**page_args(LogArgsSchema())))


@bp.patch("/articles/<path:article_id>")
@documented(request=ArticlePatchSchema, responses={200: ArticleStateSchema}, auth=Role.MODERATOR)
@moderator_required()
def update_article(article_id):
    """Close an article to new comments, reopen it, or set its publication date.

    Either field, or both. A moderator's close or open wins over CLOSE_AFTER_DAYS, which counts
    from the publication date, else from the article's first comment; `"closed": null` withdraws
    that decision, so the age rule decides again."""
    article_id = valid_article_id(article_id)
    data = load(ArticlePatchSchema())
    article = moderation.update_article(article_id, data, g.moderator,
                                        close_after_days=current_app.config["CLOSE_AFTER_DAYS"])
    return ArticleStateSchema().dump(article)


@bp.post("/authors/export")
@documented(request=AuthorRequestSchema, responses={200: AuthorExportSchema}, auth=Role.MODERATOR)
@moderator_required()
def export_author():
    """Everything stored about one email address (a data access request)."""
    data = load(AuthorRequestSchema())
    return AuthorExportSchema().dump(data_requests.export_author(data["email"]))


@bp.post("/authors/erase")
@documented(request=AuthorRequestSchema, responses={200: ErasureResultSchema}, auth=Role.ADMIN)
@moderator_required(role=Role.ADMIN)
def erase_author():
    """Erase every comment and personal datum of one email address (admins only)."""
    data = load(AuthorRequestSchema())
    return ErasureResultSchema().dump(data_requests.erase_author(data["email"], g.moderator))


@bp.get("/rules")
@documented(responses={200: RulesSchema}, auth=Role.MODERATOR)
@moderator_required()
def get_rules():
    """The blocklists: words, emails, domains and networks whose comments go to spam."""
    return RulesSchema().dump(blocklist.list_rules())


@bp.put("/rules")
@documented(request=RulesSchema, responses={200: RulesSchema}, auth=Role.MODERATOR)
@moderator_required()
def replace_rules():
    """Replace the blocklists named in the body; the others stay as they are.
    The audit log records which lists were replaced, not their entries."""
    data = load(RulesSchema())
    return RulesSchema().dump(moderation.replace_rules(data, g.moderator))


@bp.patch("/rules")
@documented(request=RulesEditSchema, responses={200: RulesSchema}, auth=Role.MODERATOR)
@moderator_required()
def edit_rules():
    """Add and remove single blocklist entries, leaving the rest of each list as it is.
    Removals apply first; the audit log records which lists changed, not their entries."""
    data = load(RulesEditSchema())
    return RulesSchema().dump(moderation.edit_rules(data["add"], data["remove"], g.moderator))
