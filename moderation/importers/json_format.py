"""Our own export format (docs/export-format.md): one JSON document, written
and read as a stream, one article or comment per line. Export, import into
an empty database and export again gives the same file."""

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import sqlalchemy as sa

from ..extensions import db
from ..models import Article, Comment, Status
from .records import ArticleRecord, CommentRecord, ImportRefused

SOURCE = "json"
DESCRIPTION = "our JSON export"
FORMAT_NAME, VERSION = "comment-service-export", 1
_CHUNK = 1 << 20
# One record larger than this is no export of ours (bodies are 10,000 characters at most).
_RECORD_MAX = 4 << 20
_STATUSES = frozenset(status.value for status in Status)
_CLOSURE = (Article.closed, Article.kept_open, Article.published_at, Article.first_comment_at)


@dataclass(frozen=True)
class ExportCount:
    articles: int
    comments: int


def is_format(head):
    return head.lstrip().startswith(b"{") and f'"format":"{FORMAT_NAME}"'.encode() in head.replace(b" ", b"")


def write_export(path, *, with_personal_data=False):
    """Write every article and comment to path (through a temporary file, so
    a failed export never leaves half a file under the name)."""
    partial, articles, comments = f"{path}.part", 0, 0
    with open(partial, "wb") as out:
        out.write(orjson.dumps({"format": FORMAT_NAME, "version": VERSION,
                                "personal_data": with_personal_data})[:-1] + b',\n"articles": [')
        for row in db.session.execute(sa.select(Article.article_id, Article.title, Article.url, *_CLOSURE)
                                      .order_by(Article.article_id).execution_options(yield_per=1000)):
            out.write(b",\n" if articles else b"\n")
            out.write(orjson.dumps(exported_article(row)))
            articles += 1
        out.write(b'\n],\n"comments": [')
        query = (sa.select(Comment.__table__, Article.article_id).join(Article, Comment.article_pk == Article.id)
                 .order_by(Comment.id).execution_options(yield_per=1000))
        for row in db.session.execute(query):
            out.write(b",\n" if comments else b"\n")
            out.write(orjson.dumps(exported_comment(row._mapping, with_personal_data)))
            comments += 1
        out.write(b"\n]}\n")
    os.replace(partial, path)
    return ExportCount(articles, comments)


def exported_article(row):
    """An article with what CLOSE_AFTER_DAYS reads of it: the moderator's
    decision (closed, kept_open) and the dates the days count from."""
    return {"article_id": row.article_id, "title": row.title, "url": row.url, "closed": bool(row.closed),
            "kept_open": bool(row.kept_open), "published_at": row.published_at and timestamp(row.published_at),
            "first_comment_at": row.first_comment_at and timestamp(row.first_comment_at)}


def exported_comment(row, with_personal_data):
    comment = {
        "id": row["id"], "article_id": row["article_id"], "parent_id": row["parent_id"],
        "status": str(row["status"]), "created_at": timestamp(row["created_at"]),
        "author": {"name": row["author_name"], "website": row["author_website"], "avatar": row["avatar"]},
        "body": row["body_text"], "body_html": row["body_html"],
        "source": row["source"], "source_id": row["source_id"],
    }
    if with_personal_data:
        comment["author"]["email"] = row["author_email"] or None
        comment.update(ip=row["ip"], user_agent=row["user_agent"])
    return comment


def timestamp(moment):
    moment = moment.astimezone(UTC)
    # The year by hand: strftime writes year 5 as "5", which no RFC 3339 reader takes.
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S" + (".%f" if moment.microsecond else "") + "Z")


def count_comments(path):
    """Read the whole file once, checking every record's shape; ImportRefused otherwise."""
    return sum(isinstance(record, CommentRecord) for record in read_comments(path))


def read_comments(path):
    """Its ArticleRecords (every article, those without comments too), then
    its CommentRecords, in file order."""
    articles = {}
    for kind, value in read_records(path):
        if kind == "articles":
            record = article_record(value)
            articles[record.key] = record
            yield record
        else:
            yield comment_record(value, articles)


def article_record(value):
    """An ArticleRecord; kept_open, published_at and first_comment_at came
    later to the format, so a file without them reads as before."""
    try:
        if not (isinstance(value["article_id"], str) and isinstance(value.get("closed", False), bool)
                and isinstance(value.get("kept_open", False), bool)):
            raise TypeError
        return ArticleRecord(key=value["article_id"], url=_text(value.get("url")), title=_text(value.get("title")),
                             closed=value.get("closed", False), article_id=value["article_id"],
                             kept_open=value.get("kept_open", False), published_at=_moment(value.get("published_at")),
                             first_comment_at=_moment(value.get("first_comment_at")))
    except (KeyError, TypeError, ValueError):
        raise ImportRefused(f"an article of the export is not as written by `flask export`: {value!r:.200}") from None


