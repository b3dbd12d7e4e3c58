"""What an import writes to article rows: new articles as their source
describes them, what a stored one lacks, and the counts its comments change."""

import sqlalchemy as sa

from ..extensions import db
from ..models import Article, Comment, Status
from ..sql import get_or_insert

_COMMENTS, _ARTICLES = Comment.__table__, Article.__table__


def create_article(article_id, article):
    """The pk of a new article from an ArticleRecord, or of the one stored meanwhile."""
    title, url = described(article)
    # A live comment may create the article meanwhile: then it is not ours to describe.
    return get_or_insert(_ARTICLES, _ARTICLES.c.article_id, {
        "article_id": article_id, "title": title, "url": url, "closed": bool(article.closed),
        # A moderator's close wins over keeping open (services/closing.py).
        "kept_open": article.kept_open and not article.closed,
        "published_at": article.published_at, "first_comment_at": article.first_comment_at,
    }, _ARTICLES.c.id)[0]


def described(article):
    """An article's title and URL as they fit their columns."""
    return (article.title or None) and article.title[:300], (article.url or None) and article.url[:2048]


def fill_in(article_pk, article):
    """Give a stored article the title, URL and publication date it lacks;
    what it has stays (a moderator's date or decision included)."""
    title, url = described(article)
    if title or url:
        db.session.execute(sa.update(_ARTICLES).where(
            _ARTICLES.c.id == article_pk, sa.or_(_ARTICLES.c.title.is_(None), _ARTICLES.c.url.is_(None)),
        ).values(title=sa.func.coalesce(_ARTICLES.c.title, title), url=sa.func.coalesce(_ARTICLES.c.url, url)))
    if article.published_at is not None:
        # The date may close the article by age: a new version, so caches learn of it.
        db.session.execute(sa.update(_ARTICLES).where(
            _ARTICLES.c.id == article_pk, _ARTICLES.c.published_at.is_(None),
        ).values(published_at=article.published_at, version=_ARTICLES.c.version + 1))


def recount_articles(article_pks):
    """Approved counts recomputed from the comments, versions bumped, article
    rows locked first in article order (as moderation's bulk actions do)."""
    if not article_pks:
        return
    db.session.execute(sa.select(_ARTICLES.c.id).where(_ARTICLES.c.id.in_(article_pks))
                       .order_by(_ARTICLES.c.id).with_for_update())
    approved = (sa.select(sa.func.count()).select_from(_COMMENTS)
                .where(_COMMENTS.c.article_pk == _ARTICLES.c.id, _COMMENTS.c.status == Status.APPROVED)
                .scalar_subquery())
    db.session.execute(sa.update(_ARTICLES).where(_ARTICLES.c.id.in_(article_pks))
                       .values(approved_count=approved, version=_ARTICLES.c.version + 1))
