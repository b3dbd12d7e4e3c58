"""WordPress's export (WXR 1.0 to 1.2, Tools -> Export): an RSS file whose
items are posts, each with its wp:comment elements, read as a stream."""

from urllib.parse import urlsplit

from ..models import Status
from .records import ArticleRecord, CommentRecord, utc_from_text
from .xmlstream import ends_of, text_of

SOURCE = "wordpress"
DESCRIPTION = "a WordPress export (WXR)"
NAMESPACES = tuple(f"{{http://wordpress.org/export/1.{minor}/}}" for minor in range(3))
COMMENT_TAGS = frozenset(ns + "comment" for ns in NAMESPACES)
SITE_TAGS = frozenset(ns + "base_blog_url" for ns in NAMESPACES)

# wp:comment_approved -> our status; "post-trashed" is a comment of a trashed post.
STATUSES = {"1": Status.APPROVED, "0": Status.PENDING, "spam": Status.SPAM,
            "trash": Status.REJECTED, "post-trashed": Status.REJECTED}
# wp:comment_type of comments people wrote; pingbacks, trackbacks and
# plugins' own records (order notes, ...) are skipped by their type.
COMMENT_TYPES = frozenset({"", "comment", "review"})


def is_format(head):
    """Whether the start of a file looks like a WXR export."""
    return b"<rss" in head and b"http://wordpress.org/export/1." in head


def count_comments(path):
    """How many wp:comment elements the file holds; ImportRefused if it is hostile or malformed."""
    return sum(1 for _ in ends_of(path, COMMENT_TAGS | SITE_TAGS, scopes={"item"})
               if _[0].tag in COMMENT_TAGS)


def read_comments(path):
    """CommentRecords in file order, each with its post's ArticleRecord."""
    site, item, article = "", None, None
    for element, ancestors in ends_of(path, COMMENT_TAGS | SITE_TAGS, scopes={"item"}):
        if element.tag in SITE_TAGS:
            # Comment ids are per site: the host keeps two blogs' ids apart
            # (and survives a move from http to https).
            site = urlsplit((element.text or "").strip()).netloc.lower().removeprefix("www.")
            continue
        if not ancestors or ancestors[-1].tag != "item":
            continue
        if ancestors[-1] is not item:
            item = ancestors[-1]
            article = read_article(item, element.tag[:element.tag.index("}") + 1])
        yield read_comment(element, article, site)


def read_article(item, ns):
    """The post as far as it is read: WordPress writes its fields before its comments."""
    comment_status = text_of(item, ns + "comment_status", None)
    return ArticleRecord(
        key=text_of(item, ns + "post_id").strip(), url=text_of(item, "link").strip() or None,
        guid=text_of(item, "guid").strip() or None, title=text_of(item, "title").strip() or None,
        closed=None if comment_status is None else comment_status.strip() != "open",
        # GMT only: a draft's is "0000-00-00 00:00:00" (no date), and its local date is no publication.
        published_at=utc_from_text(text_of(item, ns + "post_date_gmt")),
    )


def read_comment(element, article, site):
    ns = element.tag[:element.tag.index("}") + 1]

    def field(name):
        return text_of(element, ns + name)

    kind, approved = field("comment_type").strip(), field("comment_approved").strip()
    skip = None
    if kind not in COMMENT_TYPES:
        skip = kind if kind in ("pingback", "trackback") else "other comment type"
    elif approved not in STATUSES:
        skip = "unknown status"
    parent = field("comment_parent").strip()
    return CommentRecord(
        source_id=qualified(site, field("comment_id").strip()), article=article,
        parent_source_id=qualified(site, parent) if parent not in ("", "0") else None,
        status=STATUSES.get(approved), skip=skip,
        name=field("comment_author"), email=field("comment_author_email"),
        website=field("comment_author_url"), ip=field("comment_author_IP"),
        body=field("comment_content"),
        # The GMT date, else (very old exports) the site's local time, read as UTC.
        created_at=utc_from_text(field("comment_date_gmt")) or utc_from_text(field("comment_date")),
    )


def qualified(site, comment_id):
    return f"{site}/{comment_id}" if site else comment_id
