"""Auto-moderation through the API, on both databases: what each rule does
to a real submission, and what the author and moderators see."""

import itertools
import json

import itsdangerous
import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.rules import FORM_REASONS

ARTICLE = "2026/11/abuse"
URL = f"/api/v1/articles/{ARTICLE}/comments"
API = "/api/v1/moderation"
_bodies = itertools.count(1)


def post(client, **fields):
    payload = {"name": "Olena", "email": "olena@example.org", "body": f"Comment {next(_bodies)}", **fields}
    return client.post(URL, json=payload)


def stored(app, comment_id):
    with app.app_context():
        row = db.session.execute(sa.text("SELECT status, reasons FROM comments WHERE id = :id"),
                                 {"id": comment_id}).one()
    reasons = row.reasons if isinstance(row.reasons, list) else json.loads(row.reasons)
    return row.status, reasons


def form_token(client, article=ARTICLE):
    response = client.get(f"/api/v1/articles/{article}/form-token")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.json["form_token"]


@pytest.fixture
def instant_forms(app):
    app.config["FORM_MIN_SECONDS"] = 0


def test_honeypot_is_answered_like_any_comment_and_stored_as_spam(app, client, instant_forms):
    response = post(client, website_url="http://bot.example", form_token=form_token(client))
    assert response.status_code == 202 and response.json["status"] == "pending"
    assert stored(app, response.json["id"]) == ("spam", ["The hidden honeypot field was filled in."])


def test_duplicates_are_refused_with_409(app, client):
    assert post(client, body="Same words").status_code == 202
    response = post(client, body="Same words")
    assert response.status_code == 409 and response.json["error"]["code"] == "duplicate"
    assert post(client, body="Same words", email="other@example.org").status_code == 202
    assert client.post("/api/v1/articles/elsewhere/comments",
                       json={"name": "O", "email": "olena@example.org", "body": "Same words"}).status_code == 202
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM comments")) == 3


def test_duplicate_window_is_a_setting(app, client):
    app.config["DUPLICATE_WINDOW"] = 0
    assert post(client, body="Again").status_code == 202
    assert post(client, body="Again").status_code == 202


def test_two_links_hold_one_does_not(app, client, instant_forms):
    one = post(client, body="See https://example.org/a", form_token=form_token(client))
    two = post(client, body="See https://example.org/a and https://example.org/b", form_token=form_token(client))
    assert stored(app, one.json["id"]) == ("pending", [])
    assert stored(app, two.json["id"]) == ("pending", ["Contains 2 links (held at 2 or more)."])


def test_form_token_problems_are_held_not_refused(app, client, monkeypatch):
    fresh = form_token(client)
    too_fast = post(client, form_token=fresh)
    forged = post(client, form_token=fresh[:-2] + "xx")
    elsewhere = post(client, form_token=form_token(client, "other/article"))
    real_timestamp = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real_timestamp(self) - 3 * 60 * 60)
    old = form_token(client)
    monkeypatch.undo()
    expired = post(client, form_token=old)
    for response, problem in [(too_fast, "too_fast"), (forged, "invalid"), (elsewhere, "other_article"),
                              (expired, "expired"), (post(client), "missing")]:
        assert response.status_code == 202
        assert stored(app, response.json["id"])[1] == [FORM_REASONS[problem]], problem


def test_rules_lists_round_trip_normalised(client, moderator):
    body = {"words": ["  Casino ", "ｃｈｅａｐ pills"], "emails": ["Spammer@Example.com"],
            "domains": ["@Spam.Example."], "networks": ["203.0.113.77/24", "2001:db8:bad::1/48"]}
    response = client.put(f"{API}/rules", json=body, headers=moderator)
    assert response.status_code == 200
    assert response.json == {"words": ["casino", "cheap pills"], "emails": ["spammer@example.com"],
                             "domains": ["spam.example"], "networks": ["2001:db8:bad::/48", "203.0.113.0/24"]}
    assert client.get(f"{API}/rules", headers=moderator).json == response.json
    partial = client.put(f"{API}/rules", json={"words": []}, headers=moderator).json
    assert partial["words"] == [] and partial["emails"] == ["spammer@example.com"]


@pytest.mark.parametrize("body,field", [
    ({"networks": ["not-a-network"]}, "networks"), ({"emails": ["nope"]}, "emails"),
    ({"domains": ["bad domain"]}, "domains"), ({"words": [""]}, "words"), ({"colours": []}, "colours"),
    ({"words": "casino"}, "words"),
])
def test_rules_are_validated(client, moderator, body, field):
    response = client.put(f"{API}/rules", json=body, headers=moderator)
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_rules_need_a_token(client):
    assert client.get(f"{API}/rules").status_code == 401
    assert client.put(f"{API}/rules", json={}).status_code == 401


