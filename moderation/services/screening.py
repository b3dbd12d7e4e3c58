"""Runs the auto-moderation rules on a new comment: gathers the facts they
need (the blocklist and the history of the author's key, which the
submission reads in one statement; the form token) and turns their verdicts
into a status with reasons."""

import hashlib
from dataclasses import dataclass, fields
from datetime import timedelta

import sqlalchemy as sa

from .. import rules
from ..forms import form_token_problem
from ..models import Comment, utcnow
from ..wordfilter import visible_text


@dataclass(frozen=True)
class SubmissionSettings:
    """The settings a submission obeys, read from the app's config by the caller."""

    secret_key: str
    max_thread_depth: int
    duplicate_window: int
    links_hold_threshold: int
    trusted_authors_enabled: bool
    trusted_author_min_approved: int
    form_token_max_age: int
    form_min_seconds: int
    close_after_days: int | None = None

    @classmethod
    def from_config(cls, config):
        return cls(*(config[field.name.upper()] for field in fields(cls)))


@dataclass(frozen=True)
class Screening:
    status: str
    reasons: list


def screen_comment(article_id, data, email_key, body_html, client, settings, *, blocklist, key):
    """The status and reasons of a new comment, whose body the caller
    sanitised into body_html. The caller read the blocklist and the key the
    submission presented, if it was issued to its address
    (authors.presented_key_columns())."""
    facts = rules.Facts(
        blocklist=blocklist,
        author_history=key.history if key else None,
        form_problem=form_token_problem(
            data.get("form_token"), article_id, settings.secret_key,
            max_age=settings.form_token_max_age, min_seconds=settings.form_min_seconds),
    )
    submission = rules.Submission(
        name=data["name"], email_key=email_key, body_text=data["body"], link_count=body_html.count("<a "),
        client_ip=client.address, honeypot=data.get("website_url"), visible_text=visible_text(body_html),
    )
    verdicts = rules.evaluate(submission, facts, settings)
    return Screening(rules.decide(verdicts), [v.reason for v in verdicts])


def body_digest(body):
    """The key under which duplicate detection finds a body (Comment.body_digest)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


_COMMENTS = Comment.__table__


def duplicate_exists(article_pk):
    """An EXISTS for the article given (a column or a parameter): this author
    posted this very body on this article within the window. Its parameters
    are email_key, digest, since and body (duplicate_parameters())."""
    return sa.select(_COMMENTS.c.id).where(
        _COMMENTS.c.article_pk == article_pk, _COMMENTS.c.email_key == sa.bindparam("email_key"),
        _COMMENTS.c.body_digest == sa.bindparam("digest"), _COMMENTS.c.created_at >= sa.bindparam("since"),
        _COMMENTS.c.body_text == sa.bindparam("body"),
    ).exists()


def duplicate_parameters(email_key, digest, body, window_seconds):
    since = utcnow() - timedelta(seconds=window_seconds)
    return {"email_key": email_key, "digest": digest, "since": since, "body": body}
