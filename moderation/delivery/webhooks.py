"""Webhook calls, signed as the Standard Webhooks specification says:
webhook-id (the event's stable id), webhook-timestamp, and webhook-signature
"v1,<base64 HMAC-SHA256>" of "id.timestamp.body" under the endpoint's secret."""

import base64
import hashlib
import hmac
import time
import urllib.error
import urllib.request

import orjson

from schemas.notifications import WebhookEventSchema

from ..extensions import db
from ..models import Comment
from ..notification_models import Webhook
from ..services.article_pages import article_url
from .transport import DeliveryFailed

USER_AGENT = "comment-service-webhooks/1"
EVENT_SCHEMA = WebhookEventSchema()


def sign(secret, message_id, timestamp, body):
    """The webhook-signature header's value for one call."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def event_body(event, comment, url_template):
    """The JSON body of a call about event (WebhookEventSchema)."""
    article = comment.article
    return orjson.dumps(EVENT_SCHEMA.dump({
        "type": event.type, "timestamp": event.created_at,
        "data": {"event_id": event.event_id, "comment": comment,
                 "article": {"article_id": article.article_id, "title": article.title,
                             "url": article_url(article, url_template)}},
    }))


def webhook_request(delivery, event, config):
    """The signed request of one call, or None when there is nothing to send
    (the comment or the endpoint is gone). Signed afresh at each attempt:
    the timestamp is the attempt's."""
    webhook = db.session.get(Webhook, delivery.webhook_id)
    comment = db.session.get(Comment, event.comment_id) if event.comment_id else None
    if webhook is None or comment is None:
        return None
    body = event_body(event, comment, config["ARTICLE_URL_TEMPLATE"])
    timestamp = str(int(time.time()))
    return urllib.request.Request(webhook.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "webhook-id": event.event_id, "webhook-timestamp": timestamp,
        "webhook-signature": sign(webhook.secret, event.event_id, timestamp, body),
    })


def post(request, timeout):
    """Make the call; DeliveryFailed unless it is answered 2xx in time."""
    try:
        # No redirects followed: a signed body goes to the registered URL only.
        with NO_REDIRECTS.open(request, timeout=timeout) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"HTTP {error.code}") from None
    except (OSError, ValueError) as error:
        raise DeliveryFailed(type(error).__name__) from None


class RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx then fails the attempt as an HTTPError


NO_REDIRECTS = urllib.request.build_opener(RefuseRedirects)
