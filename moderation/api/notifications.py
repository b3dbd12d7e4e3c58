"""Notification settings under the moderation API: webhook endpoints
(admins), undelivered mails and calls, each moderator's mail, and the title
and URL of an article's page that mails link to."""

from flask import Blueprint, g

from schemas.notifications import (
    ArticlePageOutSchema, ArticlePageSchema, DeliveryArgsSchema, DeliveryPageSchema, DeliverySchema,
    MailSettingOutSchema, MailSettingSchema, WebhookCreatedSchema, WebhookCreateSchema, WebhookListSchema,
)

from .. import limits
from ..auth import moderator_required
from ..extensions import limiter
from ..http import load, no_content
from ..models import Role
from ..openapi import documented
from ..services import article_pages, deliveries, moderator_mail, webhooks
from .moderation import page_args
from .public import valid_article_id

bp = Blueprint("notifications", __name__)
# The moderation API's budgets (api/moderation.py).
limiter.limit(limits.moderation_limit, key_func=limits.token_key)(bp)
limiter.limit(limits.auth_failure_limit, key_func=limits.client_key, deduct_when=limits.is_auth_failure)(bp)


@bp.get("/webhooks")
@documented(responses={200: WebhookListSchema}, auth=Role.ADMIN)
@moderator_required(role=Role.ADMIN)
def list_webhooks():
    """The registered webhook endpoints (admins only)."""
    return WebhookListSchema().dump({"webhooks": webhooks.list_webhooks()})


@bp.post("/webhooks")
@documented(request=WebhookCreateSchema, responses={201: WebhookCreatedSchema}, auth=Role.ADMIN)
@moderator_required(role=Role.ADMIN)
def add_webhook():
    """Register a webhook endpoint; its signing secret is shown in this answer only."""
    data = load(WebhookCreateSchema())
    return WebhookCreatedSchema().dump(webhooks.add_webhook(**data)), 201


@bp.delete("/webhooks/<id:webhook_id>")
@documented(responses={204: None}, auth=Role.ADMIN)
@moderator_required(role=Role.ADMIN)
def delete_webhook(webhook_id):
    """Remove a webhook endpoint and the calls still queued for it."""
    webhooks.delete_webhook(webhook_id)
    return no_content()


@bp.get("/deliveries")
@documented(query=DeliveryArgsSchema, responses={200: DeliveryPageSchema}, auth=Role.MODERATOR, errors=(400,))
@moderator_required()
def list_deliveries():
    """Mails and webhook calls in one state (dead by default), oldest first."""
    args = page_args(DeliveryArgsSchema())
    return DeliveryPageSchema().dump(deliveries.list_deliveries(args["state"], limit=args["limit"],
                                                                after=args["cursor"]))


@bp.post("/deliveries/<id:delivery_id>/retry")
@documented(responses={200: DeliverySchema}, auth=Role.MODERATOR)
@moderator_required()
def retry_delivery(delivery_id):
    """Try a dead delivery again, with a fresh set of attempts; others are left as they are."""
    return DeliverySchema().dump(deliveries.retry_delivery(delivery_id))


@bp.get("/me/notifications")
@documented(responses={200: MailSettingOutSchema}, auth=Role.MODERATOR)
@moderator_required()
def get_mail_setting():
    """Where and how often this token's moderator hears of held comments."""
    return MailSettingOutSchema().dump(moderator_mail.get_mail_setting(g.moderator.id))


@bp.put("/me/notifications")
@documented(request=MailSettingSchema, responses={200: MailSettingOutSchema}, auth=Role.MODERATOR)
@moderator_required()
def set_mail_setting():
    """Set this moderator's address and frequency: each held comment, an hourly digest, or none."""
    data = load(MailSettingSchema())
    return MailSettingOutSchema().dump(moderator_mail.set_mail_setting(g.moderator.id, **data))


@bp.put("/articles/<path:article_id>/page")
@documented(request=ArticlePageSchema, responses={200: ArticlePageOutSchema}, auth=Role.MODERATOR)
@moderator_required()
def set_article_page(article_id):
    """Set the title and URL of an article's page, which mails name and link to."""
    article_id = valid_article_id(article_id)
    data = load(ArticlePageSchema())
    return ArticlePageOutSchema().dump(article_pages.set_article_page(article_id, **data))
