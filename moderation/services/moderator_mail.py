"""Where and how often each moderator hears of held comments (every one at
once, an hourly digest, or nothing), and what the links in those mails do."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import NotFound
from ..extensions import db
from ..mail_tokens import BadLink
from ..models import Comment, Moderator, utcnow
from ..notification_models import MailFrequency, ModeratorMail, UsedLink
from . import moderation


def find_moderator(name):
    """The moderator of this name, or NotFound."""
    moderator = db.session.scalar(sa.select(Moderator).where(Moderator.name == name))
    if moderator is None:
        raise NotFound("No moderator with this name.")
    return moderator


def get_mail_setting(moderator_id):
    """A moderator's setting; one who set none is mailed nothing."""
    return db.session.get(ModeratorMail, moderator_id) or ModeratorMail(
        moderator_id=moderator_id, email=None, frequency=MailFrequency.NONE)


def set_mail_setting(moderator_id, email, frequency):
    """Set a moderator's address and frequency ("each", "hourly" or "none")."""
    setting = db.session.get(ModeratorMail, moderator_id)
    if setting is None:
        setting = ModeratorMail(moderator_id=moderator_id)
        db.session.add(setting)
    if frequency == MailFrequency.HOURLY and setting.frequency != MailFrequency.HOURLY:
        setting.digest_until = utcnow()  # the first digest covers the hour from now
    setting.email, setting.frequency = email, MailFrequency(frequency)
    db.session.commit()
    return setting


def check_moderation_link(link):
    """The comment a mailed approve/reject link acts on, or BadLink: its
    moderator's token was revoked, the link was used, or the comment is gone."""
    if db.session.get(Moderator, link.moderator_id) is None:
        raise BadLink("invalid")
    used = db.session.get(UsedLink, link.jti)
    if used is not None:
        raise BadLink("used", used.used_at)
    comment = db.session.get(Comment, link.comment_id)
    if comment is None:
        raise BadLink("gone")
    return comment


def moderate_by_link(link):
    """Approve or reject a comment from a mailed link, once; the audit log
    names the moderator the mail was for. The link is marked used in the
    same transaction as the change, so of two clicks at once one wins."""
    check_moderation_link(link)
    db.session.add(UsedLink(jti=link.jti))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise BadLink("used") from None
    moderator = db.session.get(Moderator, link.moderator_id)
    return moderation.set_status(link.comment_id, moderation.ACTION_STATUSES[link.action], moderator)
