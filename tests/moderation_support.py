"""Helpers shared by the moderation API tests."""

import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import Article, AuditEntry, Comment


API = "/api/v1/moderation"
ARTICLE = "2026/11/demo"
OTHER = "2026/11/other"
AGENT = {"User-Agent": "TestAgent/1.0"}


# --- helpers -------------------------------------------------------------

def audit_rows(app):
    """Every audit entry as (comment_id, moderator, action, from, to), oldest first."""
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEntry.comment_id, AuditEntry.moderator, AuditEntry.action,
                      AuditEntry.from_status, AuditEntry.to_status).order_by(AuditEntry.id)
        )]


def statuses(app):
    """{comment id: status} of every stored comment."""
    with app.app_context():
        return {id_: str(status) for id_, status in db.session.execute(
            sa.select(Comment.id, Comment.status))}


def article_row(app, key=ARTICLE):
    """(closed, approved_count, version) of an article, or None."""
    with app.app_context():
        row = db.session.execute(
            sa.select(Article.closed, Article.approved_count, Article.version)
            .where(Article.article_id == key)).first()
        return tuple(row) if row else None


def listing(client, key=ARTICLE):
    response = client.get(f"/api/v1/articles/{key}/comments")
    assert response.status_code == 200
    return response


def count_of(client, key=ARTICLE):
    return client.get("/api/v1/counts", query_string={"article_id": key}).json["counts"][key]


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code
