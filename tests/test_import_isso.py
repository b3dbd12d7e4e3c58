"""flask import isso: a database that Isso itself writes in the test,
read back through the public API."""

import time

import pytest

from tests.import_support import counts_match_comments, run_import, stored_state, thread

isso_config = pytest.importorskip("isso.config")
isso_db = pytest.importorskip("isso.db")
DAY = 24 * 60 * 60


@pytest.fixture
def isso_file(tmp_path):
    """comments.db as Isso 0.14 writes it: two threads, a reply, a pending
    comment, one without an address, one deleted that keeps its reply."""
    path = tmp_path / "comments.db"
    database = isso_db.SQLite3(str(path), isso_config.load(isso_config.default_file()))
    start = time.time() - 400 * DAY

    def add(uri, text, *, parent=None, mode=1, author="Olena", email="olena@example.org", at=0, **extra):
        return database.comments.add(uri, {
            "text": text, "author": author, "email": email, "website": extra.get("website"), "mode": mode,
            "remote_addr": extra.get("remote_addr", "203.0.113.0"), "parent": parent, "created": start + at,
        })["id"]

    database.threads.new("/blog/2021/hello-isso/", "Hello, Isso")
    database.threads.new("/notes/ünïcode/", None)
    first = add("/blog/2021/hello-isso/", "Markdown *stays* as written\n\n    code block", website="https://o.example")
    add("/blog/2021/hello-isso/", "A reply, with <b>markup</b> & an ampersand", parent=first, author="Bohdan",
        email="bohdan@example.net", at=60)
    add("/blog/2021/hello-isso/", "Waiting for a moderator", mode=2, at=120)
    add("/blog/2021/hello-isso/", "Isso takes comments without a name", author=None, email=None, at=150)
    doomed = add("/notes/ünïcode/", "To be deleted", author="Gone", email="gone@example.org", at=180)
    add("/notes/ünïcode/", "Привіт без адреси", parent=doomed, author="Анонім", email=None, at=240,
        remote_addr="2001:db8:1:2::")
    database.comments.delete(doomed)  # it has a reply: Isso keeps it as mode 4
    return path


def test_isso_threads_read_back_through_the_public_api(runner, client, isso_file):
    result = run_import(runner, "isso", isso_file)
    assert result.exit_code == 0, result.output
    comments, total = thread(client, "blog/2021/hello-isso")
    assert total == 3
    assert [(depth, name) for _id, _parent, depth, name, _html in comments] == [
        (0, "Olena"), (1, "Bohdan"), (0, "Anonymous")]
    assert comments[1][1] == comments[0][0]
    # Markdown source, rendered as a live comment's is.
    assert comments[0][4] == "<p>Markdown <em>stays</em> as written</p>\n<pre><code>code block\n</code></pre>"
    assert comments[1][4] == "<p>A reply, with <b>markup</b> &amp; an ampersand</p>"
    notes, notes_total = thread(client, "notes/ünïcode")
    assert notes_total == 1 and notes[0][2:4] == (0, "Анонім")  # its deleted parent is not imported
    for note in ("deleted in Isso", "reply made top-level", "without a name (shown as Anonymous)"):
        assert note in result.stdout
    assert counts_match_comments(runner.app)


def test_an_isso_import_run_twice_changes_nothing(app, runner, isso_file):
    run_import(runner, isso_file)  # found from the content
    before = stored_state(app)
    assert "already imported" in run_import(runner, isso_file).stdout
    assert stored_state(app) == before
