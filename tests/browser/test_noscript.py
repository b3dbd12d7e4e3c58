"""The no-JavaScript fallback in Chromium with scripting off: /embed/{article_id}
on its own and inside the <noscript> frame of a news site's page."""

import pytest

pytestmark = pytest.mark.browser

HELD = "Thank you! Your comment is awaiting moderation."


def fill(scope, name="Olena", email="olena@example.org", body="Sent without JavaScript."):
    scope.locator("#f-name").fill(name)
    scope.locator("#f-email").fill(email)
    scope.locator("#f-body").fill(body)


def listed(page):
    items = page.locator(".item")
    return [(int(items.nth(i).get_attribute("data-id")), int(items.nth(i).get_attribute("data-depth")))
            for i in range(items.count())]


def test_the_plain_form_posts_then_redirects_to_the_notice(no_js_page, service, article):
    page = no_js_page
    exchanges = []
    page.on("response", lambda response: exchanges.append((response.request.method, response.status)))
    page.goto(f"{service.base}/embed/{article}")
    assert page.evaluate("1 + 1") == 2  # Playwright's own evaluation still works...
    assert page.locator("noscript, script").count() == 0  # ...but the page has nothing to run
    fill(page)
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{service.base}/embed/{article}?posted=1")
    assert exchanges == [("GET", 200), ("POST", 303), ("GET", 200)]
    assert page.locator(".notice").inner_text() == HELD
    [comment] = service.queue(article)
    assert comment["author"]["name"] == "Olena" and comment["body_text"] == "Sent without JavaScript."

    service.moderate(comment["id"])
    page.goto(f"{service.base}/embed/{article}")
    page.locator(f"#c{comment['id']} .reply").click()
    page.wait_for_url(f"**/embed/{article}?reply_to={comment['id']}#comment-form")
    assert page.locator("#form-title").inner_text() == "Reply to Olena"
    fill(page, name="Ann", email="ann@example.org", body="A reply, also without JavaScript.")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**?posted=1")
    [reply] = service.queue(article)
    assert reply["parent_id"] == comment["id"]
    service.moderate(reply["id"])
    page.goto(f"{service.base}/embed/{article}")
    assert listed(page) == [(comment["id"], 0), (reply["id"], 1)]
    assert page.locator("h1").inner_text() == "2 comments"
    assert page.seen.console == []


def test_server_validation_messages_appear_beside_the_fields(no_js_page, service, article):
    page = no_js_page
    page.goto(f"{service.base}/embed/{article}")
    fill(page, name="Ol<ena")  # the browser's own checks pass; ours refuse "<"
    page.locator("button[type=submit]").click()
    page.locator(".summary").wait_for()
    assert page.locator(".summary").inner_text() == "One or more fields are invalid."
    assert page.locator("#f-name-error").inner_text() == "Must not contain < or >."
    assert page.locator("#f-name").input_value() == "Ol<ena"
    assert page.locator("#f-body").input_value() == "Sent without JavaScript."
    assert page.evaluate("document.activeElement.id") == "f-name"  # autofocus, no script needed
    assert service.queue(article) == []


def test_the_noscript_frame_works_on_an_allowed_site(no_js_page, service, second_origin, article):
    page = no_js_page
    page.goto(second_origin.article_url(article))
    frame = page.frame_locator(".comments iframe")
    assert frame.locator("h1").inner_text() == "0 comments"
    fill(frame, body="Posted from inside the frame.")
    frame.locator("button[type=submit]").click()  # the frame posts to its own origin
    assert frame.locator(".notice").inner_text() == HELD
    assert [c["body_text"] for c in service.queue(article)] == ["Posted from inside the frame."]
    assert page.seen.console == []


def test_the_noscript_frame_is_refused_on_an_unlisted_site(no_js_page, service, second_origin, article):
    page = no_js_page
    page.goto(second_origin.article_url(article, host="localhost"))
    frame = page.wait_for_selector(".comments iframe").content_frame()
    frame.wait_for_load_state()
    assert frame.url == "chrome-error://chromewebdata/"
    assert any("frame-ancestors" in message for message in page.seen.console)
