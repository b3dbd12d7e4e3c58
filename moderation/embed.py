"""The widget's no-JavaScript fallback, /embed/{article_id}: a server-rendered
page of approved comments with a plain form that posts back to this origin,
guarded by the signed form token and an Origin check (Post/Redirect/Get)."""

import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from marshmallow import ValidationError

from schemas import ThreadPageSchema, comment_create_schema

from . import limits
from .api.public import valid_article_id
from .cors import allowed_origins
from .errors import HTTP_MESSAGES, APIError, ValidationFailed, handle_rate_limited, retry_after
from .extensions import limiter
from .forms import form_token_problem, issue_form_token
from .http import ClientInfo, read_cursor
from .openapi import HTML, documented
from .services import comments, threads
from .services.screening import SubmissionSettings

bp = Blueprint("embed", __name__)
# The same budget as the JSON API's posts (one shared count per client), and its reads.
limiter.shared_limit(limits.post_limit, "comment-posts", key_func=limits.client_key, methods=["POST"])(bp)
limiter.limit(limits.read_limit, key_func=limits.client_key, methods=["GET"])(bp)

ROUTE = "/embed/<path:article_id>"
# What the form sends, under the API's names; website_url is the honeypot.
FORM_FIELDS = ("name", "email", "website", "body", "parent_id", "form_token", "website_url", "notify_replies")
# The page runs no script and loads nothing; only the listed sites may frame it.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
       "frame-ancestors 'self'{ancestors}; base-uri 'none'; script-src 'none'")
EXPIRED = "This form has expired. Please send it again."
UNVERIFIED = "This form could not be verified. Please send it again."


