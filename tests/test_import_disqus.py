"""flask import disqus: a Disqus export, read back through the public API."""

from tests.import_support import FIXTURES, counts_match_comments, run_import, stored_state, thread

DISQUS = FIXTURES / "disqus.xml"


def test_disqus_threads_read_back_through_the_public_api(runner, client):
    result = run_import(runner, DISQUS)  # found from the content
    assert result.exit_code == 0, result.output
    comments, total = thread(client, "2020/02/budget-vote")
    assert total == 2
    assert [(depth, name) for _id, _parent, depth, name, _html in comments] == [(0, "Inês Araújo"),
                                                                                 (1, "Guest Reader")]
    assert comments[0][4] == ('<p>First, a paragraph.</p>\n<p>Then <a href="https://example.org/source" '
                              'rel="nofollow ugc noopener noreferrer">a source</a> and <i>emphasis</i>.</p>')
    archive = client.get("/api/v1/articles/2020/03/archive/comments").json
    assert archive["closed"] is True and archive["total"] == 1
    assert archive["comments"][0]["body_html"] == "<p>Escaped, not CDATA: 5 &lt; 6 &amp; done.</p>"
    assert archive["comments"][0]["created_at"] == "2020-03-02T07:45:10Z"
    for status in ("approved", "spam", "rejected"):
        assert status in result.stdout
    assert "without an address" in result.stdout
    assert counts_match_comments(runner.app)


def test_disqus_identifiers_name_articles_with_guid(runner, client):
    assert run_import(runner, "disqus", "--article-id", "guid", DISQUS).exit_code == 0
    assert client.get("/api/v1/counts?article_id=post-12").json["counts"]["post-12"] == 2


def test_a_disqus_import_run_twice_changes_nothing(app, runner):
    run_import(runner, "disqus", DISQUS)
    before = stored_state(app)
    assert run_import(runner, "disqus", DISQUS).exit_code == 0
    assert stored_state(app) == before
