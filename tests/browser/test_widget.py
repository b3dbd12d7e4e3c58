"""The widget in Chromium on another site's page (a second origin), against the
real service: posting, moderation, replies, errors, XSS and the keyboard."""

import json

import pytest

pytestmark = pytest.mark.browser

HELD = "Thank you! Your comment is awaiting moderation."


def open_article(page, url):
    """Load a page and wait until the widget has announced moderation:ready."""
    page.goto(url)
    page.wait_for_function("() => window.__ready !== undefined")
    return page


def fill(page, name="Olena", email="olena@example.org", body="Hello from the browser.", website=""):
    form = page.locator(".mc-form")
    form.locator("[name=name]").fill(name)
    form.locator("[name=email]").fill(email)
    form.locator("[name=website]").fill(website)
    form.locator("[name=body]").fill(body)


def error_beside(page, field):
    """The message the widget shows under a form field (aria-describedby)."""
    described_by = page.locator(f".mc-form [name={field}]").get_attribute("aria-describedby")
    return page.locator(f"[id='{described_by}']").inner_text()


def listed(page):
    """(id, depth, is pending) of every comment the widget shows, in order."""
    return [tuple(item) for item in page.eval_on_selector_all(".mc-item", """items => items.map(item => [
        Number(item.dataset.id), Number(item.dataset.depth), !!item.querySelector('.mc-pending')])""")]


def assert_quiet(page, *expected_console):
    """No dialog, no uncaught error, no console error but the expected ones."""
    assert page.seen.dialogs == []
    assert page.seen.errors == []
    assert page.seen.console == list(expected_console)


def test_a_comment_waits_for_moderation_then_is_listed(page, service, second_origin, article):
    open_article(page, second_origin.article_url(article))
    fill(page)
    page.locator(".mc-form button[type=submit]").click()
    pending = page.locator(".mc-item:has(.mc-pending)")
    pending.wait_for()
    comment_id = int(pending.get_attribute("data-id"))
    assert pending.locator(".mc-badge").inner_text().lower() == "awaiting moderation"
    assert pending.locator(".mc-comment").evaluate("el => getComputedStyle(el).opacity") == "0.6"
    assert page.locator(".mc-status").inner_text() == HELD
    assert page.locator(".mc-count").inner_text() == "0 comments"
    # The answer carries no avatar (API.md): the widget draws the neutral placeholder, no identicon.
    assert pending.locator(".mc-avatar").count() == 1 and pending.locator(".mc-avatar path").count() == 0
    [stored] = service.queue(article)
    assert stored["id"] == comment_id and stored["body_text"] == "Hello from the browser."
    # The widget fetched and sent a valid form token, so no rule held the comment.
    assert stored["moderation"]["reasons"] == []

    service.moderate(comment_id)
    page.evaluate("window.__ready = undefined")
    open_article(page, second_origin.article_url(article))
    assert listed(page) == [(comment_id, 0, False)]
    assert page.locator(".mc-count").inner_text() == "1 comment"
    assert page.locator(".mc-name").inner_text() == "Olena"
    assert page.locator(".mc-avatar path").count() == 1  # listed: its identicon
    assert_quiet(page)


def stored_in_the_browser(page):
    return {key: json.loads(value) for key, value in page.evaluate("() => ({...localStorage})").items()}


