"""Moderation endpoints: bearer-token calls that change what the public sees."""

from flask import Blueprint, g

from schemas import ModerationCommentSchema

from ..auth import moderator_required
from ..models import Status
from ..services import moderation

bp = Blueprint("moderation", __name__)

# Ids beyond a signed 64-bit integer cannot exist; werkzeug answers them 404.
COMMENT_ID = "<int(max=9223372036854775807):comment_id>"
ACTIONS = {"approve": Status.APPROVED, "reject": Status.REJECTED, "spam": Status.SPAM}


@bp.post(f"/comments/{COMMENT_ID}/<any(approve, reject, spam):action>")
@moderator_required()
def moderate_comment(comment_id, action):
    """Approve, reject or mark a comment as spam; idempotent."""
    comment = moderation.set_status(comment_id, ACTIONS[action], g.moderator)
    return ModerationCommentSchema().dump(comment)
