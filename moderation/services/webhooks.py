"""Webhook endpoints that admins register: each gets a secret of its own,
shown once, with which every call to it is signed (Standard Webhooks)."""

import base64
import secrets

import sqlalchemy as sa

from ..errors import NotFound
from ..extensions import db
from ..notification_models import WEBHOOK_EVENTS, Webhook

# Standard Webhooks: "whsec_" and the base64 of 24 to 64 random bytes.
SECRET_PREFIX, SECRET_BYTES = "whsec_", 32


def new_secret():
    """A fresh signing secret in the Standard Webhooks form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def add_webhook(url, events=None, description=None):
    """Register an endpoint for some event types (all by default); its secret is shown once."""
    webhook = Webhook(url=url, events=list(events or WEBHOOK_EVENTS), description=description,
                      secret=new_secret())
    db.session.add(webhook)
    db.session.commit()
    return webhook


def list_webhooks():
    """Every endpoint, oldest first (secrets are not shown again)."""
    return db.session.scalars(sa.select(Webhook).order_by(Webhook.id)).all()


def delete_webhook(webhook_id):
    """Remove an endpoint and whatever is still queued for it."""
    if not db.session.execute(sa.delete(Webhook).where(Webhook.id == webhook_id)).rowcount:
        raise NotFound("No webhook with this id.")
    db.session.commit()


def subscribed_to(event_type):
    """Ids of the endpoints that want this event type."""
    return [webhook.id for webhook in list_webhooks() if str(event_type) in webhook.events]
