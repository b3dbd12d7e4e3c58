"""Public endpoints: submit comments, read approved ones, count them."""

from flask import Blueprint, current_app, request
from marshmallow import ValidationError

from schemas import (
    CommentCreateSchema, CountsArgsSchema, SubmittedCommentSchema, ThreadArgsSchema,
    ThreadPageSchema, comment_create_schema, load_article_ids, validate_article_id,
)

from .. import limits
from ..extensions import limiter
from ..forms import issue_form_token
from ..http import ClientInfo, load, load_args, public_response, read_cursor
from ..openapi import COUNTS_BODY, FORM_TOKEN_BODY, documented
from ..services import comments, threads
from ..services.screening import SubmissionSettings

bp = Blueprint("public", __name__)
# Built once: constructing a schema costs more than using it, and schemas
# hold no per-call state.
THREAD_ARGS, SUBMITTED = ThreadArgsSchema(), SubmittedCommentSchema()
# API.md 429: posting is limited per client (shared with the no-JS form),
# reading more loosely.
limiter.shared_limit(limits.post_limit, "comment-posts", key_func=limits.client_key, methods=["POST"])(bp)
limiter.limit(limits.read_limit, key_func=limits.client_key, methods=["GET"])(bp)


def valid_article_id(article_id):
    """The article id of the URL, checked against API.md "Articles" (422 otherwise)."""
    try:
        validate_article_id(article_id)
    except ValidationError as error:
        raise ValidationError({"article_id": error.messages}) from None
    return article_id


@bp.post("/articles/<path:article_id>/comments")
@documented(request=CommentCreateSchema, errors=(403, 409),
            responses={201: SubmittedCommentSchema, 202: SubmittedCommentSchema})
def create_comment(article_id):
    """Submit a comment; it waits for moderation unless a rule approves it."""
    article_id = valid_article_id(article_id)
    schema = comment_create_schema(current_app.config["BODY_MAX_LENGTH"])
    data = load(schema)
    comment = comments.submit_comment(article_id, data, client=ClientInfo.from_request(request),
                                      settings=SubmissionSettings.from_config(current_app.config))
    return SUBMITTED.dump(comment), 201 if comment.is_approved else 202


@bp.get("/articles/<path:article_id>/comments")
@documented(query=ThreadArgsSchema, responses={200: ThreadPageSchema}, cached=True, errors=(400,))
def list_comments(article_id):
    """Approved comments of an article, threaded depth-first and paginated by thread."""
    args = load_args(THREAD_ARGS)
    return public_response(threads.thread_answer(
        valid_article_id(article_id), limit=args["limit"], order=args["order"],
        after=read_cursor(args["cursor"]) if args["cursor"] else None,
        cache=current_app.extensions["page_cache"], recent=current_app.extensions["recent_reads"],
        is_current=request.if_none_match.contains_weak, close_after_days=current_app.config["CLOSE_AFTER_DAYS"]))


@bp.get("/counts")
@documented(query=CountsArgsSchema, responses={200: COUNTS_BODY}, cached=True)
def counts():
    """Approved-comment counts for up to 100 articles."""
    article_ids = load_article_ids(request.args.getlist("article_id"))
    return public_response(threads.counts_answer(article_ids, recent=current_app.extensions["recent_reads"],
                                                 is_current=request.if_none_match.contains_weak))


@bp.get("/articles/<path:article_id>/form-token")
@documented(responses={200: FORM_TOKEN_BODY})
def form_token(article_id):
    """A signed, short-lived token for the comment form of one article (see abuse rules)."""
    token = issue_form_token(valid_article_id(article_id), current_app.config["SECRET_KEY"])
    response = current_app.json.response({"form_token": token,
                                          "expires_in": current_app.config["FORM_TOKEN_MAX_AGE"]})
    response.headers["Cache-Control"] = "no-store"
    return response