class FormRefused(Exception):
    """A form post that is not ours to accept: foreign origin, bad or old token."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


@bp.get(ROUTE)
@documented(responses={200: HTML}, errors=(400, 429))
def show_thread(article_id):
    """Approved comments of an article and a form to add one, with no JavaScript."""
    article_id = valid_article_id(article_id)
    return render_page(article_id, values={"parent_id": request.args.get("reply_to", "")},
                       is_posted=request.args.get("posted") == "1")


@bp.post(ROUTE)
@documented(form=FORM_FIELDS, responses={303: None, 400: HTML, 403: HTML, 409: HTML, 422: HTML, 429: HTML})
def post_comment(article_id):
    """Store a comment sent by the plain form, then redirect to the page (303)."""
    article_id = valid_article_id(article_id)
    try:
        check_origin(request)
        check_form_token(request.form.get("form_token"), article_id)
        schema = comment_create_schema(current_app.config["BODY_MAX_LENGTH"])
        data = schema.load(form_fields(request.form))
        comment = comments.submit_comment(article_id, data, client=ClientInfo.from_request(request),
                                          settings=SubmissionSettings.from_config(current_app.config))
    except (FormRefused, ValidationError, APIError) as error:
        return render_page(article_id, values=request.form, error=error)
    if comment.is_approved:
        return redirect(url_for(".show_thread", article_id=article_id, _anchor=f"c{comment.id}"), 303)
    return redirect(url_for(".show_thread", article_id=article_id, posted=1), 303)


@bp.errorhandler(429)
def too_many_posts(error):
    """A person over the posting limit gets the page back, with what they typed;
    reads over their limit get the JSON envelope. Both carry Retry-After."""
    try:
        article_id = valid_article_id((request.view_args or {}).get("article_id"))
    except ValidationError:
        article_id = None
    if request.method != "POST" or article_id is None:
        return handle_rate_limited(error)
    html, status, headers = render_page(article_id, values=request.form, error=FormRefused(429, HTTP_MESSAGES[429]))
    return html, status, {**headers, **retry_after()}


def check_form_token(token, article_id):
    """Refuse a missing, forged, expired or other article's token: nothing is stored.
    (A form sent too fast is the rules' business: the token goes on with the comment.)"""
    config = current_app.config
    problem = form_token_problem(token, article_id, config["SECRET_KEY"],
                                 max_age=config["FORM_TOKEN_MAX_AGE"], min_seconds=0)
    if problem:
        raise FormRefused(400, EXPIRED if problem == "expired" else UNVERIFIED)


def origin_of(url):
    """scheme://host[:port] of a URL, as an Origin header would name it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def check_origin(req):
    """A browser names the page a form came from: it must be one of ours, so no
    other site can make its visitors post here (the token alone is public)."""
    own = f"{req.scheme}://{req.host}".lower()
    sender = req.headers.get("Origin") or (origin_of(req.referrer) if req.referrer else None)
    if sender is not None and sender.lower() != own:
        raise FormRefused(403, "Comments can only be sent from this site's own comment form.")


def form_fields(form):
    """The form's fields as the JSON API would get them (other fields are ignored)."""
    data = {name: form[name] for name in FORM_FIELDS if name in form}
    data["notify_replies"] = "notify_replies" in data  # a ticked checkbox is sent, an unticked one is not
    parent_id = data.pop("parent_id", "").strip()
    if parent_id:
        # Digits become the integer JSON would carry; anything else gets the API's message.
        data["parent_id"] = int(parent_id) if parent_id.isascii() and parent_id.isdigit() else parent_id
    return data


def refusal(error):
    """Status, summary and per-field messages of a refused post, as the API words them."""
    if isinstance(error, ValidationError):
        fields = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return 422, ValidationFailed.message, fields
    return error.status, error.message, getattr(error, "fields", None) or {}


def render_page(article_id, *, values, error=None, is_posted=False):
    """The page itself, with a fresh form token; a refused post keeps what was typed."""
    cursor = request.args.get("cursor")
    after = read_cursor(cursor) if cursor else None
    with threads.lone_reads() as connection:
        state = threads.read_article_state(connection, article_id,
                                           close_after_days=current_app.config["CLOSE_AFTER_DAYS"])
        page = ThreadPageSchema().dump(threads.list_thread(
            connection, state, limit=current_app.config["EMBED_PAGE_LIMIT"], after=after))
    status, summary, fields = refusal(error) if error else (200, None, {})
    if error and page["closed"]:
        status = 403  # no form to show messages beside: the article is closed
    html = render_template(
        "embed.html", article_id=article_id, page=page, cursor=cursor, values=values, summary=summary,
        messages={name: " ".join(map(str, texts)) for name, texts in fields.items()},
        reply_to=find_reply_target(page["comments"], values.get("parent_id")),
        form_token=issue_form_token(article_id, current_app.config["SECRET_KEY"]),
        is_posted=is_posted, identicon=identicon_path,
    )
    return html, status, page_headers()


def find_reply_target(listed, parent_id):
    """The listed, public comment that parent_id names, or None."""
    text = str(parent_id or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    return next((c for c in listed if c["id"] == int(text) and not c.get("deleted")), None)


def page_headers():
    """CSP (framing by ALLOWED_ORIGINS only), referrer and cache policy of the page."""
    ancestors = "".join(f" {origin}" for origin in sorted(allowed_origins(current_app, "ALLOWED_ORIGINS")))
    return {
        "Content-Security-Policy": CSP.format(ancestors=ancestors),
        # Our own form posts must carry our Origin (no-referrer would send "null").
        "Referrer-Policy": "same-origin",
        # A page holds a form token and, after a refused post, what the visitor typed.
        "Cache-Control": "no-store",
    }


def identicon_path(avatar):
    """The widget's identicon (widget.js identicon()) as an SVG path and hue, from author.avatar."""
    key = avatar if re.fullmatch(r"[0-9a-f]{16}", avatar or "", re.I) else "0" * 16
    cells, hue = int(key[:4], 16), int(key[4:8], 16) % 360
    path = "".join(f"M{i // 5} {i % 5}h1v1h-1zM{4 - i // 5} {i % 5}h1v1h-1z"
                   for i in range(15) if cells & (1 << i))
    return path, hue
