"""Runs the auto-moderation rules on a new comment: looks up the facts they
need (blocklist, duplicates, the author's history, the form token) and
turns their verdicts into a status with reasons."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .. import rules
from ..errors import Duplicate
from ..extensions import db
from ..forms import form_token_problem
from ..models import Comment, utcnow
from . import authors, blocklist

SETTINGS = ("LINKS_HOLD_THRESHOLD", "TRUSTED_AUTHORS_ENABLED", "TRUSTED_AUTHOR_MIN_APPROVED")


@dataclass(frozen=True)
class Screening:
    status: str
    reasons: list
    has_valid_author_key: bool


def screen_comment(article, data, email_key, digest, link_count, client):
    """The status and reasons of a new comment; Duplicate if it was posted already."""
    config = current_app.config
    has_key = authors.is_valid_key(data.get("author_key"), email_key)
    facts = rules.Facts(
        blocklist=blocklist.load_blocklist(),
        is_duplicate=is_duplicate(article.id, email_key, digest, data["body"]),
        author_history=authors.author_history(email_key) if has_key else None,
        form_problem=form_token_problem(
            data.get("form_token"), article.key, config["SECRET_KEY"],
            max_age=config["FORM_TOKEN_MAX_AGE"], min_seconds=config["FORM_MIN_SECONDS"]),
    )
    submission = rules.Submission(
        name=data["name"], email_key=email_key, body_text=data["body"], link_count=link_count,
        client_ip=client.address, honeypot=data.get("website_url"),
    )
    verdicts = rules.evaluate(submission, facts, {name: config[name] for name in SETTINGS})
    if any(verdict.action == rules.REFUSE for verdict in verdicts):
        raise Duplicate()
    return Screening(rules.decide(verdicts), [v.reason for v in verdicts], has_key)


def body_digest(body):
    """The key under which duplicate detection finds a body (Comment.body_digest)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


_COMMENTS = Comment.__table__
_SAME_BODY = sa.select(_COMMENTS.c.id).where(
    _COMMENTS.c.article_id == sa.bindparam("article_id"), _COMMENTS.c.email_key == sa.bindparam("email_key"),
    _COMMENTS.c.body_digest == sa.bindparam("digest"), _COMMENTS.c.created_at >= sa.bindparam("since"),
    _COMMENTS.c.body_text == sa.bindparam("body"),
).limit(1)


def is_duplicate(article_id, email_key, digest, body):
    """Whether this author posted this very body on this article within the window."""
    since = utcnow() - timedelta(seconds=current_app.config["DUPLICATE_WINDOW"])
    return db.session.connection().execute(_SAME_BODY, {
        "article_id": article_id, "email_key": email_key, "digest": digest, "since": since, "body": body,
    }).first() is not None
