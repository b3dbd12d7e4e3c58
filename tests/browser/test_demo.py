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
