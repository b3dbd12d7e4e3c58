"""A comment's context for moderators (GET /comments?author_of=, ?parent_id=,
?order=): the author's other comments, found without the address in a URL,
and the replies, in every status, page by page."""

import pytest

from tests.moderation_support import API, ARTICLE, OTHER, assert_error


def listed(client, headers, **query):
    response = client.get(f"{API}/comments", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return [comment["id"] for comment in response.json["comments"]], response.json["next_cursor"]


def test_more_from_this_author_finds_the_address_however_it_was_typed(client, make_comment, moderator):
    mine = [make_comment(ARTICLE, status="approved", email="Olena@Example.org"),
            make_comment(OTHER, status="spam", email="olena@example.org"),
            make_comment(ARTICLE, status="pending", email="OLENA@EXAMPLE.ORG")]
    make_comment(ARTICLE, status="pending", email="taras@example.org")
    make_comment(ARTICLE, status="approved", email="olena@example.net")
    for comment_id in mine:
        assert listed(client, moderator, author_of=comment_id) == (mine, None)
    assert listed(client, moderator, author_of=mine[0], order="newest") == (mine[::-1], None)
    assert listed(client, moderator, author_of=mine[0], status="spam") == ([mine[1]], None)
    assert listed(client, moderator, author_of=mine[0], article_id=OTHER) == ([mine[1]], None)


def test_more_from_this_author_pages_both_ways(client, make_comment, moderator):
    mine = [make_comment(status=status, email="ann@example.org")
            for status in ("pending", "approved", "rejected", "spam", "pending")]
    for order, expected in (("oldest", mine), ("newest", mine[::-1])):
        seen, cursor = [], None
        while True:
            ids, cursor = listed(client, moderator, author_of=mine[2], order=order, limit=2,
                                 **({"cursor": cursor} if cursor else {}))
            seen += ids
            if cursor is None:
                break
        assert seen == expected, order


def test_more_from_the_author_of_a_comment_that_does_not_exist_is_a_404(client, pending, moderator):
    pending(1)
    response = client.get(f"{API}/comments", query_string={"author_of": 999}, headers=moderator)
    assert_error(response, 404, "not_found")


def test_replies_to_a_comment_in_every_status(client, make_comment, moderator):
    parent = make_comment()
    replies = [make_comment(parent_id=parent, status=status) for status in ("approved", "pending", "spam")]
    make_comment(parent_id=make_comment())
    assert listed(client, moderator, parent_id=parent) == (replies, None)
    assert listed(client, moderator, parent_id=parent, status="pending") == ([replies[1]], None)
    assert listed(client, moderator, parent_id=replies[0]) == ([], None)


def test_the_queue_can_be_read_newest_first(client, pending, moderator):
    ids = pending(3)
    assert listed(client, moderator, order="newest") == (ids[::-1], None)
    first, cursor = listed(client, moderator, order="newest", limit=2)
    assert first == ids[:0:-1]
    assert listed(client, moderator, order="newest", limit=2, cursor=cursor) == ([ids[0]], None)


@pytest.mark.parametrize("query,field", [
    ({"author_of": 0}, "author_of"), ({"author_of": "me"}, "author_of"),
    ({"author_of": 2**31}, "author_of"), ({"author_of": "olena@example.org"}, "author_of"),
    ({"parent_id": -1}, "parent_id"), ({"order": "random"}, "order"), ({"author": 1}, "author"),
])
def test_context_arguments_are_validated(client, moderator, query, field):
    response = client.get(f"{API}/comments", query_string=query, headers=moderator)
    assert_error(response, 422, "validation_failed")
    assert list(response.json["error"]["fields"]) == [field]