def test_the_author_key_is_kept_only_when_the_reader_asks(page, service, second_origin, article):
    open_article(page, second_origin.article_url(article))
    fill(page)
    page.locator(".mc-form button[type=submit]").click()
    page.locator(".mc-item:has(.mc-pending)").wait_for()
    storage = stored_in_the_browser(page)
    assert "mc:author" not in storage
    [copy] = next(value for key, value in storage.items() if key.startswith("mc:pending:"))
    # The greyed copy shown until approval holds what the listing would show, nothing private.
    assert set(copy) == {"id", "parent_id", "depth", "author", "body_html", "created_at", "edited", "savedAt"}
    assert copy["author"] == {"name": "Olena", "website": None}
    # Its edit secret stays in this page alone.
    assert not any(key.startswith("mc:own:") for key in storage)

    page.locator("input[id$=-save]").check()
    fill(page, body="A second comment, remembered.")
    page.locator(".mc-form button[type=submit]").click()
    page.locator(".mc-item:has(.mc-pending) >> nth=1").wait_for()
    storage = stored_in_the_browser(page)
    assert storage["mc:author"]["email"] == "olena@example.org" and len(storage["mc:author"]["key"]) >= 40
    copies = next(value for key, value in storage.items() if key.startswith("mc:pending:"))
    assert len(copies) == 2 and not any("author_key" in copy for copy in copies)
    assert_quiet(page)


def test_an_article_id_the_api_would_refuse_shows_nothing(page, service, second_origin):
    # A bidi override in the id (API.md "Articles": a 422): one console error, no widget.
    with page.expect_console_message(lambda message: message.type == "error") as message:
        page.goto(f"{second_origin.base}/article/news/%E2%80%AEtxt.exe")
    assert message.value.text == "[comments] data-article-id must be 1-200 printable characters; the widget is not shown."
    assert page.locator(".mc-root").count() == 0


def test_a_reply_is_threaded_under_its_parent(page, service, second_origin, article):
    parent = service.post_comment(article, name="Mark", body="The parent.")
    other = service.post_comment(article, name="Tom", body="Another thread.")
    for comment_id in (parent, other):
        service.moderate(comment_id)
    open_article(page, second_origin.article_url(article))
    page.locator(f".mc-item[data-id='{parent}'] [data-reply]").click()
    assert page.locator(".mc-form h3").inner_text() == "Reply to Mark"
    fill(page, name="Ann", email="ann@example.org", body="A reply.")
    page.locator(".mc-form button[type=submit]").click()
    page.locator(".mc-item:has(.mc-pending)").wait_for()
    reply = next(comment_id for comment_id, _, is_pending in listed(page) if is_pending)
    assert listed(page) == [(parent, 0, False), (reply, 1, True), (other, 0, False)]

    service.moderate(reply)
    open_article(page, second_origin.article_url(article))
    assert listed(page) == [(parent, 0, False), (reply, 1, False), (other, 0, False)]
    assert service.queue(article, "approved")[-1]["parent_id"] == parent
    assert_quiet(page)


def test_client_side_validation_sends_nothing(page, service, second_origin, article):
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    open_article(page, second_origin.article_url(article))
    page.locator(".mc-form button[type=submit]").click()
    for field in ("name", "email", "body"):
        assert error_beside(page, field) == "This field is required."
        assert page.locator(f".mc-form [name={field}]").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.name") == "name"
    fill(page, name="Ol<ena", email="olena@", website="javascript:alert(1)")
    page.locator(".mc-form button[type=submit]").click()
    assert error_beside(page, "name") == "Contains characters that are not allowed."
    assert error_beside(page, "email") == "Enter a valid email address."
    assert error_beside(page, "website") == "Enter a full http:// or https:// address."
    assert posts == [] and service.queue(article) == []


def test_server_side_errors_are_shown_beside_their_fields(page, service, second_origin, article):
    def bypass_client_checks(route):
        # The widget refuses "<" itself; a modified client would not, and the server must.
        payload = json.loads(route.request.post_data)
        route.continue_(post_data=json.dumps({**payload, "name": "Ol<ena"}))

    page.route("**/api/v1/articles/**", lambda route: bypass_client_checks(route)
               if route.request.method == "POST" else route.continue_())
    open_article(page, second_origin.article_url(article))
    fill(page, email="olena..k@example.org")  # passes the widget's check; the server refuses it
    page.locator(".mc-form button[type=submit]").click()
    page.locator(".mc-status.mc-bad").wait_for()
    assert error_beside(page, "name") == "Must not contain < or >."
    assert error_beside(page, "email") == "Not a valid email address."
    assert error_beside(page, "body") == ""
    assert page.locator(".mc-status").inner_text() == "Correct the marked fields."
    assert page.evaluate("document.activeElement.name") == "name"
    assert service.queue(article) == []
    assert_quiet(page, "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)")


