"""Webhooks: endpoints that admins register, called for each event with a
body the OpenAPI description documents, signed as Standard Webhooks says;
a receiver checks each call with a verifier written from the specification."""

import json
import time

import jsonschema
import pytest

from moderation.openapi import get_spec
from tests.moderation_support import API, assert_error
from tests.notify_support import WebhookReceiver, deliver, mail_settings, verify_webhook
from tests.servers import free_port

ARTICLE = "2026/12/hooks"
EMAIL = "private.reader@example.org"


@pytest.fixture
def settings():
    return mail_settings(free_port(), ARTICLE_URL_TEMPLATE="https://news.example/{article_id}")


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


def register(client, admin, url, **fields):
    answer = client.post(f"{API}/webhooks", headers=admin, json={"url": url, **fields})
    assert answer.status_code == 201, answer.json
    return answer.json


def test_admins_register_list_and_delete_endpoints(client, admin, moderator):
    made = register(client, admin, "https://hooks.example/comments", description="Slack bridge")
    assert made["secret"].startswith("whsec_") and made["events"] == [
        "comment.held", "comment.approved", "reply.approved", "comment.spam"]
    listed = client.get(f"{API}/webhooks", headers=admin).json["webhooks"]
    assert listed == [{key: value for key, value in made.items() if key != "secret"}]  # shown once only
    assert_error(client.get(f"{API}/webhooks", headers=moderator), 403, "forbidden")
    assert_error(client.post(f"{API}/webhooks", headers=admin, json={"url": "ftp://x.example"}),
                 422, "validation_failed")
    assert_error(client.post(f"{API}/webhooks", headers=admin, json={"url": "https://x.example", "events": ["x"]}),
                 422, "validation_failed")
    assert client.delete(f"{API}/webhooks/{made['id']}", headers=admin).status_code == 204
    assert_error(client.delete(f"{API}/webhooks/{made['id']}", headers=admin), 404, "not_found")


def test_a_held_comment_is_called_in_signed_with_the_documented_body(app, client, admin, post_comment, receiver):
    secret = register(client, admin, receiver.url)["secret"]
    comment_id = post_comment(ARTICLE, email=EMAIL, body="Held, <b>bold</b>.").json["id"]
    deliver(app)
    [(headers, body)] = receiver.calls
    payload = verify_webhook(secret, headers, body)
    assert payload["type"] == "comment.held" and headers["content-type"] == "application/json"
    assert payload["data"]["event_id"] == headers["webhook-id"]
    comment = payload["data"]["comment"]
    assert (comment["id"], comment["status"], comment["author"]["name"]) == (comment_id, "pending", "Olena")
    assert payload["data"]["article"] == {"article_id": ARTICLE, "title": None,
                                          "url": f"https://news.example/{ARTICLE}"}
    assert "private.reader" not in body.decode() and "ip" not in comment  # no address, no network
    spec = get_spec(app)  # the body is what the OpenAPI description says, nothing more
    jsonschema.validate(payload, {**spec["components"]["schemas"]["WebhookEvent"], "components": spec["components"]})


def test_the_verifier_refuses_a_tampered_body_an_old_timestamp_and_a_wrong_secret(app, client, admin,
                                                                                  post_comment, receiver):
    secret = register(client, admin, receiver.url)["secret"]
    post_comment(ARTICLE)
    deliver(app)
    [(headers, body)] = receiver.calls
    verify_webhook(secret, headers, body)
    with pytest.raises(ValueError, match="signature"):
        verify_webhook(secret, headers, body.replace(b"pending", b"approved"))
    with pytest.raises(ValueError, match="tolerance"):
        verify_webhook(secret, headers, body, now=int(headers["webhook-timestamp"]) + 301)
    with pytest.raises(ValueError, match="signature"):
        verify_webhook(register(client, admin, receiver.url)["secret"], headers, body)
    with pytest.raises(ValueError, match="signature"):
        verify_webhook(secret, {**headers, "webhook-id": "evt_other"}, body)


def test_an_endpoint_hears_only_the_events_it_chose(app, client, admin, moderator, post_comment, receiver):
    register(client, admin, receiver.url, events=["comment.approved", "reply.approved"])
    parent = post_comment(ARTICLE).json["id"]
    client.post(f"{API}/comments/{parent}/approve", headers=moderator)
    reply = post_comment(ARTICLE, parent_id=parent).json["id"]
    client.post(f"{API}/comments/{reply}/approve", headers=moderator)
    spam = post_comment(ARTICLE).json["id"]
    client.post(f"{API}/comments/{spam}/spam", headers=moderator)
    deliver(app)
    heard = [(json.loads(body)["type"], json.loads(body)["data"]["comment"]["id"]) for _, body in receiver.calls]
    assert heard == [("comment.approved", parent), ("comment.approved", reply), ("reply.approved", reply)]


@pytest.mark.parametrize("settings", [mail_settings(free_port(), NOTIFY_MAX_ATTEMPTS=2)])
def test_a_failing_receiver_is_retried_then_dead_then_retried_with_the_same_id(app, client, admin, moderator,
                                                                              post_comment, receiver):
    register(client, admin, receiver.url)
    receiver.status = 500
    post_comment(ARTICLE)
    deliver(app)
    assert len(receiver.calls) == 2
    [dead] = client.get(f"{API}/deliveries", headers=moderator).json["deliveries"]
    assert (dead["channel"], dead["last_error"], dead["attempts"]) == ("webhook", "HTTP 500", 2)
    receiver.status = 200
    client.post(f"{API}/deliveries/{dead['id']}/retry", headers=moderator)
    deliver(app)
    ids = {headers["webhook-id"] for headers, _ in receiver.calls}
    timestamps = [int(headers["webhook-timestamp"]) for headers, _ in receiver.calls]
    assert ids == {dead["event_id"]} and len(receiver.calls) == 3
    assert all(abs(stamp - time.time()) < 60 for stamp in timestamps)


def test_a_redirect_is_not_followed(app, client, admin, moderator, post_comment, receiver):
    register(client, admin, receiver.url)
    receiver.status = 302
    post_comment(ARTICLE)
    app.config["NOTIFY_MAX_ATTEMPTS"] = 1
    deliver(app)
    [dead] = client.get(f"{API}/deliveries", headers=moderator).json["deliveries"]
    assert dead["last_error"] == "HTTP 302"
