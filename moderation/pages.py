"""Pages for people rather than programs: the demo article and the widget script."""

from flask import Blueprint, current_app, render_template, send_from_directory, url_for

from .errors import NotFound
from .openapi import HTML, JAVASCRIPT, documented

bp = Blueprint("pages", __name__)

DEMO_ARTICLE_ID = "2026/11/ukraine-north-korea-weapons"
# The demo page runs only our own script and styles; the widget adds a <style>.
DEMO_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


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
    )
    return html, 200, {"Content-Security-Policy": DEMO_CSP}


@bp.get("/widget.js")
@documented(responses={200: JAVASCRIPT}, cached=True)
def widget():
    """The embeddable widget: one file, CSS included, cacheable for an hour."""
    response = send_from_directory(current_app.static_folder, "widget.js",
                                   mimetype="text/javascript", max_age=3600)
    # Sites that isolate themselves (COEP) may still load it.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
