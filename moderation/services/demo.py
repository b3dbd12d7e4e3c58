"""Demo data for the demo article, so a newcomer sees the whole flow at once."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..http import ClientInfo
from ..models import Article, Comment, Moderator, Status
from .article_pages import set_article_page
from .comments import submit_comment
from .moderation import Actor, set_status
from .moderator_mail import set_mail_setting
from .moderators import add_moderator

DEMO_MODERATOR = Actor("demo seed")
# Mailed each held comment (into instance/mail/ under `make run`); its token
# is never shown: the approve and reject links of its mails act for it.
DEMO_MAIL_MODERATOR = ("demo moderator", "moderator@example.org")
# What mails call the demo article (templates/demo.html has the same headline).
DEMO_TITLE = "North Korean shells make up nearly 40% of Russia's artillery supply, Budanov says"
# (name, email, website, body, reply-to index or None, status)
DEMO_COMMENTS = [
    ("Mykola", "mykola@example.org", None,
     "If the 40% figure holds, the supply question matters more than any single battle.", None, Status.APPROVED),
    ("Hanna K.", "hanna@example.org", "https://hanna.example.org",
     "Worth remembering these are *his* estimates, given to one outlet.\n\nStill, the "
     "<em>losses</em> figure is striking. Source: https://www.bloomberg.com/", 0, Status.APPROVED),
    ("Tom", "tom@example.net", None, "A ceasefire before the year is out sounds optimistic to me.", None,
     Status.APPROVED),
    ("Mykola", "mykola@example.org", None, "Fair point, Hanna.", 1, Status.APPROVED),
    ("New reader", "new.reader@example.com", None,
     "First time commenting here: this one still waits for a moderator.", None, Status.PENDING),
]


def seed_demo(article_id, settings):
    """Add the demo comments unless the article has comments already; returns how many were added."""
    existing = db.session.scalar(
        sa.select(sa.func.count(Comment.id)).join(Article).where(Article.article_id == article_id)
    )
    if existing:
        return 0
    add_mail_moderator()
    set_article_page(article_id, DEMO_TITLE, None)
    client = ClientInfo(ip="192.0.2.0", user_agent="demo seed", address="192.0.2.1")
    made = []
    for name, email, website, body, parent, status in DEMO_COMMENTS:
        data = {"name": name, "email": email, "website": website, "body": body,
                "parent_id": made[parent].id if parent is not None else None}
        comment = submit_comment(article_id, data, client=client, settings=settings)
        if status != Status.PENDING:
            set_status(comment.id, status, DEMO_MODERATOR)
        made.append(comment)
    return len(made)


def add_mail_moderator():
    """The demo's moderator who is mailed each held comment, once."""
    name, address = DEMO_MAIL_MODERATOR
    if db.session.scalar(sa.select(Moderator.id).where(Moderator.name == name)) is None:
        set_mail_setting(add_moderator(name)[0].id, address, "each")


@dataclass(frozen=True)
class Story:
    """An article of the demo's article list, which shows count badges."""

    article_id: str
    kicker: str
    title: str
    byline: str
    # (name, email, body) of its approved comments, seeded once.
    comments: tuple = ()


DEMO_STORIES = [
    Story("2026/11/black-sea-grain-record", "Economy",
          "Black Sea corridor ships a record month of grain, port authority says", "Staff report",
          (("Oksana", "oksana@example.org", "Good news for the farmers who kept sowing all the same."),)),
    Story("2026/11/kyiv-metro-winter", "Kyiv", "Metro stations get ready to shelter residents this winter",
          "City desk"),
]


def seed_demo_list(settings):
    """Seed the comments of the article list's other stories, once; returns how many were added."""
    client = ClientInfo(ip="192.0.2.0", user_agent="demo seed", address="192.0.2.1")
    added = 0
    for story in DEMO_STORIES:
        if db.session.scalar(sa.select(Article.id).where(Article.article_id == story.article_id)) is not None:
            continue
        set_article_page(story.article_id, story.title, None)
        for name, email, body in story.comments:
            comment = submit_comment(story.article_id, {"name": name, "email": email, "website": None,
                                                        "body": body, "parent_id": None},
                                     client=client, settings=settings)
            set_status(comment.id, Status.APPROVED, DEMO_MODERATOR)
            added += 1
    return added
