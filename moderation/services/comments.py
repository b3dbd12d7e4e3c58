"""Submitting comments and reading approved ones: thread pages and counts."""

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from .. import rules, sanitize
from ..errors import CommentsClosed, Duplicate, ValidationFailed
from ..extensions import db
from ..models import PATH_SEGMENT, Article, AuthorKey, Comment, Status, utcnow
from ..privacy import avatar_key, normalise_email, secret_digest
from ..reads import DriverStatement, read_rows
from . import authors, blocklist
from .screening import body_digest, duplicate_exists, duplicate_parameters, screen_comment


@dataclass(frozen=True)
class ArticleState:
    """What the listing of one article depends on; version changes with it."""

    key: str
    id: int | None = None
    closed: bool = False
    total: int = 0
    version: int = 0
    # A checksum of the row's creation time: a database rebuilt from scratch
    # reuses ids and versions, and must not revive its predecessor's ETags.
    created: int = 0

    @property
    def etag(self):
        return f"{self.id or 0}.{self.created}.{self.version}"


@dataclass
class ThreadPage:
    article_id: str
    closed: bool
    total: int
    comments: list = field(default_factory=list)
    next_cursor: int | None = None


@dataclass(frozen=True)
class Placeholder:
    """A non-public comment that still has public replies (API.md listing)."""

    id: int
    parent_id: int | None
    depth: int
    deleted: bool = True


# The columns article_state() reads, in its order; the caller adds the key condition.
_ARTICLE_STATE = "SELECT key, id, closed, approved_count, version, created_at FROM articles WHERE key"
_ONE_ARTICLE_STATE = f"{_ARTICLE_STATE} = ?"


def find_article_state(key):
    """The article's listing state (that of an empty article when it has none):
    this worker's copy when it may trust one, else one indexed row read."""
    cache = current_app.extensions["article_cache"]
    ticket = cache.ticket()  # before the read: a change after it voids the copy
    state = cache.lookup(key) if ticket is not None else None
    if state is None:
        rows = read_rows(_ONE_ARTICLE_STATE, [key])
        state = article_state(rows[0]) if rows else ArticleState(key)
        cache.store([state], ticket)
    return state


def read_article_states(keys, ticket):
    """States of the given articles from the database, kept as copies under ticket."""
    states = {key: ArticleState(key) for key in keys}
    placeholders = ", ".join("?" * len(states))
    for row in read_rows(f"{_ARTICLE_STATE} IN ({placeholders})", states):
        states[row[0]] = article_state(row)
    current_app.extensions["article_cache"].store(states.values(), ticket)
    return states


def article_state(row):
    key, article_id, closed, total, version, created = row
    return ArticleState(key, article_id, bool(closed), total, version, zlib.crc32(str(created).encode()))


def list_thread(article, *, limit, after=None, order="oldest"):
    """A page of `limit` threads of approved comments, depth-first, in one query."""
    page = ThreadPage(article.key, article.closed, article.total)
    if article.id is None:
        return page
    newest = order == "newest"
    approved = (Comment.article_id == article.id) & (Comment.status == Status.APPROVED)
    threads = sa.select(Comment.thread_id).where(approved).distinct()
    if after is not None:
        threads = threads.where(Comment.thread_id < after if newest else Comment.thread_id > after)
    threads = threads.order_by(Comment.thread_id.desc() if newest else Comment.thread_id)
    rows = db.session.execute(
        sa.select(Comment.id, Comment.parent_id, Comment.thread_id, Comment.path,
                  Comment.depth, Comment.author_name, Comment.author_website,
                  Comment.avatar, Comment.body_html, Comment.created_at)
        .where(approved, Comment.thread_id.in_(threads.limit(limit + 1).scalar_subquery()))
        .order_by(Comment.thread_id.desc() if newest else Comment.thread_id, Comment.path)
    ).all()
    thread_ids = list(dict.fromkeys(row.thread_id for row in rows))
    if len(thread_ids) > limit:
        page.next_cursor = thread_ids[limit - 1]
        rows = [row for row in rows if row.thread_id != thread_ids[limit]]
    page.comments = with_placeholders(rows, article.key)
    return page


def with_placeholders(rows, article_key):
    """Rows in path order, with a placeholder for each missing ancestor."""
    shown, result = set(), []
    for row in rows:
        ancestors = path_ids(row.path)[:-1]
        for depth, ancestor in enumerate(ancestors):
            if ancestor not in shown:
                shown.add(ancestor)
                result.append(Placeholder(ancestor, ancestors[depth - 1] if depth else None, depth))
        shown.add(row.id)
        result.append(PublicRow(row, article_key))
    return result