XSS_NAME = '&lt;img src=x onerror=alert(1)&gt; "onmouseover=alert(2) x="'
XSS_BODY = ('<img src=x onerror=alert(1)> <script>alert(2)</script> <svg onload=alert(3)>\n'
            '<a href="javascript:alert(4)">click me</a> <a href="jAvAsCrIpT&colon;alert(5)">or me</a>\n'
            '<iframe src="javascript:alert(6)"></iframe> <b onclick="alert(7)">bold</b>')


@pytest.mark.parametrize("where", ["widget", "embed"])
def test_xss_payloads_render_as_text_and_run_nothing(page, service, second_origin, article, where):
    comment_id = service.post_comment(article, name=XSS_NAME, body=XSS_BODY,
                                      website='https://example.org/"><script>alert(8)</script>')
    service.moderate(comment_id)
    if where == "widget":
        open_article(page, second_origin.article_url(article))
        # A listed comment's body, not the form's preview (styled as a body too).
        body, name = page.locator(".mc-item .mc-body"), page.locator(".mc-name")
    else:
        page.goto(f"{service.base}/embed/{article}")
        body, name = page.locator(".body"), page.locator(".name")
    name.hover()
    page.locator(".mc-item .mc-body b, .body b").click()
    page.wait_for_timeout(300)  # time for an onerror/onload to fire, were there one
    assert body.locator("img, script, svg, iframe").count() == 0
    assert body.locator("a[href], [onclick]").count() == 0
    assert body.locator("a").all_inner_texts() == ["click me", "or me"]
    text = body.inner_text()
    for payload in ("<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "<svg onload=alert(3)>",
                    '<iframe src="javascript:alert(6)"></iframe>'):
        assert payload in text
    assert name.inner_text() == XSS_NAME
    assert name.get_attribute("href") == "https://example.org/%22%3E%3Cscript%3Ealert(8)%3C/script%3E"
    assert_quiet(page)


def test_posting_with_the_keyboard_alone(page, service, second_origin, article):
    open_article(page, second_origin.article_url(article))
    for _ in range(30):  # from the top of the page to the first form field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "name":
            break
    assert page.evaluate("document.activeElement.name") == "name"
    page.keyboard.type("Kateryna")
    page.keyboard.press("Tab")
    page.keyboard.type("kateryna@example.org")
    page.keyboard.press("Tab")  # website, optional
    page.keyboard.press("Tab")  # Preview
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "body"
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")  # "save my name" checkbox
    page.keyboard.press("Tab")  # "notify me of replies" checkbox
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type + ' ' + document.activeElement.textContent") == (
        "submit Post Comment")
    page.keyboard.press("Space")
    page.locator(".mc-item:has(.mc-pending)").wait_for()
    assert page.locator(".mc-status").inner_text() == HELD
    # Focus follows the new comment, so a screen reader announces where it went.
    assert page.evaluate("document.activeElement.closest('.mc-item .mc-pending') !== null")
    [stored] = service.queue(article)
    assert stored["author"]["name"] == "Kateryna" and stored["body_text"] == "Typed without a mouse."
    assert_quiet(page)


def test_a_site_not_in_allowed_origins_cannot_read_the_api(page, service, second_origin, article):
    service.moderate(service.post_comment(article))
    open_article(page, second_origin.article_url(article, host="localhost"))  # another origin, unlisted
    assert page.locator(".mc-note").inner_text() == "Comments could not be loaded."
    assert page.locator(".mc-item").count() == 0
    assert any("CORS policy" in message for message in page.seen.console)
