"""A WordPress export (WXR 1.2) of any size, written as a stream: posts of
COMMENTS_PER_POST comments each, a third of them replies, a few pending,
spam and pingbacks, bodies of a couple of hundred characters."""

import random

COMMENTS_PER_POST = 100
WORDS = ("the road was long and the weather kept changing but we still found time to write this down "
         "thanks for sharing it, it reminded me of my own trip last summer through the mountains "
         "дякую за допис zażółć gęślą jaźń").split()
HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Generated</title><link>https://bench.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://bench.example.org</wp:base_site_url>
<wp:base_blog_url>https://bench.example.org</wp:base_blog_url>
"""
POST = """<item><title><![CDATA[Post number {n}]]></title>
<link>https://bench.example.org/{year}/{month:02d}/post-{n}/</link>
<guid isPermaLink="false">https://bench.example.org/?p={n}</guid>
<content:encoded><![CDATA[The text of post {n}.]]></content:encoded>
<wp:post_id>{n}</wp:post_id><wp:comment_status><![CDATA[open]]></wp:comment_status>
<wp:post_name><![CDATA[post-{n}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status>
<wp:post_type><![CDATA[post]]></wp:post_type>
"""
COMMENT = """<wp:comment><wp:comment_id>{id}</wp:comment_id>
<wp:comment_author><![CDATA[Reader {author}]]></wp:comment_author>
<wp:comment_author_email><![CDATA[reader{author}@example.org]]></wp:comment_author_email>
<wp:comment_author_url>{website}</wp:comment_author_url>
<wp:comment_author_IP><![CDATA[203.0.{ip}.{host}]]></wp:comment_author_IP>
<wp:comment_date><![CDATA[{date}]]></wp:comment_date><wp:comment_date_gmt><![CDATA[{date}]]></wp:comment_date_gmt>
<wp:comment_content><![CDATA[{body}]]></wp:comment_content>
<wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>
<wp:comment_type><![CDATA[{kind}]]></wp:comment_type>
<wp:comment_parent>{parent}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id>
</wp:comment>
"""


def write_wxr(path, comments, *, seed=1):
    """Write a WXR file of `comments` comments to path; returns the number written."""
    rng = random.Random(seed)
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        post = 0
        while written < comments:
            post += 1
            out.write(POST.format(n=post, year=2010 + post % 15, month=1 + post % 12))
            first = written + 1
            for _ in range(min(COMMENTS_PER_POST, comments - written)):
                written += 1
                out.write(comment(rng, written, first))
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")
    return written


def comment(rng, comment_id, first_of_post):
    roll = rng.random()
    body = " ".join(rng.choices(WORDS, k=rng.randint(15, 45)))
    if roll < 0.1:
        body += "\n\nMore at https://example.com/notes/" + str(comment_id)
    parent = rng.randint(first_of_post, comment_id - 1) if comment_id > first_of_post and roll < 0.33 else 0
    return COMMENT.format(
        id=comment_id, author=rng.randint(1, 50_000), ip=rng.randint(0, 255), host=rng.randint(1, 254),
        website="https://reader.example.net/" if roll > 0.8 else "",
        date=f"20{10 + comment_id % 15}-{1 + comment_id % 12:02d}-{1 + comment_id % 28:02d} 10:{comment_id % 60:02d}:00",
        body=body,
        approved="0" if roll > 0.97 else "spam" if roll > 0.95 else "1",
        kind="pingback" if 0.94 < roll <= 0.95 else "comment", parent=parent)