class PublicRow:
    """A selected row with the attribute names the public schema reads."""

    __slots__ = ("_row", "article_key")

    def __init__(self, row, article_key):
        self._row, self.article_key = row, article_key

    def __getattr__(self, name):
        return getattr(self._row, name)


def path_ids(path):
    return [int(path[i:i + PATH_SEGMENT]) for i in range(0, len(path), PATH_SEGMENT)]


def count_comments(keys):
    """Approved-comment counts for several articles, 0 for unknown ones, in one query at most."""
    cache = current_app.extensions["article_cache"]
    ticket = cache.ticket()
    if ticket is None:
        # No copies: two columns, not whole states (a sixth of a counts request).
        counts = dict.fromkeys(keys, 0)
        placeholders = ", ".join("?" * len(counts))
        counts.update(read_rows(f"SELECT key, approved_count FROM articles WHERE key IN ({placeholders})", counts))
        return counts
    states = {key: cache.lookup(key) for key in dict.fromkeys(keys)}
    missing = [key for key, state in states.items() if state is None]
    if missing:
        states.update(read_article_states(missing, ticket))
    return {key: state.total for key, state in states.items()}


def submit_comment(article_key, data, *, client):
    """Store a new comment: pending, unless the rules approve it or send it to spam."""
    try:
        return store_comment(article_key, data, client)
    except Exception:
        # A refused comment leaves nothing behind (not even its article row)
        # and releases SQLite's write lock at once.
        db.session.rollback()
        raise


@dataclass
class SubmittedComment:
    """A comment as stored by a submission: what its answer shows."""

    id: int
    article_key: str
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

    @property
    def is_approved(self):
        return self.status == Status.APPROVED


# The write path as prepared Core statements on the session's connection (one
# transaction): the ORM's unit of work cost more than the SQL it sent, about
# half of a submission's time (PERFORMANCE.md budget; docs/performance.md).
_COMMENTS, _ARTICLES = Comment.__table__, Article.__table__
_INSERT_COMMENT = sa.insert(_COMMENTS).returning(_COMMENTS.c.id)
_PLACE_COMMENT = sa.update(_COMMENTS).where(_COMMENTS.c.id == sa.bindparam("comment_id")).values(
    path=sa.bindparam("new_path"), thread_id=sa.bindparam("new_thread_id"),
    depth=sa.bindparam("new_depth"), parent_id=sa.bindparam("new_parent_id"))
# In SQL, not Python: a moderator approving another comment of the same
# article at the same moment must not lose an increment.
_COUNT_APPROVED = sa.update(_ARTICLES).where(_ARTICLES.c.id == sa.bindparam("article_id")).values(
    approved_count=_ARTICLES.c.approved_count + 1, version=_ARTICLES.c.version + 1)


@dataclass(frozen=True)
class ArticleRef:
    """The little of an article that a submission needs."""

    id: int
    key: str
    closed: bool


def store_comment(article_key, data, client):
    email_key = normalise_email(data["email"])
    digest = body_digest(data["body"])
    on_driver = writes_on_the_driver()
    facts = read_submission_facts(article_key, email_key, digest, data, on_driver=on_driver)
    if facts is None:  # the first comment of an article: its row comes in the comment's transaction
        on_driver = False
        add_article_row(article_key)
        facts = read_submission_facts(article_key, email_key, digest, data, on_driver=False)
    article = facts.article
    # The refusals first: they cost nothing, and sanitising costs the most.
    if article.closed:
        raise CommentsClosed()
    if facts.is_duplicate:
        raise Duplicate()
    body_html = sanitize.render_body(data["body"])
    parent_path = reply_position(data.get("parent_id"), facts.parent_path)
    screening = screen_comment(article, data, email_key, body_html, client,
                               blocklist=facts.blocklist, author_history=facts.author_history)
    now = utcnow()
    comment = SubmittedComment(
        id=0, article_key=article.key, parent_id=path_ids(parent_path)[-1] if parent_path else None,
        depth=len(parent_path) // PATH_SEGMENT, status=screening.status, author_name=data["name"],
        author_website=data["website"], avatar=avatar_key(data["email"], current_app.config["SECRET_KEY"]),
        body_html=body_html, created_at=now)
    values = {
        "article_id": article.id, "status": comment.status, "reasons": screening.reasons,
        "author_name": comment.author_name, "author_email": data["email"], "email_key": email_key,
        "author_website": comment.author_website, "avatar": comment.avatar,
        "body_text": data["body"], "body_html": body_html, "body_digest": digest,
        "ip": client.ip, "user_agent": client.user_agent, "created_at": now, "updated_at": now,
    }
    if on_driver:
        comment.id = write_in_one_statement(comment, values, parent_path, screening)
    else:
        comment.id = write_in_steps(comment, values, parent_path, screening)
        db.session.commit()
    return comment


