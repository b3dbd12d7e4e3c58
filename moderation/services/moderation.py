"""Moderators' actions on comments, articles and the blocklists. Every change
writes an audit entry and keeps the article's public count and version, and
the counts per status, in step, in one transaction."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Article, AuditEntry, BlockKind, Comment, Status, utcnow
from ..privacy import stored_network
from . import blocklist, closing, outbox
from .comments import ensure_article
from .counts import StatusShifts

# The status actions, and the status each one sets: API.md's three, and
# "requeue", which puts a comment back in the queue (the console's undo).
ACTION_STATUSES = {"approve": Status.APPROVED, "reject": Status.REJECTED, "spam": Status.SPAM,
                   "requeue": Status.PENDING}
# The audit log's vocabulary: a verb per action (those above, plus what only
# an admin, a data request or retention does).
STATUS_ACTIONS = {status: action for action, status in ACTION_STATUSES.items()}
DELETE, ERASE, CLOSE, REOPEN, DATE = "delete", "erase", "close", "reopen", "set_published_at"
# A moderator's close or reopen withdrawn: the article follows CLOSE_AFTER_DAYS again.
RESET = "reset_closed"
# Blocklist edits: what was blocked or replaced, never the entries themselves
# (addresses are personal data; GET /rules shows the lists as they are).
BLOCK_EMAIL, BLOCK_NETWORK = "block_email", "block_network"
REPLACE_LIST = {BlockKind.WORD: "replace_words", BlockKind.EMAIL: "replace_emails",
                BlockKind.DOMAIN: "replace_domains", BlockKind.NETWORK: "replace_networks"}
EDIT_LIST = {kind: f"edit_{kind}s" for kind in BlockKind}
# What the log's entries are about (GET /log?about=); the rest is about comments.
RULE_ACTIONS = (BLOCK_EMAIL, BLOCK_NETWORK, *REPLACE_LIST.values(), *EDIT_LIST.values())
ARTICLE_ACTIONS = (CLOSE, REOPEN, RESET, DATE)


@dataclass(frozen=True)
class Actor:
    """Who acts when no moderator token does (demo seeding, retention)."""

    name: str


@dataclass
class Blocked:
    """Entries that marking spam added to the blocklists (those already there aside)."""

    emails: list = field(default_factory=list)
    networks: list = field(default_factory=list)


@dataclass
class BulkResult:
    updated: int = 0
    missing: list = field(default_factory=list)
    blocked: Blocked | None = None


class ArticleChanges:
    """What a transaction changes in its articles' public listings and in the
    counts per status, applied at its end: article rows in article order,
    then the counts' buckets in bucket order. Rows are then locked last, and
    in one global order, so two bulk actions on the same articles cannot
    deadlock (comment rows are locked first, in id order)."""

    def __init__(self):
        self.deltas = {}
        self.counts = StatusShifts()

    def add(self, article_pk, previous, status):
        """A comment of the article moved from previous to status (None: deleted)."""
        self.counts.move(article_pk, previous, status)
        delta = (status == Status.APPROVED) - (previous == Status.APPROVED)
        if delta:
            self.deltas[article_pk] = self.deltas.get(article_pk, 0) + delta

    def touch(self, article_pk):
        """The article's listing changed (a listed comment's text), not its count."""
        self.deltas.setdefault(article_pk, 0)

    def apply(self):
        """Shift each article's approved count and bump its version, in article
        order, then the counts per status."""
        for article_pk in sorted(self.deltas):
            # In SQL, not Python: two moderators at once must not lose an increment.
            db.session.execute(
                sa.update(Article).where(Article.id == article_pk)
                .values(approved_count=Article.approved_count + self.deltas[article_pk],
                        version=Article.version + 1)
                .execution_options(synchronize_session=False)
            )
        self.counts.apply()


def get_comment(comment_id):
    """One comment in any status, or NotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("No comment with this id.")
    return comment


def set_status(comment_id, status, moderator, *, block=()):
    """Move a comment to status; doing it twice changes nothing the second time.
    Marking spam may also block the author's address ("email") or network ("ip")."""
    status = Status(status)
    check_block(status, block)
    comment = get_comment(comment_id)
    changes = ArticleChanges()
    apply_status(comment, status, moderator, changes)
    changes.apply()
    block_authors([comment], block, moderator)
    db.session.commit()
    return comment


def check_block(status, block):
    if block and status != Status.SPAM:
        raise ValidationFailed(fields={"block": ["Only marking a comment as spam can block its author."]})


def block_authors(comments, block, moderator):
    """Block the address ("email") and/or network ("ip") of each comment in
    the caller's transaction, with an audit entry per comment; returns what
    was not blocked before (what an undo would unblock)."""
    wanted = []
    for comment in comments:
        if "email" in block:
            wanted.append((BlockKind.EMAIL, comment.author_email, BLOCK_EMAIL, comment))
        if "ip" in block and comment.ip:
            # Only the anonymised network is stored, so the network is what gets blocked.
            wanted.append((BlockKind.NETWORK, stored_network(comment.ip), BLOCK_NETWORK, comment))
    wanted = [(kind, blocklist.NORMALISERS[kind](value), *rest) for kind, value, *rest in wanted]
    blocked = Blocked()
    # In the order of the stored (kind, value): two moderators blocking the
    # same entries wait for each other, never deadlock.
    for kind, value, action, comment in sorted(wanted, key=lambda item: (item[0], item[1], item[3].id)):
        added = blocklist.add_entry(kind, value)
        if added is not None:
            (blocked.emails if kind == BlockKind.EMAIL else blocked.networks).append(added)
        record(moderator, action, comment.article_pk, comment_id=comment.id)
    return blocked