def test_blocked_word_sends_to_spam_with_its_reason(app, client, moderator):
    client.put(f"{API}/rules", json={"words": ["casino"]}, headers=moderator)
    response = post(client, body="Visit the c\u200basino!")
    assert response.status_code == 202 and response.json["status"] == "pending"
    status, reasons = stored(app, response.json["id"])
    assert status == "spam" and "Contains the blocked word or phrase 'casino'." in reasons


@pytest.mark.parametrize("fields", [
    {"body": "Visit c&#97;sino tonight"}, {"body": "Visit <b>ca</b>sino tonight"},
    {"body": "Visit <em>c</em>&#x61;<i>s</i>ino tonight"},
    {"body": "Visit \u0441\u0430sino tonight"},            # Cyrillic с and а
    {"name": "\u0421\u0430sino King"},
])
def test_blocked_words_are_found_as_a_reader_sees_them(app, client, moderator, fields):
    client.put(f"{API}/rules", json={"words": ["casino"]}, headers=moderator)
    response = post(client, **fields)
    assert response.status_code == 202 and response.json["status"] == "pending"
    status, reasons = stored(app, response.json["id"])
    assert status == "spam" and "Contains the blocked word or phrase 'casino'." in reasons


def test_an_entry_typed_with_lookalike_letters_blocks_its_plain_spelling(app, client, moderator):
    answer = client.put(f"{API}/rules", json={"words": ["\u0421\u0410SINO"]}, headers=moderator).json
    assert answer["words"] == ["\u0441\u0430sino"]  # stored as the rule compares it: NFKC, case-folded
    for body in ("Best CASINO in town", "Best c\u0430sino in town"):
        assert stored(app, post(client, body=body).json["id"])[0] == "spam", body
    assert stored(app, post(client, body="Best casinos in town").json["id"])[0] == "pending"


def test_blocked_entries_with_quotes_and_backslashes_still_match(app, client, moderator):
    # The lists reach a submission as JSON built by the database (comments.py).
    words = ['say "cheese"', "back\\slash", "l'été [x]", "{\"json\": 1}"]
    assert client.put(f"{API}/rules", json={"words": words}, headers=moderator).status_code == 200
    for word in words:
        response = post(client, body=f"Well, {word} indeed")
        assert stored(app, response.json["id"])[0] == "spam", word
    assert stored(app, post(client, body="Nothing to see").json["id"])[0] == "pending"


def test_marking_spam_can_block_the_email_and_network(app, client, moderator):
    first = client.post(URL, json={"name": "S", "email": "Spam@Example.com", "body": "x"},
                        environ_base={"REMOTE_ADDR": "198.51.100.23"}).json["id"]
    answer = client.post(f"{API}/comments/{first}/spam?block=email&block=ip", headers=moderator)
    assert answer.status_code == 200 and answer.json["status"] == "spam"
    assert client.get(f"{API}/rules", headers=moderator).json["emails"] == ["spam@example.com"]
    assert client.get(f"{API}/rules", headers=moderator).json["networks"] == ["198.51.100.0/24"]
    again = client.post(URL, json={"name": "S", "email": "spam@example.com", "body": "y"},
                        environ_base={"REMOTE_ADDR": "192.0.2.1"}).json["id"]
    neighbour = client.post(URL, json={"name": "N", "email": "n@example.org", "body": "z"},
                            environ_base={"REMOTE_ADDR": "198.51.100.200"}).json["id"]
    assert stored(app, again)[0] == "spam" and stored(app, neighbour)[0] == "spam"


def test_blocking_a_tunnelled_client_blocks_its_ipv4_network_either_way(app, client, moderator):
    """A 6to4 client is stored by the IPv4 /24 its address carries, so block=ip
    blocks that /24: for the same person arriving natively, or through the tunnel."""
    first = client.post(URL, json={"name": "S", "email": "s@example.com", "body": "x"},
                        environ_base={"REMOTE_ADDR": "2002:c633:6417::1"}).json["id"]  # 198.51.100.23
    client.post(f"{API}/comments/{first}/spam?block=ip", headers=moderator)
    assert client.get(f"{API}/rules", headers=moderator).json["networks"] == ["198.51.100.0/24"]
    native = client.post(URL, json={"name": "N", "email": "n@example.org", "body": "y"},
                         environ_base={"REMOTE_ADDR": "198.51.100.200"}).json["id"]
    tunnelled = client.post(URL, json={"name": "T", "email": "t@example.org", "body": "z"},
                            environ_base={"REMOTE_ADDR": "2002:c633:64c8:1::9"}).json["id"]
    assert stored(app, native)[0] == "spam" and stored(app, tunnelled)[0] == "spam"