def write_in_steps(comment, values, parent_path, screening):
    """The comment, its path, the article's count and a new author key, in the session's transaction."""
    connection = db.session.connection()
    comment_id = connection.execute(_INSERT_COMMENT, values).scalar_one()
    # The id is known only now, and it ends the comment's materialised path.
    path = parent_path + f"{comment_id:0{PATH_SEGMENT}d}"
    connection.execute(_PLACE_COMMENT, {
        "comment_id": comment_id, "new_path": path, "new_thread_id": int(path[:PATH_SEGMENT]),
        "new_depth": comment.depth, "new_parent_id": comment.parent_id})
    if comment.is_approved:
        connection.execute(_COUNT_APPROVED, {"article_id": values["article_id"]})
    if not screening.has_valid_author_key:
        comment.issued_author_key = authors.issue_author_key(values["email_key"])
    return comment_id


def write_in_one_statement(comment, values, parent_path, screening):
    """The same writes as one PostgreSQL statement on the driver, atomic on its own (autocommit)."""
    issue_key = not screening.has_valid_author_key
    key, key_hash = authors.new_author_key() if issue_key else (None, None)
    values = {**values, "parent_id": comment.parent_id, "depth": comment.depth, "key_hash": key_hash}
    [(comment_id,)] = _WRITE_SUBMISSION.rows({
        **{f"new_{name}": value for name, value in values.items()},
        "parent_path": parent_path, "parent_thread_id": int(parent_path[:PATH_SEGMENT]) if parent_path else None,
        "count_approved": comment.is_approved, "issue_key": issue_key,
    }, retry=False)
    comment.issued_author_key = key
    if comment.is_approved:
        # Read-your-writes in this worker, as a commit of the session gives
        # (article_cache.py); a pending comment leaves the article row as it is.
        current_app.extensions["article_cache"].forget(comment.article_key)
    return comment_id


def writes_on_the_driver():
    """Whether this submission may read and write straight on the driver,
    outside a transaction block: on PostgreSQL, each round trip to the
    server costs about 0.1 ms, and BEGIN, the path, the count, the author
    key and COMMIT were five of them, and SQLAlchemy's session and statement
    layers cost about 0.2 ms more. Then the reads see the latest commits, as
    they would in a READ COMMITTED transaction, and the writes go in one
    statement, atomic on its own. Not when the caller has a transaction
    open, and not on SQLite, whose data version (article_cache.py) must see
    every write as another connection's."""
    return db.session.get_bind().dialect.name == "postgresql" and not db.session().in_transaction()


def _write_submission():
    """INSERT of the comment with its path (its id taken from the sequence
    first), UPDATE of the article's count when the rules approve it, INSERT of
    a new author key when the author has none: PostgreSQL runs each
    data-modifying WITH part exactly once, in the one statement. Parameters
    are named new_<column>: SQLAlchemy adds a parameter named like a column
    of an UPDATE's table to what that UPDATE sets."""
    c, keys = _COMMENTS.c, AuthorKey.__table__
    new = sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence("comments", "id")).label("id")).cte("new")

    def param(column):
        return sa.bindparam(f"new_{column.name}", type_=column.type)

    fields = {column.name: param(column) for column in (
        c.article_id, c.parent_id, c.depth, c.status, c.reasons, c.author_name, c.author_email,
        c.email_key, c.author_website, c.avatar, c.body_text, c.body_html, c.body_digest, c.ip,
        c.user_agent, c.created_at, c.updated_at)}
    fields.update(
        id=new.c.id,
        thread_id=sa.func.coalesce(sa.bindparam("parent_thread_id", type_=c.thread_id.type), new.c.id),
        path=sa.bindparam("parent_path", type_=c.path.type)
        + sa.func.lpad(sa.cast(new.c.id, sa.Text), PATH_SEGMENT, "0"),
    )
    comment = sa.insert(_COMMENTS).from_select(list(fields), sa.select(*fields.values())) \
        .returning(c.id).cte("comment")
    counted = sa.update(_ARTICLES).where(
        _ARTICLES.c.id == sa.bindparam("new_article_id"), sa.bindparam("count_approved", type_=sa.Boolean),
    ).values(approved_count=_ARTICLES.c.approved_count + 1, version=_ARTICLES.c.version + 1).cte("counted")
    issued = sa.insert(keys).from_select(["email_key", "key_hash", "created_at"], sa.select(
        param(keys.c.email_key), param(keys.c.key_hash), param(keys.c.created_at),
    ).where(sa.bindparam("issue_key", type_=sa.Boolean))).cte("issued")
    return sa.select(comment.c.id).add_cte(counted, issued)


