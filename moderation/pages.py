"""Pages for people rather than programs: the demo article, the widget script
and the moderation console."""

import hashlib
import os
from functools import cache
from pathlib import Path

import rjsmin
from flask import Blueprint, current_app, render_template, request, url_for

from .compression import EncodedBody
from .errors import NotFound
from .openapi import HTML, JAVASCRIPT, documented
from .services.demo import DEMO_STORIES, DEMO_TITLE, Story

bp = Blueprint("pages", __name__)

DEMO_ARTICLE_ID = "2026/11/ukraine-north-korea-weapons"
# The demo page runs only our own script and styles; the widget adds a <style>.
DEMO_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")
# The console holds a moderator's token: no inline script or style, nothing
# from elsewhere, no framing (clickjacking), no form posting anywhere.
CONSOLE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
               "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@bp.get("/")
@documented(responses={200: HTML}, errors=(404,))
def demo_article():
    """A demo news article with the comment widget embedded under it."""
    if not current_app.config["DEMO_PAGE"]:
        raise NotFound()
    html = render_template(
        "demo.html", article_id=DEMO_ARTICLE_ID, api_base="",
        widget_url=url_for("pages.widget"),
        embed_url=url_for("embed.show_thread", article_id=DEMO_ARTICLE_ID),
        list_url=url_for("pages.demo_article_list"),
    )
    return html, 200, {"Content-Security-Policy": DEMO_CSP}


@bp.get("/demo/articles")
@documented(responses={200: HTML}, errors=(404,))
def demo_article_list():
    """A demo list of articles, each with its comment count badge (count.js)."""
    if not current_app.config["DEMO_PAGE"]:
        raise NotFound()
    main = Story(DEMO_ARTICLE_ID, "War in Ukraine", DEMO_TITLE, "Staff report")
    stories = [{**vars(story), "url": url_for("embed.show_thread", article_id=story.article_id)}
               for story in [main, *DEMO_STORIES]]
    stories[0]["url"] = url_for("pages.demo_article")
    html = render_template("demo_list.html", stories=stories, lang="uk" if request.args.get("lang") == "uk" else "en",
                           count_url=url_for("pages.count_script"),
                           recent_feed_url=url_for("feeds.recent_feed"))
    return html, 200, {"Content-Security-Policy": DEMO_CSP}


@bp.get("/widget.js")
@documented(responses={200: JAVASCRIPT}, cached=True)
def widget():
    """The embeddable widget: one file, CSS included, cacheable for an hour."""
    return script_response("widget.js")


@bp.get("/count.js")
@documented(responses={200: JAVASCRIPT}, cached=True)
def count_script():
    """Comment count badges for a site's article lists: one file, cacheable for an hour."""
    return script_response("count.js")


def script_response(name):
    """A script of static/ for other sites' pages, minified, cacheable for an hour."""
    body = served_script(os.path.join(current_app.static_folder, name))
    response = current_app.response_class(body, mimetype="text/javascript")
    response.encoded_body = body
    response.set_etag(hashlib.blake2b(body, digest_size=12).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    # Sites that isolate themselves (COEP) may still load it.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@cache
def served_script(path):
    """A script as served: minified and compressed once per process, so that
    the source keeps its comments and readers download none of them."""
    return EncodedBody(minify(Path(path).read_text(encoding="utf-8")).encode())


def minify(source):
    """rjsmin: comments and spaces go; strings and template literals stay as written."""
    return rjsmin.jsmin(source)


@bp.get("/moderate")
@documented(responses={200: HTML})
def moderation_console():
    """The moderation console: the queue and every moderation action, in a browser, over the moderation API."""
    # Its own window: a page it opens (a commenter's website) cannot reach back into it.
    headers = {"Content-Security-Policy": CONSOLE_CSP, "Cross-Origin-Opener-Policy": "same-origin",
               "Cache-Control": "no-cache"}
    return render_template("console.html"), 200, headers
