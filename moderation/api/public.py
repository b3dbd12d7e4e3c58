"""Public endpoints: submit comments, read approved ones, count them."""

from flask import Blueprint, current_app, request
from marshmallow import ValidationError

from schemas import (
    CommentCreateSchema, CountsArgsSchema, SubmittedCommentSchema, ThreadArgsSchema,
    ThreadPageSchema, validate_article_id,
)

from ..http import ClientInfo, load, load_args, not_modified, public_json, read_cursor
from ..services import comments

bp = Blueprint("public", __name__)


def article_key(article_id):
    """The article id of the URL, checked against API.md "Articles" (422 otherwise)."""
    try:
        validate_article_id(article_id)
    except ValidationError as error:
        raise ValidationError({"article_id": error.messages}) from None
    return article_id


@bp.post("/articles/<path:article_id>/comments")
def create_comment(article_id):
    """Submit a comment; it waits for moderation unless a rule approves it."""
    key = article_key(article_id)
    schema = CommentCreateSchema(body_max_length=current_app.config["BODY_MAX_LENGTH"])
    data = load(schema)
    comment = comments.submit_comment(key, data, client=ClientInfo.from_request(request))
    return SubmittedCommentSchema().dump(comment), 201 if comment.is_approved else 202


@bp.get("/articles/<path:article_id>/comments")
def list_comments(article_id):
    """Approved comments of an article, threaded depth-first and paginated by thread."""
    args = load_args(ThreadArgsSchema())
    after = read_cursor(args["cursor"]) if args["cursor"] else None
    article = comments.find_article_state(article_key(article_id))
    etag = f"{article.etag}.{args['order']}.{args['limit']}.{after}"
    return not_modified(etag) or public_json(
        current_app.extensions["page_cache"].get_or_build(
            (article.key, etag),
            lambda: ThreadPageSchema().dump(comments.list_thread(
                article, limit=args["limit"], after=after, order=args["order"])),
        ),
        etag,
    )


@bp.get("/counts")
def counts():
    """Approved-comment counts for up to 100 articles."""
    args = CountsArgsSchema().load({"article_id": request.args.getlist("article_id")})
    body = current_app.json.dumps({"counts": comments.count_comments(args["article_id"])})
    response = public_json(body.encode())
    return not_modified(response.get_etag()[0]) or response
