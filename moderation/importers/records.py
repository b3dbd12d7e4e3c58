"""What every importer yields: plain records of articles and comments, in the
source's terms, and the rule that names an imported article."""

import string
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from marshmallow import ValidationError

from schemas.base import validate_article_id

from ..models import Status


class ImportRefused(Exception):
    """The file is not one we import: hostile, malformed or of another kind.
    Raised before anything is written."""


@dataclass
class ArticleRecord:
    """A page of the source site that has comments."""

    # The source's own id of the page (WordPress post id, Disqus thread id, Isso thread id).
    key: str
    url: str | None = None
    guid: str | None = None
    title: str | None = None
    # True or False where the source says whether it takes comments, else None.
    closed: bool | None = None
    # Our own export only: the article id it had, kept as it is.
    article_id: str | None = None
    # When the site published it, where the source says (CLOSE_AFTER_DAYS counts from it).
    published_at: datetime | None = None
    # Our own export only: a moderator kept it open whatever its age, and
    # when its first comment came (deleted ones included).
    kept_open: bool = False
    first_comment_at: datetime | None = None


@dataclass
class CommentRecord:
    """One comment as its source has it; the loader applies our rules to it."""

    source_id: str
    article: ArticleRecord
    parent_source_id: str | None
    # None with skip set: the source's own kind of item that we do not import.
    status: Status | None
    name: str | None
    email: str | None
    website: str | None
    ip: str | None
    body: str
    created_at: datetime
    user_agent: str | None = None
    # Why the importer already knows it will not be imported (e.g. "pingback").
    skip: str | None = None
    # Only our own export: the id it keeps and the source it came from.
    keep_id: int | None = None
    origin: tuple[str, str] | None = None
    avatar: str | None = None


def utc_from_text(text, fmt="%Y-%m-%d %H:%M:%S"):
    """A UTC datetime from a source's date text, or None when it is empty or
    WordPress's "0000-00-00 00:00:00"."""
    try:
        return datetime.strptime((text or "").strip(), fmt).replace(tzinfo=UTC)
    except ValueError:
        return None


# How `--article-id` names an article: one of these, or a template such as
# "blog/{slug}" made of their fields.
ARTICLE_ID_MODES = ("path", "url", "guid")
TEMPLATE_FIELDS = frozenset({"path", "url", "guid", "key", "slug"})


class ArticleIds:
    """Names imported articles as the widget on their page will ask for them."""

    def __init__(self, mode="path"):
        if mode in ARTICLE_ID_MODES:
            self.template = "{" + mode + "}"
        else:
            fields = [name for _text, name, spec, conv in string.Formatter().parse(mode) if name is not None]
            unknown = [name for name in fields if name not in TEMPLATE_FIELDS]
            if not fields or unknown:
                raise ValueError(f"use path, url, guid or a template of {{{'}, {'.join(sorted(TEMPLATE_FIELDS))}}}")
            self.template = mode

    def article_id(self, article):
        """The article id of article, or None when it comes out empty or
        against API.md "Articles" (the loader skips its comments)."""
        if article.article_id is not None:  # our own export: the id it had here
            try:
                validate_article_id(article.article_id)
            except ValidationError:
                return None
            return article.article_id
        path = url_path(article.url or article.guid or "")
        values = {"path": path, "url": url_id(article.url or ""), "guid": url_id(article.guid or article.url or ""),
                  "key": article.key, "slug": path.partition("?")[0].rpartition("/")[2]}
        value = self.template.format_map(values).strip()
        return value if is_widget_article_id(value) else None


def url_path(url):
    """The path of a URL as a site names its page: decoded, without the
    slashes at its ends (the widget refuses empty segments), and with the
    query when there is one (`?p=123` permalinks)."""
    parts = urlsplit(url.strip())
    path = "/".join(segment for segment in unquote(parts.path).split("/") if segment)
    return f"{path}?{parts.query}" if parts.query else path


def url_id(value):
    """A URL as an article id: its host and path, since an id cannot hold the
    empty segment of "//"; any other text (a Disqus identifier) as it is."""
    parts = urlsplit(value.strip())
    if parts.scheme and parts.netloc:
        return "/".join(filter(None, [parts.netloc.lower(), url_path(value)]))
    return value.strip()


def is_widget_article_id(value):
    """API.md "Articles": 1 to 200 printable characters, no empty, "." or ".." segment."""
    if not 1 <= len(value) <= 200 or not value.isprintable():
        return False
    return all(segment not in ("", ".", "..") for segment in value.split("/"))
