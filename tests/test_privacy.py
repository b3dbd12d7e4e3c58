"""The email never leaves the moderation side; IPs are stored anonymised."""

import logging

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.privacy import anonymise_ip, avatar_key

EMAIL = "Secret.Reader+tag@private-domain.example"
ARTICLE = "privacy/check"


def test_email_never_appears_in_public_responses_or_logs(app, client, moderator, caplog):
    caplog.set_level(logging.DEBUG)
    first = client.post(f"/api/v1/articles/{ARTICLE}/comments",
                        json={"name": "Reader", "email": EMAIL, "body": "A comment."})
    reply_ok = client.post(f"/api/v1/moderation/comments/{first.json['id']}/approve", headers=moderator)
    assert reply_ok.json["author"]["email"] == EMAIL  # moderators do see it
    public = [
        first,
        client.post(f"/api/v1/articles/{ARTICLE}/comments",
                    json={"name": "Reader", "email": EMAIL, "body": "reply", "parent_id": first.json["id"]}),
        client.post(f"/api/v1/articles/{ARTICLE}/comments", json={"name": "Reader", "email": EMAIL, "body": ""}),
        client.post(f"/api/v1/articles/{ARTICLE}/comments",
                    json={"name": "Reader", "email": EMAIL, "body": "x", "parent_id": 999}),
        client.get(f"/api/v1/articles/{ARTICLE}/comments"),
        client.get(f"/api/v1/articles/{ARTICLE}/comments?order=newest&limit=1"),
        client.get(f"/api/v1/counts?article_id={ARTICLE}"),
        client.get("/healthz"),
    ]
    assert public[4].json["total"] == 1
    local_part = EMAIL.split("@")[0].lower()
    for response in public:
        text = (response.get_data(as_text=True) + str(response.headers)).lower()
        assert local_part not in text and "private-domain" not in text, response.request.path
    for record in caplog.records:
        assert local_part not in record.getMessage().lower()


def test_the_answer_to_a_submission_carries_nothing_derived_from_the_email(app, client, moderator):
    """API.md: a poster must not be able to test a guessed address against a
    public commenter's avatar, so the 202 and 201 answers have avatar null;
    the listing shows it once the comment is public."""
    app.config.update(TRUSTED_AUTHORS_ENABLED=True, FORM_MIN_SECONDS=0)
    url = f"/api/v1/articles/{ARTICLE}/comments"
    held = client.post(url, json={"name": "Reader", "email": EMAIL, "body": "A comment."})
    assert held.status_code == 202 and held.json["author"] == {"name": "Reader", "website": None, "avatar": None}
    client.post(f"/api/v1/moderation/comments/{held.json['id']}/approve", headers=moderator)
    with app.app_context():  # as the mailed confirmation link will (trusted keys need one)
        db.session.execute(sa.text("UPDATE author_keys SET confirmed_at = created_at"))
        db.session.commit()
    token = client.get(f"/api/v1/articles/{ARTICLE}/form-token").json["form_token"]
    approved = client.post(url, json={"name": "Reader", "email": EMAIL, "body": "Trusted now.",
                                      "author_key": held.json["author_key"], "form_token": token})
    assert approved.status_code == 201 and approved.json["author"]["avatar"] is None
    listed = client.get(url).json["comments"]
    assert [comment["author"]["avatar"] for comment in listed] == [avatar_key(EMAIL, "test-secret")] * 2


def test_avatar_is_a_keyed_hash_of_the_normalised_email():
    key = avatar_key("Olena@Example.org ", "secret-one")
    assert key == avatar_key("olena@example.org", "secret-one")
    assert key != avatar_key("olena@example.org", "secret-two")
    assert len(key) == 16 and int(key, 16) >= 0
    import hashlib
    assert key not in hashlib.md5(b"olena@example.org").hexdigest()


@pytest.mark.parametrize("address,stored", [
    ("203.0.113.77", "203.0.113.0"),
    ("2001:db8:1234:5678::1", "2001:db8:1234::"),
    ("::ffff:198.51.100.9", "198.51.100.0"),
    # IPv6 addresses that carry an IPv4 address whole: their /48 would keep all
    # of a 6to4 one, so they are kept as the IPv4 address's /24 instead.
    ("2002:c633:6409::1", "198.51.100.0"),                      # 6to4 of 198.51.100.9
    ("2002:c633:6409:77:1:2:3:4", "198.51.100.0"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.0"),      # Teredo, client 192.0.2.45
    ("2001:db8::1", "2001:db8::"),                              # documentation range, not Teredo
    ("not an ip", None),
    ("", None),
])
def test_anonymise_ip(address, stored):
    assert anonymise_ip(address) == stored


def test_stored_ip_is_anonymised(app, client):
    client.post("/api/v1/articles/a/comments", json={"name": "R", "email": "r@example.org", "body": "x"},
                environ_base={"REMOTE_ADDR": "198.51.100.201"}, headers={"User-Agent": "Test\x00Agent/1.0"})
    with app.app_context():
        ip, agent = db.session.execute(sa.text("SELECT ip, user_agent FROM comments")).one()
    assert ip == "198.51.100.0" and agent == "TestAgent/1.0"


def test_proxy_fix_is_off_unless_configured(app, client):
    client.post("/api/v1/articles/a/comments", json={"name": "R", "email": "r@example.org", "body": "x"},
                environ_base={"REMOTE_ADDR": "10.1.2.3"}, headers={"X-Forwarded-For": "203.0.113.5"})
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT ip FROM comments")) == "10.1.2.0"


@pytest.mark.parametrize("settings", [{"PROXY_FIX_X_FOR": 1}])
def test_proxy_fix_trusts_the_configured_hops(app, client):
    client.post("/api/v1/articles/a/comments", json={"name": "R", "email": "r@example.org", "body": "x"},
                environ_base={"REMOTE_ADDR": "10.1.2.3"},
                headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.5"})
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT ip FROM comments")) == "203.0.113.0"
