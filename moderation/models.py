"""Database models: articles, comments, moderators and the audit log."""

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

# A comment's place in its thread: the ids from its thread's top-level
# comment down to itself, each zero-padded to this width, so that ordering by
# path is depth-first, oldest reply first, in one indexed query.
PATH_SEGMENT = 10


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"


class Role(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"


class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else value


def enum_values(enum):
    """Store an enum's values ("pending"), which read well in SQL, not its names."""
    return [member.value for member in enum]


def utcnow():
    return datetime.now(UTC)


class Article(db.Model):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The site's own id of the page (API.md "article_id"); its SQL column is
    # named "key". Everywhere in the code, article_id is this string, and an
    # article's integer primary key is article_pk.
    article_id: Mapped[str] = mapped_column("key", sa.String(200), unique=True, key="article_id")
    # A moderator's decision, which always wins over CLOSE_AFTER_DAYS
    # (services/closing.py): closed, or kept open however old the article is.
    closed: Mapped[bool] = mapped_column(default=False)
    kept_open: Mapped[bool] = mapped_column(default=False)
    # When the site published the article (set by moderators), else when its
    # first comment came, in any status: CLOSE_AFTER_DAYS counts from there.
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_comment_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    title: Mapped[str | None] = mapped_column(sa.String(300))
    url: Mapped[str | None] = mapped_column(sa.String(2048))
    # Kept in step with the comments by every moderation action, in the same
    # transaction: counts become one indexed row read.
    approved_count: Mapped[int] = mapped_column(default=0)
    # Bumped whenever the public listing changes: the ETag is known without
    # building the body, and workers cache pages per version.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        # Approved comments of one article in thread order, page by page.
        sa.Index("ix_comments_thread_order", "article_pk", "status", "thread_id", "path"),
        # An article's feed: its newest approved comments, without sorting them all.
        sa.Index("ix_comments_article_feed", "article_pk", "status", "id"),
        # The moderation queue: one status, oldest first.
        sa.Index("ix_comments_status_id", "status", "id"),
        # Duplicate detection: this body from this author on this article.
        sa.Index("ix_comments_duplicates", "article_pk", "email_key", "body_digest"),
        # One person's comments in id order, whatever their status: data
        # access, erasure, and "more from this author" page by page.
        sa.Index("ix_comments_author_id", "email_key", "id"),
        # A returning author's history: what was posted with their key.
        sa.Index("ix_comments_author_key_status", "author_key_id", "status"),
        # An imported comment's origin: importing the same file again adds nothing.
        sa.UniqueConstraint("source", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Its SQL column is named "article_id" (see Article.article_id).
    article_pk: Mapped[int] = mapped_column("article_id", sa.ForeignKey("articles.id", ondelete="CASCADE"),
                                            key="article_pk")
    # Kept after the parent is erased: the path still places the reply.
    parent_id: Mapped[int | None] = mapped_column(index=True)
    thread_id: Mapped[int] = mapped_column(default=0)
    path: Mapped[str] = mapped_column(sa.String(255), default="")
    depth: Mapped[int] = mapped_column(default=0)
    status: Mapped[Status] = mapped_column(
        sa.Enum(Status, native_enum=False, length=16, validate_strings=True, values_callable=enum_values),
        default=Status.PENDING,
    )
    author_name: Mapped[str] = mapped_column(sa.String(80))
    # Empty only for imported comments that came without an address: an
    # empty key matches no data request, which needs a valid address.
    author_email: Mapped[str] = mapped_column(sa.String(254))
    # privacy.normalise_email(author_email): finds one person's comments for
    # data-access and erasure requests whatever the case they typed.
    # Longer than an address: case-folding can lengthen it (ß becomes ss).
    email_key: Mapped[str] = mapped_column(sa.String(320))
    author_website: Mapped[str | None] = mapped_column(sa.String(2048))
    avatar: Mapped[str] = mapped_column(sa.String(16))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    # First 128 bits of the body's SHA-256, hex: duplicate detection looks a
    # body up instead of reading every earlier body of its author.
    body_digest: Mapped[str] = mapped_column(sa.String(32), default="")
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(512))
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    moderated_by: Mapped[str | None] = mapped_column(sa.String(80))
    # The author key this comment was posted with (AuthorKey): trust is earned
    # by what was posted with a key, never by what was posted under an address.
    author_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("author_keys.id", ondelete="SET NULL"))
    # Where an imported comment came from ("wordpress", "disqus", "isso") and
    # its id there; both null for comments posted here.
    source: Mapped[str | None] = mapped_column(sa.String(16))
    source_id: Mapped[str | None] = mapped_column(sa.String(255))

    article: Mapped[Article] = relationship(lazy="joined", innerjoin=True)

    @property
    def article_id(self):
        return self.article.article_id

    @property
    def is_approved(self):
        return self.status == Status.APPROVED


# Rows of status_counts. Only the sum over all rows means anything: changing
# this number later is safe, it only spreads new changes differently.
STATUS_BUCKETS = 16


class StatusCount(db.Model):
    """Comments in each decided status (approved, rejected, spam) of the
    articles whose primary key is `bucket` modulo STATUS_BUCKETS. Kept in
    step by every decision, in its transaction, so the stats read a few rows
    and never the whole table; spread over buckets so that two transactions
    on different articles seldom wait for the same row. Pending comments are
    not counted here: the queue is counted on its index (services/counts.py),
    so a new comment, pending by default, writes nothing more."""

    __tablename__ = "status_counts"

    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    approved: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    spam: Mapped[int] = mapped_column(default=0)


class Moderator(db.Model):
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, native_enum=False, length=16, validate_strings=True, values_callable=enum_values),
        default=Role.MODERATOR,
    )
    # SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def is_admin(self):
        return self.role == Role.ADMIN


class AuditEntry(db.Model):
    """One moderation action. Keeps ids and statuses, never an author's data."""

    __tablename__ = "audit_log"
    # The entries of some actions only (GET /log?about=rules), newest first.
    __table_args__ = (sa.Index("ix_audit_log_action_id", "action", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the entry outlives the comment it speaks of.
    comment_id: Mapped[int | None] = mapped_column(index=True)
    article_pk: Mapped[int | None] = mapped_column("article_id", key="article_pk")
    moderator: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str | None] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BlockKind(StrEnum):
    WORD = "word"
    EMAIL = "email"
    DOMAIN = "domain"
    NETWORK = "network"


class BlockEntry(db.Model):
    """One entry of the blocklists that send matching comments to spam."""

    __tablename__ = "blocklist"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BlockKind] = mapped_column(
        sa.Enum(BlockKind, native_enum=False, length=16, validate_strings=True, values_callable=enum_values),
    )
    # Stored normalised (see rules.normalise_text, privacy.normalise_email).
    value: Mapped[str] = mapped_column(sa.String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuthorKey(db.Model):
    """A secret a returning author's browser keeps: proof of having posted
    from that browser before. Only its hash is stored."""

    __tablename__ = "author_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str] = mapped_column(sa.String(320), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the address's owner confirmed it (a link mailed to it): anyone can
    # type an address, so a key earns no trust before.
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
