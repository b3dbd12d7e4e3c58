"""Atom feeds: RFC 4287's required elements, read back by feedparser as a
feed reader would, nothing private in them, escaped text, ETag/304 like the
listing, and one indexed query each."""

import re
import xml.etree.ElementTree as ET
from datetime import datetime

import feedparser
import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import Article, Comment, Status
from moderation.services import feeds
from moderation.services.threads import PageCache
from tests.moderation_support import API
from tests.test_queries import plan_of_last_statement

ARTICLE = "2026/11/demo"
FEED = f"/feeds/articles/{ARTICLE}.atom"
NS = {"a": "http://www.w3.org/2005/Atom"}
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def get_feed(client, path=FEED, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    return response


def required_elements(data):
    """Checks RFC 4287's MUSTs on the document; returns its root."""
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"

    def one(parent, tag):
        found = parent.findall(f"a:{tag}", NS)
        assert len(found) == 1, f"{tag}: {len(found)}"
        return found[0]

    for tag in ("id", "title"):
        assert one(root, tag).text
    assert RFC3339.fullmatch(one(root, "updated").text)
    [self_link] = [link for link in root.findall("a:link", NS) if link.get("rel") == "self"]
    assert self_link.get("href") == one(root, "id").text
    feed_has_author = bool(root.findall("a:author", NS))
    for entry in root.findall("a:entry", NS):
        assert re.fullmatch(r"tag:[\w.-]+,\d{4}-\d\d-\d\d:comments/\d+", one(entry, "id").text)
        assert one(entry, "title").text
        for tag in ("updated", "published"):
            assert RFC3339.fullmatch(one(entry, tag).text)
        assert feed_has_author or one(one(entry, "author"), "name").text
        assert one(entry, "content").get("type") == "html"
        assert [link.get("rel") for link in entry.findall("a:link", NS)] == ["alternate"]
    return root


def parsed(response):
    feed = feedparser.parse(response.data, sanitize_html=False,
                            response_headers={"content-type": response.headers["Content-Type"]})
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_an_articles_feed_lists_approved_comments_newest_first(client, make_comment):
    approved = [make_comment(ARTICLE, name=f"Reader {n}") for n in range(3)]
    make_comment(ARTICLE, status="pending")
    make_comment(ARTICLE, status="rejected")
    make_comment("2026/11/other")
    reply = make_comment(ARTICLE, parent_id=approved[0], name="Replier")
    response = get_feed(client)
    required_elements(response.data)
    feed = parsed(response)
    assert feed.feed.title == f"Comments on {ARTICLE}"
    assert feed.feed.link == f"http://localhost/embed/{ARTICLE}"
    listing = {c["id"]: c for c in client.get(f"/api/v1/articles/{ARTICLE}/comments").json["comments"]}
    ids = [int(entry.id.rsplit("/", 1)[1]) for entry in feed.entries]
    assert ids == [reply, *reversed(approved)]
    for entry, comment_id in zip(feed.entries, ids):
        comment = listing[comment_id]
        assert entry.author == comment["author"]["name"] and entry.title == f"{entry.author} on {ARTICLE}"
        assert entry.content[0].value == comment["body_html"] and entry.content[0].type == "text/html"
        assert entry.published == comment["created_at"]
        assert entry.link == f"http://localhost/embed/{ARTICLE}#c{comment_id}"


def test_a_feed_holds_at_most_fifty_entries(client, post_comment, moderator):
    ids = [post_comment(ARTICLE).json["id"] for _ in range(feeds.FEED_ENTRIES + 2)]
    client.post(f"{API}/bulk", json={"action": "approve", "ids": ids}, headers=moderator)
    for path in (FEED, "/feeds/recent.atom"):
        entries = parsed(get_feed(client, path)).entries
        assert [int(e.id.rsplit("/", 1)[1]) for e in entries] == ids[::-1][:feeds.FEED_ENTRIES]


def test_a_feed_tells_nothing_private(app, client, make_comment):
    make_comment(ARTICLE, email="olena.private@example.org", website="https://olena.example.org/a?b=1")
    data = b"".join(get_feed(client, path).data for path in (FEED, "/feeds/recent.atom"))
    for secret in (b"olena.private", b"@example.org", b"127.0.0", b"Werkzeug", b"avatar"):
        assert secret not in data
    [entry] = parsed(get_feed(client)).entries
    assert entry.author_detail == {"name": "Olena", "href": "https://olena.example.org/a?b=1"}


def test_names_titles_and_bodies_are_xml_text(client, make_comment, moderator):
    name = "Tom & \"Jerry\" ]] &amp; 'x' &lt;"
    body = "<script>alert(1)</script> <img src=x onerror=alert(2)> <b>bold</b> ]]><x:y/> &#x3c;"
    comment_id = make_comment(ARTICLE, name=name, body=body)
    title = "Shells & \"40%\" <script>alert(3)</script>"
    client.put(f"{API}/articles/{ARTICLE}/page", json={"title": title, "url": "https://news.example/a"},
               headers=moderator)
    response = get_feed(client)
    root = required_elements(response.data)
    # Only Atom elements: nothing of a name, title or body became markup of the feed.
    assert {element.tag.split("}")[0] for element in root.iter()} == {"{http://www.w3.org/2005/Atom"}
    assert root.find("a:title", NS).text == f"Comments on {title}"
    entry = root.find("a:entry", NS)
    assert entry.find("a:author/a:name", NS).text == name
    stored = client.get(f"/api/v1/articles/{ARTICLE}/comments").json["comments"][0]
    assert stored["id"] == comment_id and entry.find("a:content", NS).text == stored["body_html"]
    assert "<script>" not in stored["body_html"]  # the sanitiser's escaping, carried as text
    assert parsed(response).entries[0].link == "https://news.example/a"


def test_characters_xml_cannot_carry_are_dropped(client, make_comment):
    make_comment(ARTICLE, body="before\ufffe\uffffafter")
    make_comment(ARTICLE, body="x" + "\uffff" * 9_998 + "y")  # the longest body, all but two dropped
    newest, first = parsed(get_feed(client)).entries
    assert "beforeafter" in first.content[0].value and "xy" in newest.content[0].value


def test_etag_and_304_like_the_listing(client, make_comment, moderator):
    make_comment(ARTICLE)
    first = get_feed(client)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=10"
    again = client.get(FEED, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == first.headers["Cache-Control"]
    comment_id = make_comment(ARTICLE)  # an approval bumps the article's version
    second = client.get(FEED, headers={"If-None-Match": etag})
    assert second.status_code == 200 and second.headers["ETag"] != etag
    assert str(comment_id) in second.get_data(as_text=True)
    # The page's title and URL are in the feed, so they are in its ETag too.
    client.put(f"{API}/articles/{ARTICLE}/page", json={"title": "A title", "url": None}, headers=moderator)
    third = client.get(FEED, headers={"If-None-Match": second.headers["ETag"]})
    assert third.status_code == 200 and parsed(third).feed.title == "Comments on A title"


def test_the_sites_feed_changes_when_a_listed_comment_does(client, make_comment, moderator):
    first = make_comment("2026/11/one")
    second = make_comment("2026/11/two")
    response = get_feed(client, "/feeds/recent.atom")
    required_elements(response.data)
    feed = parsed(response)
    assert feed.feed.title == "Recent comments"
    assert [e.title for e in feed.entries] == ["Olena on 2026/11/two", "Olena on 2026/11/one"]
    etag = response.headers["ETag"]
    assert client.get("/feeds/recent.atom", headers={"If-None-Match": etag}).status_code == 304
    client.post(f"{API}/comments/{first}/reject", headers=moderator)
    changed = client.get("/feeds/recent.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert [int(e.id.rsplit("/", 1)[1]) for e in parsed(changed).entries] == [second]


def test_entry_ids_stay_when_the_article_moves(client, make_comment, moderator):
    make_comment(ARTICLE)
    before = parsed(get_feed(client)).entries[0]
    client.put(f"{API}/articles/{ARTICLE}/page", json={"title": "Moved", "url": "https://news.example/new"},
               headers=moderator)
    after = parsed(get_feed(client)).entries[0]
    assert after.id == before.id and after.link != before.link
    assert before.id.startswith(f"tag:localhost,{datetime.now():%Y}")


@pytest.mark.parametrize("settings", [{"PUBLIC_URL": "https://comments.example/"}])
def test_links_use_the_public_url(client, make_comment):
    make_comment(ARTICLE)
    feed = parsed(get_feed(client))
    assert feed.feed.id == f"https://comments.example/feeds/articles/{ARTICLE}.atom"
    assert feed.entries[0].id.startswith("tag:comments.example,")


def test_an_unknown_article_has_an_empty_feed_and_is_not_created(app, client):
    from tests.moderation_support import article_row

    response = get_feed(client, "/feeds/articles/never/seen.atom")
    root = required_elements(response.data)
    assert root.findall("a:entry", NS) == [] and root.find("a:updated", NS).text == "1970-01-01T00:00:00Z"
    assert article_row(app, "never/seen") is None


@pytest.mark.parametrize("path", ["/feeds/articles/a/../b.atom", "/feeds/articles/a%E2%80%AEb.atom",
                                  f"/feeds/articles/{'x' * 201}.atom"])
def test_bad_article_ids_are_refused_as_the_listing_refuses_them(client, path):
    response = client.get(path)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed" and "article_id" in response.json["error"]["fields"]


def test_a_feed_path_without_its_suffix_is_not_found(client):
    response = client.get(f"/feeds/articles/{ARTICLE}")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def add_queue_on_another_article(is_sqlite):
    """2,000 pending comments on another article: a plan that walked every
    comment, or every one of the article, would have to wade through them."""
    table = Comment.__table__
    row = db.session.execute(sa.select(table).where(table.c.path != "")).first()
    other = db.session.execute(sa.insert(Article.__table__).values(article_id="2026/11/busy")
                               .returning(Article.__table__.c.id)).scalar_one()
    values = {column.key: value for column, value in zip(table.c, row) if column.key != "id"}
    db.session.execute(sa.insert(table), [{**values, "article_pk": other, "status": Status.PENDING,
                                           "email_key": f"other{n}@example.org"} for n in range(2000)])
    db.session.commit()
    if not is_sqlite:
        db.session.execute(sa.text("ANALYZE comments"))
        db.session.commit()


@pytest.mark.parametrize("which,index", [("article", "ix_comments_article_feed"), ("recent", "ix_comments_status_id")])
def test_each_feed_reads_its_entries_on_an_index_in_order(app, make_comment, database_url, which, index):
    for _ in range(3):
        make_comment(ARTICLE)
    is_sqlite = database_url.startswith("sqlite")
    with app.app_context():
        add_queue_on_another_article(is_sqlite)
        site = feeds.FeedSite("http://localhost", None)
        cache = PageCache(4)
        read = {"article": lambda: feeds.article_feed(ARTICLE, site=site, cache=cache, is_current=lambda e: False),
                "recent": lambda: feeds.recent_feed(site=site, cache=cache, is_current=lambda e: False)}[which]
        plan = plan_of_last_statement(is_sqlite, read, in_order=True)
        db.session.rollback()
    assert index in plan, plan
    assert "SCAN comments" not in plan and "Seq Scan on comments" not in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