def replace_rules(rules, moderator):
    """Replace the blocklists given in rules, with an audit entry per list."""
    for kind in blocklist.replace_lists(rules):
        record(moderator, REPLACE_LIST[kind], None)
    db.session.commit()
    return blocklist.list_rules()


def edit_rules(additions, removals, moderator):
    """Add and remove single blocklist entries, with an audit entry per list changed."""
    for kind in blocklist.edit_lists(additions, removals):
        record(moderator, EDIT_LIST[kind], None)
    db.session.commit()
    return blocklist.list_rules()


def delete_comment(comment_id, moderator):
    """Hard-delete one comment and its personal data; public replies stay."""
    comment = get_comment(comment_id)
    changes = ArticleChanges()
    if not discard_comment(comment, moderator, DELETE, changes):
        raise NotFound("No comment with this id.")
    changes.apply()
    db.session.commit()


def bulk_action(action, ids, moderator, *, block=()):
    """Apply one action to many comments in a single transaction; marking
    spam may also block their authors' addresses ("email") or networks ("ip")."""
    check_block(ACTION_STATUSES.get(action), block)
    # Comment rows are locked in id order, article rows at the end (ArticleChanges).
    comments = db.session.scalars(
        sa.select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id)
    ).all()
    found = {comment.id for comment in comments}
    result = BulkResult(missing=[comment_id for comment_id in ids if comment_id not in found])
    changes = ArticleChanges()
    for comment in comments:
        if action == DELETE:
            if not discard_comment(comment, moderator, DELETE, changes):
                result.missing.append(comment.id)  # deleted by someone else meanwhile
                continue
        else:
            apply_status(comment, ACTION_STATUSES[action], moderator, changes)
        result.updated += 1
    changes.apply()
    if block:
        result.blocked = block_authors(comments, block, moderator)
    db.session.commit()
    return result


def update_article(article_id, changes, moderator, *, close_after_days):
    """Close or reopen an article (either wins over CLOSE_AFTER_DAYS; None
    withdraws that decision), or set its publication date (None clears it);
    idempotent."""
    article = ensure_article(article_id)
    if "closed" in changes:
        closed = changes["closed"]
        if closed is None:  # the decision withdrawn: the age rule decides again
            changed = update_if(article.id, sa.or_(Article.closed, Article.kept_open), closed=False, kept_open=False)
        else:  # reopening is a decision too: the age rule no longer closes the article
            changed = update_if(article.id, sa.or_(Article.closed != closed, Article.kept_open == closed),
                                closed=closed, kept_open=not closed)
        if changed:
            record(moderator, RESET if closed is None else CLOSE if closed else REOPEN, article.id)
    if "published_at" in changes and update_if(
            article.id, Article.published_at.is_distinct_from(changes["published_at"]),
            published_at=changes["published_at"]):
        record(moderator, DATE, article.id)
    db.session.commit()
    db.session.refresh(article)
    return ArticleSettings(article.article_id, closing.article_closure(article, after_days=close_after_days),
                           article.published_at, article.approved_count)


def update_if(article_pk, condition, **values):
    """Compare-and-set, so that only a real change bumps the version and is logged."""
    return db.session.execute(
        sa.update(Article).where(Article.id == article_pk, condition)
        .values(**values, version=Article.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass(frozen=True)
class ArticleSettings(closing.ClosureFields):
    """An article's moderation settings as a change leaves them."""

    article_id: str
    closure: closing.Closure
    published_at: datetime | None
    approved_count: int


def apply_status(comment, status, moderator, changes):
    """Change one comment's status within the caller's transaction; the
    caller applies the article changes."""
    while comment.status != status:
        previous = comment.status
        # Compare-and-set: of two moderators acting at once, one wins and the
        # other sees the new status on its next pass, so counts never drift.
        changed = db.session.execute(
            sa.update(Comment)
            .where(Comment.id == comment.id, Comment.status == previous)
            .values(status=status, moderated_at=utcnow(), moderated_by=moderator.name,
                    updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            db.session.refresh(comment)
            continue
        changes.add(comment.article_pk, previous, status)
        outbox.record_status(comment.id, comment.parent_id, status)
        record(moderator, STATUS_ACTIONS[status], comment.article_pk,
               comment_id=comment.id, previous=previous, status=status)
        db.session.refresh(comment)


def discard_comment(comment, moderator, action, changes):
    """Hard-delete one comment within the caller's transaction (the caller
    applies the article changes); False if it is already gone."""
    previous = comment.status
    while True:
        # Compare-and-set on the status, as in apply_status: an approval that
        # lands first is seen, so the approved count is taken back correctly.
        deleted = db.session.execute(
            sa.delete(Comment).where(Comment.id == comment.id, Comment.status == previous)
            .execution_options(synchronize_session=False)
        ).rowcount
        if deleted:
            break
        previous = db.session.scalar(sa.select(Comment.status).where(Comment.id == comment.id))
        if previous is None:
            return False
    # Replies keep their path, so the public listing shows a placeholder here.
    changes.add(comment.article_pk, previous, None)
    record(moderator, action, comment.article_pk, comment_id=comment.id, previous=previous)
    db.session.expunge(comment)
    return True


def record(moderator, action, article_pk, *, comment_id=None, previous=None, status=None):
    """An audit entry: ids and statuses only, never the author's data."""
    db.session.add(AuditEntry(
        comment_id=comment_id, article_pk=article_pk, moderator=moderator.name, action=action,
        from_status=previous and str(previous), to_status=status and str(status),
    ))