def comment_record(value, articles):
    try:
        author = value["author"]
        article_id = value["article_id"]
        if not (isinstance(value["id"], int) and isinstance(article_id, str) and value["status"] in _STATUSES
                and isinstance(author, dict) and isinstance(value["body"], str)
                and (value["parent_id"] is None or isinstance(value["parent_id"], int))):
            raise TypeError
        created_at = datetime.fromisoformat(value["created_at"]).astimezone(UTC)
        source = (_text(value["source"]), _text(value["source_id"])) \
            if value.get("source") and value.get("source_id") else None
        if source and (len(source[0]) > 16 or len(source[1]) > 255):  # the columns' sizes
            raise ValueError
        article = articles.get(article_id) or articles.setdefault(
            article_id, ArticleRecord(key=article_id, article_id=article_id))
        return CommentRecord(
            source_id=str(value["id"]), keep_id=value["id"], origin=source, article=article,
            parent_source_id=None if value["parent_id"] is None else str(value["parent_id"]),
            status=Status(value["status"]), name=_text(author.get("name")), email=_text(author.get("email")),
            website=_text(author.get("website")), avatar=_text(author.get("avatar")),
            ip=_text(value.get("ip")), user_agent=_text(value.get("user_agent")),
            body=value["body"], created_at=created_at)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ImportRefused(f"a comment of the export is not as written by `flask export`: {value!r:.200}") from None


def _text(value):
    if value is not None and not isinstance(value, str):
        raise TypeError
    return value


def _moment(value):
    """An RFC 3339 timestamp with its offset, in UTC, or None; ValueError otherwise."""
    if _text(value) is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:  # whose midnight? our export always says
        raise ValueError
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 at +01:00 is in year 0 in UTC
        raise ValueError from None


def read_records(path):
    """("articles" | "comments", record) for each record, after a header
    that names our format and a version we read."""
    try:
        with open(path, encoding="utf-8") as handle:
            yield from _Document(handle).records()
    except UnicodeDecodeError as error:
        raise ImportRefused(f"not UTF-8 text ({error.reason} at byte {error.start} of a chunk)") from None


class _Document:
    """A JSON object read a value at a time, its two arrays an element at a
    time: any layout of the same document reads the same, memory stays flat."""

    _DECODER = json.JSONDecoder()

    def __init__(self, handle):
        self.handle, self.buffer, self.pos, self.offset, self.eof = handle, "", 0, 0, False

    def records(self):
        self.expect("{")
        header, seen = {}, []
        while True:
            key = self.value()
            if not isinstance(key, str):
                self.refuse("a key")
            self.expect(":")
            if key in ("articles", "comments"):
                self.check_header(header, key, seen)
                yield from ((key, element) for element in self.elements())
                seen.append(key)
            else:
                header[key] = self.value()
            if self.next_is("}"):
                break
            self.expect(",")
        if self.peek():
            self.refuse("the end of the file")
        if seen != ["articles", "comments"]:
            self.refuse('"articles" and then "comments"')

    def check_header(self, header, key, seen):
        if header.get("format") != FORMAT_NAME:
            raise ImportRefused(f'the export does not start with "format": "{FORMAT_NAME}"')
        if header.get("version") != VERSION:
            raise ImportRefused(f"export version {header.get('version')!r} is not one this server reads "
                                f"(version {VERSION})")
        if key == "comments" and seen != ["articles"]:
            self.refuse('"articles" before "comments"')

    def elements(self):
        self.expect("[")
        if self.next_is("]"):
            return
        while True:
            element = self.value()
            if not isinstance(element, dict):
                self.refuse("an object")
            yield element
            if self.next_is("]"):
                return
            self.expect(",")

    def peek(self):
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer) or not self.fill():
                return self.buffer[self.pos:self.pos + 1]

    def next_is(self, char):
        if self.peek() == char and char:
            self.pos += 1
            return True
        return False

    def expect(self, char):
        if not self.next_is(char):
            self.refuse(repr(char))

    def value(self):
        self.peek()
        while True:
            try:
                value, end = self._DECODER.raw_decode(self.buffer, self.pos)
                # A number or literal may go on in the next chunk.
                if end < len(self.buffer) or self.eof or isinstance(value, (dict, list, str)):
                    self.pos = end
                    return value
            except json.JSONDecodeError:
                if self.eof or len(self.buffer) - self.pos > _RECORD_MAX:
                    self.refuse("a JSON value")
            self.fill()

    def fill(self):
        """Read another chunk, dropping what was consumed; False at the end of the file."""
        chunk = "" if self.eof else self.handle.read(_CHUNK)
        self.eof = not chunk
        self.offset += self.pos
        self.buffer, self.pos = self.buffer[self.pos:] + chunk, 0
        return bool(chunk)

    def refuse(self, wanted):
        raise ImportRefused(f"not our JSON export: expected {wanted} at character {self.offset + self.pos}")
