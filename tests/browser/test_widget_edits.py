"""The widget's Markdown preview and an author's edits and deletions of their
own comment, in Chromium on another site's page, against the real service."""

import pytest

from tests.browser.test_widget import assert_quiet, fill, listed, open_article, stored_in_the_browser

pytestmark = pytest.mark.browser

MARKDOWN = "*Hello* from **Markdown**, with `code` and <b>allowed</b> <script>alert(1)</script>"


def post(page, **fields):
    """Fill the form, post, and wait for the new comment; returns its item."""
    before = page.locator(".mc-item").count()
    fill(page, **fields)
    page.locator(".mc-form button[type=submit]").click()
    page.locator(f".mc-item >> nth={before}").wait_for()
    return page.locator(".mc-item:has(.mc-pending)").last


def test_preview_shows_what_the_server_will_store_and_stores_nothing(page, service, second_origin, article):
    open_article(page, second_origin.article_url(article))
    page.locator(".mc-form [name=body]").fill(MARKDOWN)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".mc-preview")
    preview.locator("em").wait_for()
    assert page.locator(".mc-form [name=body]").is_hidden()
    assert preview.inner_html() == ("<p><em>Hello</em> from <strong>Markdown</strong>, with <code>code</code> "
                                    "and <b>allowed</b> &lt;script&gt;alert(1)&lt;/script&gt;</p>")
    assert page.get_by_role("button", name="Preview").count() == 0  # the toggle now says Write
    assert service.queue(article) == []

    shown = preview.inner_html()
    page.get_by_role("button", name="Write").click()
    assert preview.is_hidden() and page.locator(".mc-form [name=body]").input_value() == MARKDOWN
    item = post(page, body=MARKDOWN)
    assert item.locator(".mc-body").inner_html() == shown
    assert page.locator(".mc-form [name=body]").is_visible()  # back to Write for the next comment
    assert_quiet(page)


def test_an_author_edits_their_comment_and_it_says_edited(page, service, second_origin, article):
    open_article(page, second_origin.article_url(article))
    item = post(page, body="Teh *first* version.")
    comment_id = int(item.get_attribute("data-id"))
    item.get_by_role("button", name="Edit").click()
    editor = item.locator(".mc-editor textarea")
    assert editor.input_value() == "Teh *first* version."  # the Markdown as typed, not the HTML
    editor.fill("The *second* version.")
    item.get_by_role("button", name="Save").click()
    edited = page.locator(f".mc-item[data-id='{comment_id}']")
    edited.locator(".mc-body >> text=second").wait_for()
    assert edited.locator(".mc-body").inner_html() == "<p>The <em>second</em> version.</p>"
    assert edited.locator(".mc-meta").inner_text().count("edited") == 1
    [stored] = service.queue(article)
    assert stored["body_text"] == "The *second* version."
    assert [revision["body_text"] for revision in stored["revisions"]] == ["Teh *first* version."]

    service.moderate(comment_id)
    page.evaluate("window.__ready = undefined")
    open_article(page, second_origin.article_url(article))
    assert listed(page) == [(comment_id, 0, False)]
    # Not asked to remember: the secret lived in the page that posted, and went with it.
    assert page.locator(".mc-item [data-edit]").count() == 0
    assert "edited" in page.locator(".mc-meta").inner_text()
    assert_quiet(page)


def test_an_edit_that_a_rule_holds_leaves_the_listing(page, service, second_origin, article):
    open_article(page, second_origin.article_url(article))
    page.locator("input[id$=-save]").check()  # remembered: the secret outlives the page
    comment_id = int(post(page, body="A plain comment.").get_attribute("data-id"))
    assert any(key.startswith("mc:own:") for key in stored_in_the_browser(page))
    service.moderate(comment_id)
    page.evaluate("window.__ready = undefined")
    open_article(page, second_origin.article_url(article))
    assert page.locator(".mc-count").inner_text() == "1 comment"

    item = page.locator(f".mc-item[data-id='{comment_id}']")
    item.get_by_role("button", name="Edit").click()
    item.locator(".mc-editor textarea").fill("Now with https://a.example and https://b.example")
    item.get_by_role("button", name="Save").click()
    page.locator(f".mc-item[data-id='{comment_id}'] .mc-pending").wait_for()
    assert page.locator(".mc-count").inner_text() == "0 comments"
    assert [c["id"] for c in service.queue(article)] == [comment_id]
    assert_quiet(page)


def test_an_author_deletes_their_comment_and_its_reply_stays(page, service, second_origin, article):
    open_article(page, second_origin.article_url(article))
    page.locator("input[id$=-save]").check()
    comment_id = int(post(page, body="I will take this back.").get_attribute("data-id"))
    service.moderate(comment_id)
    reply = service.post_comment(article, name="Tom", body="Too late, I read it.", parent_id=comment_id)
    service.moderate(reply)
    page.evaluate("window.__ready = undefined")
    open_article(page, second_origin.article_url(article))
    assert page.locator(".mc-count").inner_text() == "2 comments"

    delete = page.locator(f".mc-item[data-id='{comment_id}'] [data-delete]")
    delete.click()
    assert delete.inner_text() == "Delete for good?"  # two clicks, no dialog
    delete.click()
    page.locator(f".mc-item[data-id='{comment_id}'] .mc-deleted").wait_for()
    assert page.locator(".mc-count").inner_text() == "1 comment"
    assert listed(page) == [(comment_id, 0, False), (reply, 1, False)]
    assert service.queue(article, "approved")[0]["id"] == reply
    assert not any(key.startswith("mc:own:") for key in stored_in_the_browser(page))  # nothing left to edit

    page.evaluate("window.__ready = undefined")
    open_article(page, second_origin.article_url(article))
    assert page.locator(".mc-deleted").count() == 1 and page.locator(".mc-count").inner_text() == "1 comment"
    assert_quiet(page)
