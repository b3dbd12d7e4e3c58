"""Runs the auto-moderation rules on a new comment: gathers the facts they
need (the blocklist, the duplicate check and the author's history, which the
submission reads with its article; the form token) and turns their verdicts
into a status with reasons."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .. import rules
from ..forms import form_token_problem
from ..models import Comment, utcnow
from ..wordfilter import visible_text

SETTINGS = ("LINKS_HOLD_THRESHOLD", "TRUSTED_AUTHORS_ENABLED", "TRUSTED_AUTHOR_MIN_APPROVED")


@dataclass(frozen=True)
class Screening:
    status: str
    reasons: list
    has_valid_author_key: bool


def screen_comment(article, data, email_key, body_html, client, *, blocklist, author_history):
    """The status and reasons of a new comment, whose body the caller
    sanitised into body_html. The caller read the blocklist and the author's
    history with the article (authors.history_columns()): author_history is
    None unless the submission presents a key issued to its address."""
    config = current_app.config
    facts = rules.Facts(
        blocklist=blocklist,
        author_history=author_history,
        form_problem=form_token_problem(
            data.get("form_token"), article.key, config["SECRET_KEY"],
            max_age=config["FORM_TOKEN_MAX_AGE"], min_seconds=config["FORM_MIN_SECONDS"]),
    )
    submission = rules.Submission(
        name=data["name"], email_key=email_key, body_text=data["body"], link_count=body_html.count("<a "),
        client_ip=client.address, honeypot=data.get("website_url"), visible_text=visible_text(body_html),
    )
    verdicts = rules.evaluate(submission, facts, {name: config[name] for name in SETTINGS})
    return Screening(rules.decide(verdicts), [v.reason for v in verdicts], author_history is not None)


def body_digest(body):
    """The key under which duplicate detection finds a body (Comment.body_digest)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


_COMMENTS = Comment.__table__


def duplicate_exists(article_id):
    """An EXISTS for the article id given (a column or a parameter): this
    author posted this very body on this article within the window. Its
    parameters are email_key, digest, since and body (duplicate_parameters())."""
    return sa.select(_COMMENTS.c.id).where(
        _COMMENTS.c.article_id == article_id, _COMMENTS.c.email_key == sa.bindparam("email_key"),
        _COMMENTS.c.body_digest == sa.bindparam("digest"), _COMMENTS.c.created_at >= sa.bindparam("since"),
        _COMMENTS.c.body_text == sa.bindparam("body"),
    ).exists()


def duplicate_parameters(email_key, digest, body):
    since = utcnow() - timedelta(seconds=current_app.config["DUPLICATE_WINDOW"])
    return {"email_key": email_key, "digest": digest, "since": since, "body": body}
