"""Submitting comments: the checks, the rules and the one transaction that
stores a new comment."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa

from .. import rules, sanitize
from ..errors import APIError, CommentsClosed, Duplicate, ValidationFailed
from ..extensions import db
from ..metrics import count_submission
from ..sql import get_or_insert
from ..models import PATH_SEGMENT, Article, Comment, Status, utcnow
from ..privacy import EMAIL_KEY_MAX, avatar_key, normalise_email, secret_digest
from . import authors, blocklist, closing, outbox, subscriptions
from .counts import StatusShifts
from .screening import body_digest, duplicate_exists, duplicate_parameters, screen_comment
from .threads import path_ids


def submit_comment(article_id, data, *, client, settings):
    """Store a new comment: pending, unless the rules approve it or send it to spam."""
    try:
        comment = store_comment(article_id, data, client, settings)
    except Exception as error:
        # A refused comment leaves nothing behind (not even its article row)
        # and releases SQLite's write lock at once.
        db.session.rollback()
        if isinstance(error, APIError):
            count_submission(None)
        raise
    count_submission(comment.status)
    return comment


@dataclass
class SubmittedComment:
    """A comment as stored by a submission: what its answer shows."""

    id: int
    article_id: str
    parent_id: int | None
    depth: int
    status: Status
    author_name: str
    author_website: str | None
    avatar: str
    body_html: str
    created_at: datetime
    # The new author key, answered once to its author (stored hashed).
    issued_author_key: str | None = None
    # The secret that lets its author edit or delete it until editable_until,
    # answered once (stored hashed); None in answers to later requests.
    edit_secret: str | None = None
    editable_until: datetime | None = None
    edited_at: datetime | None = None

    @property
    def is_approved(self):
        return self.status == Status.APPROVED


# The edit secret: 256 random bits, far beyond guessing.
EDIT_SECRET_BYTES = 32
_COMMENTS, _ARTICLES = Comment.__table__, Article.__table__
_INSERT_COMMENT = sa.insert(_COMMENTS).returning(_COMMENTS.c.id)
_PLACE_COMMENT = sa.update(_COMMENTS).where(_COMMENTS.c.id == sa.bindparam("comment_id")).values(
    path=sa.bindparam("new_path"), thread_id=sa.bindparam("new_thread_id"))
# In SQL, not Python: a moderator approving another comment of the same
# article at the same moment must not lose an increment.
_COUNT_APPROVED = sa.update(_ARTICLES).where(_ARTICLES.c.id == sa.bindparam("article_pk")).values(
    approved_count=_ARTICLES.c.approved_count + 1, version=_ARTICLES.c.version + 1)


def store_comment(article_id, data, client, settings):
    email_key = normalise_email(data["email"])
    if len(email_key) > EMAIL_KEY_MAX:  # case-folding lengthens some addresses (ß, ﬃ)
        raise ValidationFailed(fields={"email": [f"Must be at most {EMAIL_KEY_MAX} characters once normalised."]})
    digest = body_digest(data["body"])
    now = utcnow()
    article_pk, *state = lock_article_row(article_id, first_comment_at=now)
    facts = read_submission_facts(article_pk, email_key, digest, data, settings)
    # The refusals first: they cost nothing, and sanitising costs the most.
    if closing.closure(*state, after_days=settings.close_after_days, now=now).is_closed:
        raise CommentsClosed()
    if facts.is_duplicate:
        raise Duplicate()
    body_html = sanitize.render_body(data["body"])
    parent_path = reply_position(data.get("parent_id"), facts.parent_path, settings.max_thread_depth)
    screening = screen_comment(article_id, data, email_key, body_html, client, settings,
                               blocklist=facts.blocklist, key=facts.key)
    comment = SubmittedComment(
        id=0, article_id=article_id, parent_id=path_ids(parent_path)[-1] if parent_path else None,
        depth=len(parent_path) // PATH_SEGMENT, status=screening.status, author_name=data["name"],
        author_website=data["website"], avatar=avatar_key(data["email"], settings.secret_key),
        body_html=body_html, created_at=now, edit_secret=secrets.token_urlsafe(EDIT_SECRET_BYTES),
        editable_until=now + timedelta(seconds=settings.edit_window))
    key_id = facts.key.id if facts.key else None
    if key_id is None and settings.trusted_authors_enabled:
        # A key only where it can earn trust: otherwise it is one more trace of the address.
        comment.issued_author_key, key_id = authors.issue_author_key(email_key)
    connection = db.session.connection()
    comment.id = connection.execute(_INSERT_COMMENT, {
        "article_pk": article_pk, "parent_id": comment.parent_id, "depth": comment.depth,
        "status": comment.status, "reasons": screening.reasons,
        "author_name": comment.author_name, "author_email": data["email"], "email_key": email_key,
        "author_website": comment.author_website, "avatar": comment.avatar, "author_key_id": key_id,
        "body_text": data["body"], "body_html": body_html, "body_digest": digest,
        "ip": client.ip, "user_agent": client.user_agent, "created_at": now, "updated_at": now,
        "edit_secret_hash": secret_digest(comment.edit_secret),
    }).scalar_one()
    # The id is known only now, and it ends the comment's materialised path.
    path = parent_path + f"{comment.id:0{PATH_SEGMENT}d}"
    connection.execute(_PLACE_COMMENT, {
        "comment_id": comment.id, "new_path": path, "new_thread_id": int(path[:PATH_SEGMENT])})
    if comment.is_approved:
        connection.execute(_COUNT_APPROVED, {"article_pk": article_pk})
    outbox.record_status(comment.id, comment.parent_id, comment.status)
    if data.get("notify_replies"):
        subscriptions.subscribe_author(comment.id, comment.status, data["email"], email_key)
    # Approved or spam at once (a rule's verdict): counted, after the article
    # row as every transaction takes them (ArticleChanges); pending: nothing.
    counts = StatusShifts()
    counts.move(article_pk, None, comment.status)
    counts.apply()
    db.session.commit()
    return comment


@dataclass(frozen=True)
class Preview:
    body_html: str


def preview_body(body):
    """The body_html a comment with this body would be stored with; nothing is stored."""
    return Preview(sanitize.render_body(body))


def lock_article_row(article_id, *, first_comment_at=None):
    """The article's primary key and closure columns (closing.CLOSURE_COLUMNS),
    its row created if need be and locked until the transaction ends: two
    submissions to one article take turns, so the second sees the first (two
    identical posts at once: one is a duplicate). SQLite locks the whole
    database for the write instead. A submission passes first_comment_at,
    kept only by the article's first comment."""
    values = {"article_id": article_id}
    if first_comment_at is not None:
        values["first_comment_at"] = first_comment_at
    return get_or_insert(_ARTICLES, _ARTICLES.c.article_id, values, _ARTICLES.c.id,
                         *(_ARTICLES.c[column.key] for column in closing.CLOSURE_COLUMNS),
                         fill=[_ARTICLES.c.first_comment_at] if first_comment_at is not None else ())


