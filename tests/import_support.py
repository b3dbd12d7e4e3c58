"""Helpers shared by the import tests: fixture files, the stored state, and
threads read back through the public API."""

from pathlib import Path

import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import Article, Comment

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def run_import(runner, *args):
    """`flask import ARGS`; returns the click Result."""
    return runner.invoke(args=["import", *map(str, args)])


def stored_state(app):
    """Every comment and article row as plain tuples: equal before and after
    an import that must change nothing."""
    with app.app_context():
        comments = db.session.execute(sa.select(Comment.__table__).order_by(Comment.id)).all()
        articles = db.session.execute(sa.select(Article.__table__).order_by(Article.id)).all()
        return [tuple(row) for row in comments], [tuple(row) for row in articles]


def thread(client, article_id):
    """The public listing of an article: (id, parent_id, depth, name, body_html) in listed order, and the total."""
    listing = client.get(f"/api/v1/articles/{article_id}/comments?limit=100").json
    return [(c["id"], c.get("parent_id"), c["depth"], c.get("author", {}).get("name"), c.get("body_html"))
            for c in listing["comments"]], listing["total"]


def counts_match_comments(app):
    """Whether every article's approved_count equals its approved comments."""
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT a.approved_count, (SELECT count(*) FROM comments c WHERE c.article_id = a.id "
            "AND c.status = 'approved') FROM articles a")).all()
    return all(stored == counted for stored, counted in rows)
