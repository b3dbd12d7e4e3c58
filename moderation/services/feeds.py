"""Atom feeds of approved comments, newest first: one article's, known to be
current from the article's version (as its listing is), and the site's,
tagged by what its one indexed query read."""

import hashlib
from dataclasses import dataclass
from urllib.parse import quote

import sqlalchemy as sa

from .. import atom
from ..models import Article, Comment, Status
from .article_pages import article_url
from .threads import PublicAnswer, lone_reads

# Entries per feed: a reader polls for what is new, not for the archive.
FEED_ENTRIES = 50
# Changes whenever the documents change shape, so that no ETag outlives it.
FORMAT = "1"

_ARTICLES, _COMMENTS = Article.__table__, Comment.__table__
_ARTICLE = sa.select(_ARTICLES.c.id, _ARTICLES.c.version, _ARTICLES.c.created_at, _ARTICLES.c.title,
                     _ARTICLES.c.url).where(_ARTICLES.c.article_id == sa.bindparam("article_id"))
_ENTRY_COLUMNS = (_COMMENTS.c.id, _COMMENTS.c.author_name, _COMMENTS.c.author_website, _COMMENTS.c.body_html,
                  _COMMENTS.c.created_at, _COMMENTS.c.updated_at)
_NEWEST = sa.desc(_COMMENTS.c.id)
# ix_comments_article_feed: the article's newest approved comments, no sort of them all.
_ARTICLE_ENTRIES = (sa.select(*_ENTRY_COLUMNS)
                    .where(_COMMENTS.c.article_pk == sa.bindparam("article_pk"),
                           _COMMENTS.c.status == Status.APPROVED)
                    .order_by(_NEWEST).limit(FEED_ENTRIES))
# ix_comments_status_id, walked backwards, and each one's article by its key.
_RECENT_ENTRIES = (sa.select(*_ENTRY_COLUMNS, _ARTICLES.c.article_id, _ARTICLES.c.title, _ARTICLES.c.url)
                   .join(_ARTICLES, _ARTICLES.c.id == _COMMENTS.c.article_pk)
                   .where(_COMMENTS.c.status == Status.APPROVED)
                   .order_by(_NEWEST).limit(FEED_ENTRIES))


@dataclass(frozen=True)
class FeedSite:
    """Where the feeds point: the service's public base URL (no trailing
    slash) and ARTICLE_URL_TEMPLATE."""

    base_url: str
    url_template: str | None

    @property
    def host(self):
        return atom.host_of(self.base_url)

    def feed_url(self, article_id=None):
        if article_id is None:
            return f"{self.base_url}/feeds/recent.atom"
        return f"{self.base_url}/feeds/articles/{quote(article_id, safe='/')}.atom"

    def page_url(self, article, comment_id=None):
        """The article's page, else the service's /embed page (its comments have anchors)."""
        url = article_url(article, self.url_template)
        if url:
            return url
        anchor = f"#c{comment_id}" if comment_id else ""
        return f"{self.base_url}/embed/{quote(article.article_id, safe='/')}{anchor}"


@dataclass(frozen=True)
class ArticleRef:
    """What article_pages.article_url reads of an article."""

    article_id: str
    title: str | None = None
    url: str | None = None


def article_feed(article_id, *, site, cache, is_current):
    """One article's feed, or only its ETag when the client holds it: one
    indexed row read, and its entries' query when this worker has not built
    this version yet. An article without comments has an empty feed."""
    with lone_reads() as connection:
        row = connection.execute(_ARTICLE, {"article_id": article_id}).first()
        pk, version, created_at, title, url = row or (None, 0, None, None, None)
        etag = tag_of(FORMAT, site, article_id, pk, created_at, version, title, url)
        if is_current(etag):
            return PublicAnswer(etag)
        article = ArticleRef(article_id, title, url)
        body = cache.get_or_build(("atom", etag), lambda: atom.write_feed(atom.Feed(
            title=f"Comments on {title or article_id}", self_url=site.feed_url(article_id),
            alternate_url=site.page_url(article),
            entries=[] if pk is None else [
                entry(comment, article, site) for comment in connection.execute(_ARTICLE_ENTRIES, {"article_pk": pk})],
            empty_updated=created_at or atom.EPOCH), site.host))
    return PublicAnswer(etag, body)


def recent_feed(*, site, cache, is_current):
    """The site's newest approved comments, on every article: one indexed
    query, whose rows are the ETag (a change to any of them changes it)."""
    with lone_reads() as connection:
        rows = connection.execute(_RECENT_ENTRIES).all()
    etag = tag_of(FORMAT, site, *(tuple(row) for row in rows))
    if is_current(etag):
        return PublicAnswer(etag)
    body = cache.get_or_build(("atom", etag), lambda: atom.write_feed(atom.Feed(
        title="Recent comments", self_url=site.feed_url(), alternate_url=None,
        entries=[entry(row, ArticleRef(row.article_id, row.title, row.url), site) for row in rows]), site.host))
    return PublicAnswer(etag, body)


def entry(row, article, site):
    return atom.Entry(
        comment_id=row.id, author_name=row.author_name, author_website=row.author_website,
        body_html=row.body_html, created_at=row.created_at, updated_at=row.updated_at,
        title=f"{row.author_name} on {article.title or article.article_id}",
        link=site.page_url(article, row.id))


def tag_of(*parts):
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
