"""Disqus's export (Admin -> Community -> Export): threads, then posts that
name their thread and parent by Disqus id, read as a stream."""

from ..models import Status
from .records import ArticleRecord, CommentRecord, utc_from_text
from .xmlstream import ends_of, text_of

SOURCE = "disqus"
DESCRIPTION = "a Disqus export"
NS, INTERNALS = "{http://disqus.com}", "{http://disqus.com/disqus-internals}id"
THREAD, POST, AUTHOR = NS + "thread", NS + "post", NS + "author"


def is_format(head):
    return b"<disqus" in head and b"http://disqus.com" in head


def count_comments(path):
    return sum(1 for element, _ in ends_of(path, {THREAD, POST}, scopes={AUTHOR}, depth=1) if element.tag == POST)


def read_comments(path):
    """CommentRecords in file order. Threads come first in an export and are
    kept by id (one small record per page); posts are handed on as read."""
    threads = {}
    for element, _ancestors in ends_of(path, {THREAD, POST}, scopes={AUTHOR}, depth=1):
        if element.tag == THREAD:
            article = read_thread(element)
            threads[article.key] = article
        elif element.tag == POST:
            yield read_post(element, threads)


def read_thread(element):
    identifier = text_of(element, NS + "id").strip()
    return ArticleRecord(key=element.get(INTERNALS, ""), url=text_of(element, NS + "link").strip() or None,
                         guid=identifier or None, title=text_of(element, NS + "title").strip() or None,
                         closed=flag(element, "isClosed"))


def read_post(element, threads):
    thread, parent = element.find(THREAD), element.find(NS + "parent")
    thread_id = thread.get(INTERNALS, "") if thread is not None else ""
    author = element.find(AUTHOR)
    if flag(element, "isSpam"):
        status = Status.SPAM
    elif flag(element, "isDeleted"):
        status = Status.REJECTED
    elif flag(element, "isApproved") is False:
        status = Status.PENDING
    else:
        status = Status.APPROVED
    return CommentRecord(
        source_id=element.get(INTERNALS, ""), article=threads.get(thread_id) or ArticleRecord(key=thread_id),
        parent_source_id=parent.get(INTERNALS) if parent is not None else None, status=status,
        name=text_of(author, NS + "name") if author is not None else None,
        email=text_of(author, NS + "email") if author is not None else None,
        website=None, ip=text_of(element, NS + "ipAddress"), body=text_of(element, NS + "message"),
        created_at=utc_from_text(text_of(element, NS + "createdAt"), "%Y-%m-%dT%H:%M:%SZ"),
    )


def flag(element, name):
    """A Disqus boolean: True, False, or None when the element is absent."""
    text = text_of(element, NS + name, None)
    return None if text is None else text.strip().lower() == "true"
