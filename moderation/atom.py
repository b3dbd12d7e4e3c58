"""Atom 1.0 documents (RFC 4287) of approved comments, written with the
standard library's ElementTree, which escapes every text and attribute: a
name or body is XML text, never markup of the feed."""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

ATOM = "http://www.w3.org/2005/Atom"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Characters XML 1.0 cannot carry at all, not even escaped (U+FFFE, U+FFFF,
# C0 controls but TAB, LF and CR): dropped from every text, one pass each.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Entry:
    """One approved comment as a feed shows it: nothing private."""

    comment_id: int
    author_name: str
    author_website: str | None
    body_html: str
    created_at: datetime
    updated_at: datetime
    title: str
    link: str


@dataclass(frozen=True)
class Feed:
    title: str
    self_url: str
    alternate_url: str | None
    entries: list
    # When the feed has no entries: the time it last changed, as far as known.
    empty_updated: datetime = EPOCH


def comment_tag(host, comment_id, created_at):
    """The comment's permanent id, a tag: URI (RFC 4151) under the service's
    host name, dated by the comment: stable whatever its article's URL."""
    return f"tag:{host},{created_at.astimezone(UTC):%Y-%m-%d}:comments/{comment_id}"


def host_of(base_url):
    return urlsplit(base_url).hostname or "localhost"


def write_feed(feed, host):
    """The feed as UTF-8 bytes, newest entry first as given."""
    root = ET.Element("feed", xmlns=ATOM)
    text(root, "id", feed.self_url)
    text(root, "title", feed.title)
    newest = max((entry.updated_at for entry in feed.entries), default=feed.empty_updated)
    text(root, "updated", timestamp(newest))
    ET.SubElement(root, "link", rel="self", type="application/atom+xml", href=clean(feed.self_url))
    if feed.alternate_url:
        ET.SubElement(root, "link", rel="alternate", type="text/html", href=clean(feed.alternate_url))
    for entry in feed.entries:
        root.append(entry_element(entry, host))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def entry_element(entry, host):
    element = ET.Element("entry")
    text(element, "id", comment_tag(host, entry.comment_id, entry.created_at))
    text(element, "title", entry.title)
    text(element, "published", timestamp(entry.created_at))
    text(element, "updated", timestamp(entry.updated_at))
    author = ET.SubElement(element, "author")
    text(author, "name", entry.author_name)
    if entry.author_website:
        text(author, "uri", entry.author_website)
    ET.SubElement(element, "link", rel="alternate", type="text/html", href=clean(entry.link))
    # The body as stored, sanitised on write: escaped here, so a reader gets
    # the same HTML the widget shows (API.md "Body sanitisation").
    text(element, "content", entry.body_html, type="html")
    return element


def text(parent, tag, value, **attributes):
    child = ET.SubElement(parent, tag, **attributes)
    child.text = clean(value)
    return child


def clean(value):
    return _NOT_XML.sub("", value)


def timestamp(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
