"""What undoing an action needs from the API, on both databases: marking spam
in bulk with blocks reports the entries it added, a PATCH of the rules
removes just those, and requeue puts the comments back."""

import pytest

from tests.moderation_support import API, assert_error, audit_rows, count_of, statuses

RULES = {"words": [], "emails": [], "domains": [], "networks": []}


def bulk(client, headers, **body):
    response = client.post(f"{API}/bulk", json=body, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def rules(client, headers):
    return client.get(f"{API}/rules", headers=headers).json


def test_bulk_spam_blocks_the_authors_and_says_what_it_added(app, client, make_comment, moderator):
    ann = [make_comment(status="pending", email="Ann@Example.org") for _ in range(2)]
    bob = make_comment(status="pending", email="bob@example.org")
    client.put(f"{API}/rules", json={"emails": ["bob@example.org"]}, headers=moderator)
    answer = bulk(client, moderator, action="spam", ids=[*ann, bob], block=["email", "ip"])
    # Bob was blocked already, and the three share one network: one of each is new.
    assert answer == {"updated": 3, "missing": [],
                      "blocked": {"emails": ["ann@example.org"], "networks": ["127.0.0.0/24"]}}
    assert rules(client, moderator) == {**RULES, "emails": ["ann@example.org", "bob@example.org"],
                                        "networks": ["127.0.0.0/24"]}
    blocks = [row for row in audit_rows(app) if row[2].startswith("block_")]
    assert sorted(blocks) == sorted([(i, "mod", "block_email", None, None) for i in (*ann, bob)]
                                    + [(i, "mod", "block_network", None, None) for i in (*ann, bob)])
    again = bulk(client, moderator, action="spam", ids=ann, block=["email"])
    assert again["blocked"] == {"emails": [], "networks": []}
    assert "blocked" not in bulk(client, moderator, action="spam", ids=ann)


def test_undo_of_spam_with_a_block_restores_everything(app, client, make_comment, post_comment, moderator):
    ids = [make_comment(status="pending", email=f"s{n}@example.org") for n in range(2)]
    approved = make_comment(status="approved", email="s0@example.org")
    before = (statuses(app), rules(client, moderator), count_of(client))
    answer = bulk(client, moderator, action="spam", ids=[*ids, approved], block=["email"])
    assert post_comment(email="s1@example.org").status_code == 202  # answered as pending, stored as spam
    undo = client.patch(f"{API}/rules", json={"remove": answer["blocked"]}, headers=moderator)
    assert undo.status_code == 200 and undo.json == RULES
    bulk(client, moderator, action="requeue", ids=ids)
    bulk(client, moderator, action="approve", ids=[approved])
    after = statuses(app)
    spam = [comment_id for comment_id, status in after.items() if status == "spam"]
    assert len(spam) == 1  # the comment posted while blocked
    del after[spam[0]]
    assert (after, rules(client, moderator), count_of(client)) == before


def test_rules_patch_adds_and_removes_single_entries(app, client, moderator):
    client.put(f"{API}/rules", json={"words": ["casino", "loan"], "networks": ["203.0.113.0/24"]},
               headers=moderator)
    response = client.patch(f"{API}/rules", headers=moderator, json={
        "add": {"words": ["Crypto", "loan"], "domains": ["@Spam.example."]},
        "remove": {"words": ["casino", "never listed"], "networks": [" 203.0.113.0/24"]}})
    assert response.status_code == 200
    assert response.json == {**RULES, "words": ["crypto", "loan"], "domains": ["spam.example"]}
    assert [row[2] for row in audit_rows(app)] == ["replace_words", "replace_networks", "edit_domains",
                                                    "edit_networks", "edit_words"]
    # Nothing to change: no entry in the log.
    client.patch(f"{API}/rules", json={"add": {"words": ["loan"]}}, headers=moderator)
    assert len(audit_rows(app)) == 5
    # In both: removed, then added again.
    both = client.patch(f"{API}/rules", json={"add": {"words": ["loan"]}, "remove": {"words": ["loan"]}},
                        headers=moderator)
    assert both.json["words"] == ["crypto", "loan"]


@pytest.mark.parametrize("body,field", [
    ({"action": "approve", "ids": [1], "block": ["email"]}, "block"),
    ({"action": "delete", "ids": [1], "block": ["ip"]}, "block"),
    ({"action": "spam", "ids": [1], "block": ["name"]}, "block"),
    ({"action": "spam", "ids": [1], "block": "email"}, "block"),
    ({"action": "spam", "ids": [1], "block": ["email", "ip", "email"]}, "block"),
])
def test_only_marking_spam_blocks_and_only_addresses_or_networks(app, client, pending, moderator, body, field):
    pending(1)
    response = client.post(f"{API}/bulk", json=body, headers=moderator)
    assert_error(response, 422, "validation_failed")
    assert list(response.json["error"]["fields"]) == [field]
    assert statuses(app) == {1: "pending"} and audit_rows(app) == []


@pytest.mark.parametrize("body,field", [
    ({"add": {"colours": ["red"]}}, "add"),
    ({"remove": {"emails": ["not an address"]}}, "remove"),
    ({"add": ["casino"]}, "add"),
    ({"replace": {}}, "replace"),
])
def test_rules_patch_is_validated(client, moderator, body, field):
    response = client.patch(f"{API}/rules", json=body, headers=moderator)
    assert_error(response, 422, "validation_failed")
    assert list(response.json["error"]["fields"]) == [field]
    assert rules(client, moderator) == RULES


def test_the_rules_log_shows_edits(client, moderator):
    client.patch(f"{API}/rules", json={"add": {"emails": ["x@example.org"]}}, headers=moderator)
    entries = client.get(f"{API}/log", query_string={"about": "rules"}, headers=moderator).json["entries"]
    assert [(e["action"], e["comment_id"]) for e in entries] == [("edit_emails", None)]
    assert "x@example.org" not in str(entries)  # the log names lists, never entries