_WRITE_SUBMISSION = DriverStatement(_write_submission())


@dataclass(frozen=True)
class SubmissionFacts:
    article: ArticleRef
    is_duplicate: bool
    blocklist: rules.Blocklist
    # The path of the approved comment of this article that data["parent_id"] names.
    parent_path: str | None
    # (approved, spam) comments of the address, when data["author_key"] was issued to it.
    author_history: tuple | None


def read_submission_facts(key, email_key, digest, data, *, on_driver=False):
    """What a submission reads, in one statement: its article (None when the
    row does not exist yet), whether this author posted this very body there
    within the window, the blocklist, the place of the comment it replies
    to, and the history of an author who presents their key. On PostgreSQL
    each statement is a round trip, and these were six."""
    values = {"key": key, "parent_id": data.get("parent_id"),
              **duplicate_parameters(email_key, digest, data["body"])}
    with_key = bool(data.get("author_key"))
    if with_key:
        values["key_hash"] = secret_digest(data["author_key"])  # as authors.new_author_key() stores it
    if on_driver:
        rows = _DRIVER_FACTS[with_key].rows(values, retry=True)
    else:
        connection = db.session.connection()
        rows = connection.execute(_submission_facts(connection.dialect.name, with_key), values).all()
    if not rows:
        return None
    article_id, closed, is_duplicate, entries, parent_path, approved, spam = rows[0]
    return SubmissionFacts(ArticleRef(article_id, key, bool(closed)), bool(is_duplicate),
                           blocklist.blocklist_from_json(entries), parent_path,
                           None if approved is None else (approved, spam))


@cache
def _submission_facts(dialect_name, with_key):
    """The submission's read; the author's history only in the variant for
    a submission that presents a key. One statement for both would do, but
    PostgreSQL would then plan it anew on every execution (its custom plan,
    with no key, looks cheaper than the generic one): about 0.15 ms."""
    history = authors.history_columns() if with_key else (sa.null(), sa.null())
    parent_path = sa.select(_COMMENTS.c.path).where(
        _COMMENTS.c.id == sa.bindparam("parent_id", type_=_COMMENTS.c.id.type),
        _COMMENTS.c.article_id == _ARTICLES.c.id, _COMMENTS.c.status == Status.APPROVED,
    ).scalar_subquery()
    return sa.select(
        _ARTICLES.c.id, _ARTICLES.c.closed, duplicate_exists(_ARTICLES.c.id).label("is_duplicate"),
        blocklist.entries_as_json(dialect_name).label("blocklist"), parent_path.label("parent_path"),
        *history,
    ).where(_ARTICLES.c.key == sa.bindparam("key"))


_DRIVER_FACTS = {with_key: DriverStatement(_submission_facts("postgresql", with_key))
                 for with_key in (False, True)}


def add_article_row(key):
    """Insert the article row for key unless another request just did."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Article).values(key=key).on_conflict_do_nothing(index_elements=["key"])
    db.session.execute(statement)


def ensure_article(key):
    """The article entity for key, created on first use; safe when two requests race."""
    article = db.session.scalar(sa.select(Article).where(Article.key == key))
    if article is None:
        add_article_row(key)
        article = db.session.scalar(sa.select(Article).where(Article.key == key))
    return article


def reply_position(parent_id, parent_path):
    """The path under which a reply goes (parent_path: the parent's, read
    with the article); beyond MAX_THREAD_DEPTH it joins the deepest allowed
    level instead of being refused."""
    if parent_id is None:
        return ""
    if parent_path is None:
        raise ValidationFailed(fields={"parent_id": ["Must be an approved comment on this article."]})
    return parent_path[:current_app.config["MAX_THREAD_DEPTH"] * PATH_SEGMENT]
