"""Atom feeds of approved comments: one per article and one for the whole
site, for feed readers. Cacheable like the listing (ETag, 304, max-age)."""

from flask import Blueprint, current_app, request

from . import limits
from .api.public import valid_article_id
from .extensions import limiter
from .http import public_response
from .openapi import ATOM_FEED, documented
from .services import feeds

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
limiter.limit(limits.read_limit, key_func=limits.client_key, methods=["GET"])(bp)
MIMETYPE = "application/atom+xml"


def feed_site():
    """Links point at PUBLIC_URL when it is set, else at the address asked
    (a host in TRUSTED_HOSTS)."""
    config = current_app.config
    return feeds.FeedSite((config["PUBLIC_URL"] or request.host_url).rstrip("/"), config["ARTICLE_URL_TEMPLATE"])


@bp.get("/articles/<path:article_id>.atom")
@documented(responses={200: ATOM_FEED}, cached=True, errors=(429,))
def article_feed(article_id):
    """An article's newest approved comments (at most 50) as an Atom feed; empty for an article without any."""
    answer = feeds.article_feed(valid_article_id(article_id), site=feed_site(),
                                cache=current_app.extensions["page_cache"],
                                is_current=request.if_none_match.contains_weak)
    return public_response(answer, mimetype=MIMETYPE)


@bp.get("/recent.atom")
@documented(responses={200: ATOM_FEED}, cached=True, errors=(429,))
def recent_feed():
    """The site's newest approved comments (at most 50), on every article, as an Atom feed."""
    answer = feeds.recent_feed(site=feed_site(), cache=current_app.extensions["page_cache"],
                               is_current=request.if_none_match.contains_weak)
    return public_response(answer, mimetype=MIMETYPE)