def test_blocklist_edits_are_in_the_audit_log_without_their_entries(client, moderator):
    comment_id = client.post(URL, json={"name": "S", "email": "Spam@Example.com", "body": "x"},
                             environ_base={"REMOTE_ADDR": "198.51.100.23"}).json["id"]
    client.post(f"{API}/comments/{comment_id}/spam?block=email&block=ip", headers=moderator)
    client.put(f"{API}/rules", json={"words": ["casino"], "domains": ["spam.example"]}, headers=moderator)
    refused = client.put(f"{API}/rules", json={"networks": ["not-a-network"]}, headers=moderator)
    assert refused.status_code == 422
    entries = client.get(f"{API}/log", headers=moderator).json["entries"]
    actions = [(entry["action"], entry["comment_id"], entry["moderator"]) for entry in entries]
    assert sorted(actions[:2]) == [("replace_domains", None, "mod"), ("replace_words", None, "mod")]
    assert actions[2:] == [("block_network", comment_id, "mod"), ("block_email", comment_id, "mod"),
                           ("spam", comment_id, "mod")]
    assert "spam@example.com" not in str(entries).lower() and "198.51" not in str(entries)


@pytest.mark.parametrize("action,query", [("approve", "?block=email"), ("spam", "?block=everything")])
def test_block_is_only_for_spam_and_validated(client, moderator, action, query):
    comment_id = post(client).json["id"]
    response = client.post(f"{API}/comments/{comment_id}/{action}{query}", headers=moderator)
    assert response.status_code == 422 and "block" in response.json["error"]["fields"]


def confirm_keys(app):
    """What following the confirmation link mailed to an address will do (the
    notifications issue): until then no key is confirmed, and none trusted."""
    with app.app_context():
        db.session.execute(sa.text("UPDATE author_keys SET confirmed_at = created_at"))
        db.session.commit()


@pytest.fixture
def trusting(app, instant_forms):
    app.config["TRUSTED_AUTHORS_ENABLED"] = True


def test_trusted_author_needs_the_key_not_just_the_email(app, client, moderator, trusting):
    first = post(client, form_token=form_token(client))
    key = first.json["author_key"]
    client.post(f"{API}/comments/{first.json['id']}/approve", headers=moderator)
    confirm_keys(app)
    impostor = post(client, form_token=form_token(client))
    assert impostor.status_code == 202 and "author_key" in impostor.json
    trusted = post(client, author_key=key, form_token=form_token(client))
    assert trusted.status_code == 201 and trusted.json["status"] == "approved"
    assert "author_key" not in trusted.json
    assert stored(app, trusted.json["id"]) == ("approved", ["Trusted returning author (1 approved, none spam)."])
    assert client.get(URL).json["total"] == 2
    wrong_email = post(client, author_key=key, email="someone.else@example.org", form_token=form_token(client))
    assert wrong_email.status_code == 202


def test_an_impostor_with_a_readers_address_and_a_key_of_its_own_is_held(app, client, moderator, trusting):
    """The reader has a trusted key; the impostor types her address, is given
    a key of its own, and posts with it: that key has no history of its own
    and no confirmed address, so its comments wait like anyone's."""
    reader = post(client, form_token=form_token(client))
    client.post(f"{API}/comments/{reader.json['id']}/approve", headers=moderator)
    confirm_keys(app)
    assert post(client, author_key=reader.json["author_key"], form_token=form_token(client)).status_code == 201
    impostor = post(client, name="Olena", form_token=form_token(client))
    assert impostor.status_code == 202
    again = post(client, author_key=impostor.json["author_key"], form_token=form_token(client))
    assert again.status_code == 202 and again.json["status"] == "pending"
    # Even once a moderator approves one of its comments, an unconfirmed key earns nothing.
    client.post(f"{API}/comments/{again.json['id']}/approve", headers=moderator)
    third = post(client, author_key=impostor.json["author_key"], form_token=form_token(client))
    assert third.status_code == 202


def test_a_key_is_trusted_for_what_was_posted_with_it_not_under_the_address(app, client, moderator, trusting):
    earlier = post(client, form_token=form_token(client))  # approved, but with another key
    client.post(f"{API}/comments/{earlier.json['id']}/approve", headers=moderator)
    fresh = post(client, form_token=form_token(client))
    confirm_keys(app)
    response = post(client, author_key=fresh.json["author_key"], form_token=form_token(client))
    assert response.status_code == 202


