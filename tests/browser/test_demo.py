"""The demo article that the service itself serves at "/": its widget works
under the page's strict CSP, and screenshots in light and dark mode."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_demo_page_renders_the_widget_in_both_colour_schemes(page, service, artifacts, scheme):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.set_viewport_size({"width": 1100, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{service.base}/")
    page.wait_for_function("() => window.__ready !== undefined")
    # `flask demo seed`: four approved comments (one a reply to a reply) and one pending.
    assert page.locator(".mc-count").inner_text() == "4 comments"
    depths = page.eval_on_selector_all(".mc-item", "items => items.map(item => Number(item.dataset.depth))")
    assert depths == [0, 1, 2, 0]
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == {"light": "rgb(253, 252, 249)", "dark": "rgb(21, 21, 24)"}[scheme]
    assert all(url.startswith(service.base) for url in requested), requested  # nothing third-party
    assert page.seen.console == [] and page.seen.errors == []  # a CSP violation would be logged here
    page.screenshot(path=artifacts / f"demo-{scheme}.png", full_page=True)


def test_demo_page_shows_markdown_and_a_reader_edits_their_own_comment(page, service):
    page.goto(f"{service.base}/")
    page.wait_for_function("() => window.__ready !== undefined")
    bodies = page.locator(".mc-item .mc-body")
    assert bodies.locator("em").count() >= 3 and bodies.locator("strong, blockquote, ol li, a[href]").count() >= 4
    page.locator(".mc-form [name=name]").fill("Demo reader")
    page.locator(".mc-form [name=email]").fill("demo.reader@example.org")
    page.locator(".mc-form [name=body]").fill("My *first* thought.")
    page.get_by_role("button", name="Preview").click()
    page.locator(".mc-preview em").wait_for()
    page.locator(".mc-form button[type=submit]").click()
    mine = page.locator(".mc-item:has(.mc-pending)")
    mine.get_by_role("button", name="Edit").click()
    mine.locator(".mc-editor textarea").fill("My *second* thought.")
    mine.get_by_role("button", name="Save").click()
    page.locator(".mc-item:has(.mc-pending) .mc-body >> text=second").wait_for()
    assert "edited" in page.locator(".mc-item:has(.mc-pending) .mc-meta").inner_text()
    # Leave the demo as it was: the reader deletes the comment again.
    remove = page.locator(".mc-item:has(.mc-pending) [data-delete]")
    remove.click()
    remove.click()
    page.locator(".mc-item:has(.mc-pending)").wait_for(state="detached")
    assert not [c for c in service.queue("2026/11/ukraine-north-korea-weapons") if c["author"]["name"] == "Demo reader"]
    assert page.seen.console == [] and page.seen.errors == []
