"""The calls the service makes to registered webhook endpoints, described as
OpenAPI 3.1 "webhooks": the body's schema and the Standard Webhooks headers."""

from schemas.notifications import WebhookEventSchema

# The body of every call, under this name in components/schemas.
WEBHOOK_BODY = ("WebhookEvent", WebhookEventSchema)
WEBHOOK_HEADERS = {
    "webhook-id": "The event's stable id: the same on every retry, so a receiver drops a repeat.",
    "webhook-timestamp": "Seconds since the epoch when this attempt was made; refuse an old one.",
    "webhook-signature": "`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the endpoint's "
                         "secret (the base64 after `whsec_`), as Standard Webhooks specifies.",
}


def describe_webhooks(spec):
    """The finished document of spec, with its webhooks and their body's schema."""
    spec.components.schema(WEBHOOK_BODY[0], schema=WEBHOOK_BODY[1])
    return {**spec.to_dict(), "webhooks": {"commentEvent": webhook_item()}}


def webhook_item():
    """The one call every webhook endpoint receives, for each event type it subscribed to."""
    parameters = [{"in": "header", "name": name, "required": True, "description": text, "schema": {"type": "string"}}
                  for name, text in WEBHOOK_HEADERS.items()]
    return {"post": {
        "summary": "A comment was held, approved or marked spam, or a reply was approved.",
        "parameters": parameters,
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{WEBHOOK_BODY[0]}"}}}},
        "responses": {"2XX": {"description": "Received. Anything else, or no answer within "
                                             "WEBHOOK_TIMEOUT, is retried with backoff."}},
    }}