@dataclass(frozen=True)
class SubmissionFacts:
    is_duplicate: bool
    blocklist: rules.Blocklist
    # The path of the approved comment of this article that data["parent_id"] names.
    parent_path: str | None
    # The author key that came with the submission, when it was issued to its address.
    key: authors.PresentedKey | None


def read_submission_facts(article_pk, email_key, digest, data, settings):
    """What a submission reads, in one statement: whether this author posted
    this very body on the article within the window, the blocklist, the place
    of the comment it replies to, and the key and history of an author who
    presents their key."""
    values = {"article_pk": article_pk, "parent_id": data.get("parent_id"),
              **duplicate_parameters(email_key, digest, data["body"], settings.duplicate_window)}
    with_key = bool(data.get("author_key"))
    if with_key:
        values["key_hash"] = authors.hash_of(data["author_key"])
    connection = db.session.connection()
    row = connection.execute(_submission_facts(connection.dialect.name, with_key), values).one()
    is_duplicate, entries, parent_path, *key_columns = row
    return SubmissionFacts(bool(is_duplicate), blocklist.blocklist_from_json(entries), parent_path,
                           authors.presented_key(*key_columns) if with_key else None)


@cache
def _submission_facts(dialect_name, with_key):
    """The submission's read; the key's columns only in the variant for a
    submission that presents one, so that the common case stays lean."""
    article_pk = sa.bindparam("article_pk", type_=_ARTICLES.c.id.type)
    parent_path = sa.select(_COMMENTS.c.path).where(
        _COMMENTS.c.id == sa.bindparam("parent_id", type_=_COMMENTS.c.id.type),
        _COMMENTS.c.article_pk == article_pk, _COMMENTS.c.status == Status.APPROVED,
    ).scalar_subquery()
    return sa.select(
        duplicate_exists(article_pk).label("is_duplicate"),
        blocklist.entries_as_json(dialect_name).label("blocklist"), parent_path.label("parent_path"),
        *(authors.presented_key_columns() if with_key else ()),
    )


def ensure_article(article_id):
    """The article entity, created on first use; safe when two requests race."""
    return db.session.get(Article, lock_article_row(article_id)[0])


def reply_position(parent_id, parent_path, max_depth):
    """The path under which a reply goes (parent_path: the parent's, read
    with the article); beyond MAX_THREAD_DEPTH it joins the deepest allowed
    level instead of being refused."""
    if parent_id is None:
        return ""
    if parent_path is None:
        raise ValidationFailed(fields={"parent_id": ["Must be an approved comment on this article."]})
    return parent_path[:max_depth * PATH_SEGMENT]
