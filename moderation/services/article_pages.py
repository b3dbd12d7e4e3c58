"""Where an article lives on the site: its title and URL, which mails link
to. Moderators set them; ARTICLE_URL_TEMPLATE builds a URL from the id."""

from urllib.parse import quote

from ..extensions import db
from .comments import ensure_article


def set_article_page(article_id, title, url):
    """Set (or clear, with None) the title and URL of an article's page."""
    article = ensure_article(article_id)
    article.title, article.url = title, url
    db.session.commit()
    return article


def article_url(article, template):
    """The article's page: its own URL, else the template's (with
    {article_id} percent-encoded, / kept), else None."""
    if article.url:
        return article.url
    if template:
        return template.format(article_id=quote(article.article_id, safe="/"))
    return None
