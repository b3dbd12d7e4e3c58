"""What each mail says, for whom: a held comment to a moderator, with
single-use approve and reject links; a digest of held comments; a reply to
a reader; the confirmation of a reader's address. Multipart plain text and
HTML, with a Message-ID made from the event's id (so a receiver can drop a
duplicate), and for readers RFC 8058 one-click unsubscribe."""

from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app, render_template

from .. import mail_tokens
from ..extensions import db
from ..models import Article, Comment, Moderator, Status, utcnow
from ..notification_models import EventType, MailFrequency, ModeratorMail, Subscriber
from ..services import notifications, subscriptions
from ..services.article_pages import article_url

# Subjects are plain text; a long article title is cut.
TITLE_IN_SUBJECT = 80


def compose(delivery, event):
    """The message of a mail delivery, or None when there is nothing left to
    send (its comment or recipient is gone, or its mail was turned off)."""
    if delivery.moderator_id is not None:
        setting = db.session.get(ModeratorMail, delivery.moderator_id)
        if setting is None or not setting.email or setting.frequency == MailFrequency.NONE:
            return None
        moderator = db.session.get(Moderator, delivery.moderator_id)
        if event.type == EventType.MODERATOR_DIGEST:
            return digest_mail(delivery, event, moderator, setting.email)
        return held_mail(delivery, event, moderator, setting.email)
    subscriber = db.session.get(Subscriber, delivery.subscriber_id)
    if subscriber is None:
        return None
    if event.type == EventType.ADDRESS_CONFIRMATION:
        return None if subscriber.confirmed_at else confirmation_mail(delivery, event, subscriber)
    return reply_mail(delivery, event, subscriber)


def held_mail(delivery, event, moderator, address):
    """A held comment, with its approve and reject links; None once it is decided or gone."""
    comment = db.session.get(Comment, event.comment_id)
    if comment is None or comment.status != Status.PENDING:
        return None  # gone, or a moderator decided already: nothing to ask
    context = {"comment": comment, **article_context(comment.article),
               "links": moderation_links(comment, moderator, f"d{delivery.id}")}
    subject = f"Held for moderation: {comment.author_name} on {short(context['title'])}"
    return message(delivery, event, address, subject, "held", context)


def digest_mail(delivery, event, moderator, address):
    """The past hour's held comments that still wait, each with its links; None if none does."""
    held = notifications.held_between(event.created_at - notifications.DIGEST_PERIOD, event.created_at)
    if not held:
        return None
    items = [{"comment": comment, **article_context(comment.article),
              "links": moderation_links(comment, moderator, f"d{delivery.id}c{comment.id}")} for comment in held]
    subject = f"{len(items)} comment{'s' if len(items) > 1 else ''} held for moderation"
    return message(delivery, event, address, subject, "digest", {"items": items})


def reply_mail(delivery, event, subscriber):
    """A reply to a subscriber's comment; None unless it is public and they still subscribe."""
    reply = db.session.get(Comment, event.comment_id)
    if (reply is None or reply.status != Status.APPROVED
            or not subscriptions.is_subscribed_to(subscriber.id, reply.parent_id)):
        return None
    secret = current_app.config["SECRET_KEY"]
    unsubscribe_all = public_link("mail_links.unsubscribe_page",
                                  token=mail_tokens.issue_unsubscribe(subscriber.id, None, secret))
    context = {"reply": reply, **article_context(reply.article), "unsubscribe_all": unsubscribe_all,
               "unsubscribe_thread": public_link("mail_links.unsubscribe_page", token=mail_tokens.issue_unsubscribe(
                   subscriber.id, reply.thread_id, secret))}
    mail = message(delivery, event, subscriber.email, f"New reply on {short(context['title'])}", "reply", context)
    # RFC 8058: a mail client unsubscribes with one POST, without opening a page.
    mail["List-Unsubscribe"] = f"<{unsubscribe_all}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return mail


def confirmation_mail(delivery, event, subscriber):
    """The link that confirms a reader's address for reply notifications."""
    config = current_app.config
    token = mail_tokens.issue_confirmation(subscriber.id, config["SECRET_KEY"])
    context = {"confirm": public_link("mail_links.confirmation_page", token=token),
               "days": config["CONFIRMATION_MAX_AGE"] // 86400}
    return message(delivery, event, subscriber.email, "Confirm reply notifications", "confirm", context)


def moderation_links(comment, moderator, jti):
    """Approve and reject links sharing one single-use marker."""
    secret = current_app.config["SECRET_KEY"]
    return {action: public_link("mail_links.moderation_page", token=mail_tokens.issue_moderation_link(
        mail_tokens.ModerationLink(comment.id, moderator.id, action, jti), secret))
        for action in ("approve", "reject")} | {"days": current_app.config["MODERATION_LINK_MAX_AGE"] // 86400}


def article_context(article: Article):
    """The article's title and the page to link to: its URL, or our own
    no-JavaScript page of the thread when the site told us none."""
    url = article_url(article, current_app.config["ARTICLE_URL_TEMPLATE"])
    return {"title": article.title or article.article_id,
            "url": url or public_link("embed.show_thread", article_id=article.article_id)}


def message(delivery, event, address, subject, template, context):
    """A multipart/alternative message from templates mail/<template>.txt and .html."""
    config = current_app.config
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = config["MAIL_FROM"]
    mail["To"] = address
    mail["Date"] = format_datetime(utcnow())
    # Stable across retries: a receiver that got the first attempt drops the second.
    mail["Message-ID"] = f"<{event.event_id}.{delivery.id}@{mail_domain(config['MAIL_FROM'])}>"
    mail["X-Event-Id"] = event.event_id
    # RFC 3834: no auto-reply to a notification.
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(render_template(f"mail/{template}.txt", **context))
    mail.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    return mail


def mail_domain(mail_from):
    """The domain of MAIL_FROM, which ends each Message-ID."""
    return parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"


def public_link(endpoint, **values):
    """An absolute URL under PUBLIC_URL, built from the app's routes."""
    scheme, _, rest = current_app.config["PUBLIC_URL"].rstrip("/").partition("://")
    host, _, path = rest.partition("/")
    adapter = current_app.url_map.bind(host, script_name=f"/{path}", url_scheme=scheme)
    return adapter.build(endpoint, values, force_external=True)


def short(text):
    """Text cut to fit a subject line."""
    return text if len(text) <= TITLE_IN_SUBJECT else text[:TITLE_IN_SUBJECT - 1] + "…"
