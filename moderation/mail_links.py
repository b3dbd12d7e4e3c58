"""The pages behind the links in mails: approve or reject a held comment,
confirm a reader's address, unsubscribe. Opening a link (GET) changes
nothing: it shows what the button below would do, because mail scanners
open links too. The button POSTs; so does a mail client's one-click
unsubscribe (RFC 8058), which needs no page at all."""

from flask import Blueprint, current_app, render_template

from . import mail_tokens
from .mail_tokens import BadLink
from .openapi import HTML, documented
from .services import moderator_mail, subscriptions

bp = Blueprint("mail_links", __name__, url_prefix="/mail")

# The token is in the URL: no referrer may carry it to a link on the page.
HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'",
           "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
PAGE_RESPONSES = {200: HTML, 404: HTML, 410: HTML}
PROBLEMS = {
    "invalid": (404, "This link is not valid", "It may have been cut short, or what it was for no longer exists."),
    "gone": (404, "This comment no longer exists", "It was deleted after the mail was sent."),
    "expired": (410, "This link has expired", "Links in these mails work for a limited time."),
    "used": (410, "This link was used already", "Each approve or reject link works once."),
}
ACTIONS = {"approve": ("Approve this comment?", "Approve", "Approved: the comment is public now."),
           "reject": ("Reject this comment?", "Reject", "Rejected: the comment stays hidden.")}


def page(heading, message, *, status=200, button=None, comment=None, used_at=None):
    """A small page: a heading, a message, and at most one button."""
    html = render_template("mail_link.html", heading=heading, message=message, button=button,
                           comment=comment, used_at=used_at)
    return html, status, HEADERS


def answer(render):
    """The page render() makes, or the page that says what is wrong with the link."""
    try:
        return render()
    except BadLink as problem:
        status, heading, message = PROBLEMS[problem.reason]
        return page(heading, message, status=status, used_at=problem.used_at)


def moderation_link(token):
    """The approve/reject link a token stands for (BadLink if expired or forged)."""
    config = current_app.config
    return mail_tokens.read_moderation_link(token, config["SECRET_KEY"], config["MODERATION_LINK_MAX_AGE"])


@bp.get("/moderate/<token>")
@documented(responses=PAGE_RESPONSES)
def moderation_page(token):
    """A held comment from a moderator's mail, with a button to approve or reject it."""
    def render():
        link = moderation_link(token)
        comment = moderator_mail.check_moderation_link(link)
        heading, button, _ = ACTIONS[link.action]
        return page(heading, f"It is {comment.status} now.", button=button, comment=comment)
    return answer(render)


@bp.post("/moderate/<token>")
@documented(form=("confirm",), responses=PAGE_RESPONSES)
def moderate(token):
    """Approve or reject the comment, once, without signing in."""
    def render():
        link = moderation_link(token)
        comment = moderator_mail.moderate_by_link(link)
        return page(ACTIONS[link.action][2], "This link cannot be used again.", comment=comment)
    return answer(render)


def confirmation(token):
    """(subscriber id, issued at) of a confirmation token."""
    config = current_app.config
    return mail_tokens.read_confirmation(token, config["SECRET_KEY"], config["CONFIRMATION_MAX_AGE"])


@bp.get("/confirm/<token>")
@documented(responses=PAGE_RESPONSES)
def confirmation_page(token):
    """The confirmation a reader's first subscription asks for, with a button."""
    def render():
        subscriber_id, _ = confirmation(token)
        subscriptions.get_subscriber(subscriber_id)
        return page("Confirm reply notifications?", "Replies to your comments will be mailed to you; "
                    "each mail lets you stop them with one click.", button="Confirm")
    return answer(render)


@bp.post("/confirm/<token>")
@documented(form=("confirm",), responses=PAGE_RESPONSES)
def confirm(token):
    """Confirm the address: replies it subscribed to are mailed from now on."""
    def render():
        subscriptions.confirm_address(*confirmation(token))
        return page("Confirmed", "You will get a mail when someone replies to your comments.")
    return answer(render)


def unsubscribe_scope(token):
    """(subscriber id, thread id or None, what the page calls it) of an unsubscribe token."""
    subscriber_id, thread_id = mail_tokens.read_unsubscribe(token, current_app.config["SECRET_KEY"])
    what = "this thread" if thread_id is not None else "any thread"
    return subscriber_id, thread_id, what


@bp.get("/unsubscribe/<token>")
@documented(responses=PAGE_RESPONSES)
def unsubscribe_page(token):
    """What unsubscribing does, with a button: opening the link changes nothing."""
    def render():
        subscriber_id, _, what = unsubscribe_scope(token)
        subscriptions.get_subscriber(subscriber_id)
        return page("Stop reply notifications?", f"No more mails about replies in {what}.", button="Unsubscribe")
    return answer(render)


@bp.post("/unsubscribe/<token>")
@documented(form=("List-Unsubscribe",), responses=PAGE_RESPONSES)
def unsubscribe(token):
    """Unsubscribe at once: the button, or a mail client's one-click POST (RFC 8058)."""
    def render():
        subscriber_id, thread_id, what = unsubscribe_scope(token)
        subscriptions.unsubscribe(subscriber_id, thread_id)
        return page("Unsubscribed", f"You will get no more mails about replies in {what}.")
    return answer(render)
