"""Hostile and foreign files are refused with a clear message, before
anything is written: entity expansion, external entities, malformed XML
(with its line and column), a database that is not Isso's."""

import sqlite3

import pytest

from tests.import_support import FIXTURES, run_import, stored_state

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>
<link>https://blog.example.org/a/</link><wp:post_id>1</wp:post_id>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author>&lol9;</wp:comment_author>
<wp:comment_content>x</wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment>
</item></channel></rss>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE disqus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><link>https://blog.example.org/a/</link></thread>
<post dsq:id="2"><message>&secret;</message><createdAt>2020-01-01T00:00:00Z</createdAt>
<author><name>X</name></author><thread dsq:id="1"/></post>
</disqus>
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_refused(app, result, *phrases):
    assert result.exit_code == 1, result.output
    assert "nothing was imported" in result.output
    for phrase in phrases:
        assert phrase in result.output
    assert stored_state(app) == ([], [])


def test_entity_expansion_is_refused(app, runner, tmp_path):
    result = run_import(runner, write(tmp_path, "bomb.xml", BILLION_LAUGHS))
    assert_refused(app, result, "bomb.xml", "entities")


def test_external_entities_are_refused(app, runner, tmp_path):
    result = run_import(runner, "disqus", write(tmp_path, "xxe.xml", EXTERNAL_ENTITY))
    assert_refused(app, result, "entities")
    assert "root:" not in result.output


def test_malformed_xml_names_the_line_and_column_and_writes_nothing(app, runner, tmp_path):
    lines = (FIXTURES / "wordpress.xml").read_text(encoding="utf-8").splitlines()
    # Many well-formed comments come first: a streaming import would have written them.
    broken = next(n for n, line in enumerate(lines) if "<wp:comment_id>30<" in line)
    lines[broken] = "\t\t\t<wp:comment_id>30 & 31</wp:comment_id>"
    result = run_import(runner, write(tmp_path, "broken.xml", "\n".join(lines)))
    assert_refused(app, result, f"malformed XML at line {broken + 1}, column 23")  # where the parser gave up, right after the &


def test_a_truncated_export_writes_nothing(app, runner, tmp_path):
    text = (FIXTURES / "wordpress.xml").read_text(encoding="utf-8")
    result = run_import(runner, "wordpress", write(tmp_path, "cut.xml", text[:len(text) * 3 // 4]))
    assert_refused(app, result, "malformed XML at line")


def test_a_database_that_is_not_isso_s_is_refused(app, runner, tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, body TEXT)")
        connection.execute("CREATE TABLE threads (id INTEGER PRIMARY KEY, uri TEXT, title TEXT)")
    connection.close()
    result = run_import(runner, "isso", path)
    assert_refused(app, result, "not Isso's", "'comments' table lacks")


@pytest.mark.parametrize("name,content,phrase", [
    ("notes.txt", "just some text\n", "not a WordPress (WXR) or Disqus export"),
    ("random.db", "SQLite format 3\x00" + "x" * 200, "not an SQLite database Isso wrote"),
    ("half.json", '{"format": "comment-service-export", "version": 1, "personal_data": false,\n"articles": [\n',
     "not our JSON export"),
    ("future.json", '{"format": "comment-service-export", "version": 2, "articles": [], "comments": []}',
     "version 2"),
])
def test_files_of_no_format_we_read_are_refused(app, runner, tmp_path, name, content, phrase):
    result = run_import(runner, write(tmp_path, name, content))
    assert_refused(app, result, phrase)


def test_a_named_format_must_match_the_content(app, runner):
    result = run_import(runner, "isso", FIXTURES / "wordpress.xml")
    assert_refused(app, result, "is not an Isso database")
