"""Notification schemas: webhook endpoints, deliveries, moderators' mail
settings, an article's page, and the body of every webhook call (documented
under the OpenAPI description's `webhooks`)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .base import Cursor, SingleLineText, StrictSchema, UtcDateTime
from .comments import EmailAddress, WEBSITE_MAX, normalise_website
from .moderation import PageArgsSchema

EVENT_TYPES = ("comment.held", "comment.approved", "reply.approved", "comment.spam")
DELIVERY_STATES = ("pending", "delivered", "dead", "dropped")
FREQUENCIES = ("each", "hourly", "none")
TITLE_MAX = 300


class HttpUrl(SingleLineText):
    """An absolute http(s) URL with a host, as a website is checked."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > WEBSITE_MAX:
            raise ValidationError(f"Must be at most {WEBSITE_MAX} characters.")
        return normalise_website(text)


class WebhookCreateSchema(StrictSchema):
    """POST /api/v1/moderation/webhooks."""

    url = HttpUrl(required=True)
    events = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)),
                         validate=validate.Length(min=1), load_default=None)
    description = SingleLineText(load_default=None, allow_none=True, validate=validate.Length(max=200))


class WebhookSchema(Schema):
    """A registered endpoint; its secret is never shown again."""

    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)))
    description = fields.String(allow_none=True)
    created_at = UtcDateTime()


class WebhookCreatedSchema(WebhookSchema):
    """A new endpoint, with the secret that signs its calls: shown this once."""

    secret = fields.String(metadata={"description": "whsec_... (Standard Webhooks); store it now."})


class WebhookListSchema(Schema):
    webhooks = fields.List(fields.Nested(WebhookSchema))


class DeliveryArgsSchema(PageArgsSchema):
    """Query of GET /api/v1/moderation/deliveries."""

    state = fields.String(load_default="dead", validate=validate.OneOf(DELIVERY_STATES))


def recipient_of(delivery):
    for kind, value in (("moderator", delivery.moderator_id), ("reader", delivery.subscriber_id),
                        ("webhook", delivery.webhook_id)):
        if value is not None:
            return f"{kind}:{value}"
    return None


class DeliverySchema(Schema):
    """One mail or webhook call of an event, and how its attempts went."""

    id = fields.Integer()
    event_id = fields.String(attribute="event.event_id")
    event_type = fields.String(attribute="event.type")
    channel = fields.String(validate=validate.OneOf(("mail", "webhook")))
    recipient = fields.Function(recipient_of, metadata={"dumps": {
        "type": "string", "description": "moderator:<id>, reader:<id> or webhook:<id>; never an address."}})
    state = fields.String(validate=validate.OneOf(DELIVERY_STATES))
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = UtcDateTime()
    created_at = UtcDateTime()
    delivered_at = UtcDateTime(allow_none=True)


class DeliveryPageSchema(Schema):
    deliveries = fields.List(fields.Nested(DeliverySchema), attribute="items")
    next_cursor = Cursor()


class MailSettingSchema(StrictSchema):
    """PUT /api/v1/moderation/me/notifications: where and how often to hear of held comments."""

    email = EmailAddress(required=True, allow_none=True)
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))

    @validates_schema
    def address_unless_none(self, data, **_):
        if data.get("email") is None and data.get("frequency") != "none":
            raise ValidationError("An address is needed unless frequency is none.", "email")


class MailSettingOutSchema(Schema):
    email = fields.String(allow_none=True)
    frequency = fields.String(validate=validate.OneOf(FREQUENCIES))


class ArticlePageSchema(StrictSchema):
    """PUT /api/v1/moderation/articles/{article_id}/page: what mails call and link to."""

    title = SingleLineText(required=True, allow_none=True, validate=validate.Length(1, TITLE_MAX))
    url = HttpUrl(required=True, allow_none=True)


class ArticlePageOutSchema(Schema):
    article_id = fields.String()
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)


class WebhookAuthorSchema(Schema):
    name = fields.String(attribute="author_name")
    website = fields.String(attribute="author_website", allow_none=True)


class WebhookCommentSchema(Schema):
    """The comment an event is about, without its author's address or network."""

    id = fields.Integer()
    article_id = fields.String()
    parent_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "Its status when the call is made."})
    author = fields.Function(lambda comment: WebhookAuthorSchema().dump(comment),
                             metadata={"dumps": WebhookAuthorSchema})
    body_text = fields.String()
    body_html = fields.String()
    reasons = fields.List(fields.String())
    created_at = UtcDateTime()


class WebhookArticleSchema(Schema):
    article_id = fields.String()
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)


class WebhookDataSchema(Schema):
    event_id = fields.String(metadata={"description": "The webhook-id header: drop a repeat."})
    comment = fields.Nested(WebhookCommentSchema)
    article = fields.Nested(WebhookArticleSchema)


class WebhookEventSchema(Schema):
    """The JSON body of every webhook call (Standard Webhooks: type, timestamp, data)."""

    type = fields.String(validate=validate.OneOf(EVENT_TYPES))
    timestamp = UtcDateTime(metadata={"description": "When the event happened."})
    data = fields.Nested(WebhookDataSchema)