def test_no_author_key_is_issued_while_trust_is_off(app, client):
    response = post(client)
    assert response.status_code == 202 and "author_key" not in response.json
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM author_keys")) == 0


def test_a_trusted_reply_and_a_new_key_are_stored_whole(app, client, moderator, trusting):
    """A trusted reply gets its path and thread, the article its count and
    version (and nothing else), and a new author key works."""
    first = post(client, form_token=form_token(client))  # makes the article's row
    client.post(f"{API}/comments/{first.json['id']}/approve", headers=moderator)
    confirm_keys(app)
    query = sa.text("SELECT approved_count, version, created_at, closed FROM articles WHERE key = :key")
    with app.app_context():
        before = db.session.execute(query, {"key": ARTICLE}).one()
    reply = post(client, author_key=first.json["author_key"], parent_id=first.json["id"],
                 form_token=form_token(client))
    assert reply.status_code == 201 and reply.json["status"] == "approved" and reply.json["depth"] == 1
    with app.app_context():
        after = db.session.execute(query, {"key": ARTICLE}).one()
        rows = {row.id: row for row in db.session.execute(sa.text(
            "SELECT id, parent_id, thread_id, path, depth FROM comments WHERE id IN (:a, :b)"),
            {"a": first.json["id"], "b": reply.json["id"]})}
    parent, child = rows[first.json["id"]], rows[reply.json["id"]]
    assert (child.parent_id, child.thread_id, child.depth) == (parent.id, parent.id, 1)
    assert child.path == parent.path + f"{child.id:010d}"
    assert (after.approved_count, after.version) == (before.approved_count + 1, before.version + 1)
    assert (after.created_at, after.closed) == (before.created_at, before.closed)
    newcomer = post(client, email="new.reader@example.org", form_token=form_token(client))
    assert newcomer.status_code == 202 and newcomer.json["author_key"]
    again = post(client, email="new.reader@example.org", author_key=newcomer.json["author_key"])
    assert again.status_code == 202 and "author_key" not in again.json  # the key was recognised
    listing = client.get(URL).json
    assert [c["id"] for c in listing["comments"]] == [first.json["id"], reply.json["id"]]


def test_trust_ends_with_a_comment_marked_spam(app, client, moderator, trusting):
    first = post(client, form_token=form_token(client))
    key = first.json["author_key"]
    client.post(f"{API}/comments/{first.json['id']}/approve", headers=moderator)
    confirm_keys(app)
    client.post(f"{API}/comments/{post(client, author_key=key).json['id']}/spam", headers=moderator)
    assert post(client, author_key=key, form_token=form_token(client)).status_code == 202


def test_trust_is_off_by_default(app, client, moderator, instant_forms):
    app.config["TRUSTED_AUTHORS_ENABLED"] = True
    first = post(client, form_token=form_token(client))
    client.post(f"{API}/comments/{first.json['id']}/approve", headers=moderator)
    confirm_keys(app)
    app.config["TRUSTED_AUTHORS_ENABLED"] = False
    assert post(client, author_key=first.json["author_key"], form_token=form_token(client)).status_code == 202


def test_links_hold_even_a_trusted_author(app, client, moderator, trusting):
    first = post(client, form_token=form_token(client))
    client.post(f"{API}/comments/{first.json['id']}/approve", headers=moderator)
    confirm_keys(app)
    response = post(client, author_key=first.json["author_key"], form_token=form_token(client),
                    body="https://example.org/a https://example.com/b")
    assert response.status_code == 202


def test_erasure_removes_author_keys_and_blocklist_entry(app, client, moderator, admin, trusting):
    comment_id = post(client, email="gone@example.org").json["id"]
    client.post(f"{API}/comments/{comment_id}/spam?block=email", headers=moderator)
    export = client.post(f"{API}/authors/export", json={"email": "gone@example.org"}, headers=moderator).json
    assert export["blocked"] is True and len(export["author_keys_issued_at"]) == 1
    client.post(f"{API}/authors/erase", json={"email": "gone@example.org"}, headers=admin)
    with app.app_context():
        for table in ("author_keys", "blocklist", "comments"):
            assert "gone@example.org" not in str(db.session.execute(sa.text(f"SELECT * FROM {table}")).all())


def test_form_token_endpoint_validates_the_article(client):
    assert client.get("/api/v1/articles/%00/form-token").status_code == 422
