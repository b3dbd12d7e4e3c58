"""Whether an article takes comments: a moderator's close or open, else
CLOSE_AFTER_DAYS counted from its publication date or its first comment.
Worked out from stored dates whenever it is asked, so no job has to run
when a deadline passes: readers and writers see it pass at the same moment."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..models import Article, utcnow

# What the rule reads of an article row, beside its key.
CLOSURE_COLUMNS = (Article.closed, Article.kept_open, Article.published_at, Article.first_comment_at)
MODERATOR, AGE = "moderator", "age"
PUBLISHED_AT, FIRST_COMMENT = "published_at", "first_comment"


@dataclass(frozen=True)
class AutoClose:
    """The age rule as it applies to one article."""

    after_days: int
    # Where the days count from: the publication date, or the first comment.
    counted_from: str
    closes_at: datetime


@dataclass(frozen=True)
class Closure:
    """Why an article is closed (None: it is open), and the age rule when a
    moderator's decision does not override it."""

    reason: str | None = None
    auto_close: AutoClose | None = None

    @property
    def is_closed(self):
        return self.reason is not None

    @property
    def tag(self):
        """A short text that changes whenever the answer of closure() would,
        for ETags: empty unless the age rule applies (a moderator's decision
        bumps the article's version instead)."""
        rule = self.auto_close
        if rule is None:
            return ""
        return f"{'c' if self.is_closed else 'o'}{rule.after_days:g}{rule.counted_from[0]}{rule.closes_at.timestamp():.0f}"


OPEN = Closure()


class ClosureFields:
    """closed, closed_reason and auto_close as the answers' schemas read
    them, from the `closure` of the class it is mixed into."""

    closure: Closure

    @property
    def closed(self):
        return self.closure.is_closed

    @property
    def closed_reason(self):
        return self.closure.reason

    @property
    def auto_close(self):
        return self.closure.auto_close


def closure(closed, kept_open, published_at, first_comment_at, *, after_days, now=None):
    """The closure of an article from its stored state (CLOSURE_COLUMNS) and
    CLOSE_AFTER_DAYS (None or 0: the rule is off)."""
    if closed:
        return Closure(MODERATOR)
    start = published_at or first_comment_at
    if kept_open or not after_days or after_days < 0 or start is None:
        return OPEN
    try:
        closes_at = start + timedelta(days=after_days)
    except OverflowError:  # a deadline past the year 9999 never comes
        return OPEN
    rule = AutoClose(after_days, PUBLISHED_AT if published_at else FIRST_COMMENT, closes_at)
    return Closure(AGE if (now or utcnow()) >= closes_at else None, rule)


def article_closure(article, *, after_days):
    """closure() of an Article the session holds."""
    return closure(*(getattr(article, column.key) for column in CLOSURE_COLUMNS), after_days=after_days)


_FIRST = Article.__table__.c.first_comment_at
_NOTE_FIRST = sa.update(Article.__table__).where(Article.__table__.c.id == sa.bindparam("article_pk")).values(
    first_comment_at=sa.case((_FIRST.is_(None) | (_FIRST > sa.bindparam("earliest")), sa.bindparam("earliest")),
                             else_=_FIRST))


def note_first_comments(connection, comments):
    """Move each article's first comment back to the earliest of comments,
    (article pk, created_at) pairs, where that is earlier: imported comments
    are older than their article's row."""
    earliest = {}
    for pk, moment in comments:
        earliest[pk] = min(moment, earliest.get(pk, moment))
    if earliest:
        connection.execute(_NOTE_FIRST, [{"article_pk": pk, "earliest": moment}
                                         for pk, moment in sorted(earliest.items())])
