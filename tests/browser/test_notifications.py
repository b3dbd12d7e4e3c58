""""Notify me of replies by email" in Chromium: the widget on a news site's
page and the no-JavaScript form both subscribe the address (which then
waits for its confirmation); unticked, nothing is subscribed."""

import uuid

import pytest

from tests.browser.test_noscript import fill as fill_plain_form
from tests.browser.test_widget import assert_quiet, fill, open_article

pytestmark = pytest.mark.browser

NOTIFY = "Notify me of replies by email"


def reply_notifications(service, address):
    status, answer = service.call("POST", "/api/v1/moderation/authors/export", {"email": address})
    assert status == 200, answer
    return answer["reply_notifications"]


def test_the_widgets_box_subscribes_the_address_pending_its_confirmation(page, service, second_origin, article):
    address = f"widget.{uuid.uuid4().hex[:8]}@example.org"
    open_article(page, second_origin.article_url(article))
    fill(page, email=address)
    page.get_by_label(NOTIFY).check()
    page.locator(".mc-form button[type=submit]").click()
    pending = page.locator(".mc-item:has(.mc-pending)")
    pending.wait_for()
    comment_id = int(pending.get_attribute("data-id"))
    assert reply_notifications(service, address) == {"confirmed_at": None, "comment_ids": [comment_id]}
    assert_quiet(page)


def test_an_unticked_box_subscribes_nobody(page, service, second_origin, article):
    address = f"quiet.{uuid.uuid4().hex[:8]}@example.org"
    open_article(page, second_origin.article_url(article))
    fill(page, email=address)
    page.locator(".mc-form button[type=submit]").click()
    page.locator(".mc-item:has(.mc-pending)").wait_for()
    assert reply_notifications(service, address) is None


def test_the_plain_forms_box_subscribes_too(no_js_page, service, article):
    address = f"plain.{uuid.uuid4().hex[:8]}@example.org"
    no_js_page.goto(f"{service.base}/embed/{article}")
    fill_plain_form(no_js_page, email=address)
    no_js_page.get_by_label(NOTIFY).check()
    no_js_page.locator("button[type=submit]").click()
    no_js_page.wait_for_url("**?posted=1")
    [comment] = service.queue(article)
    assert reply_notifications(service, address) == {"confirmed_at": None, "comment_ids": [comment["id"]]}
