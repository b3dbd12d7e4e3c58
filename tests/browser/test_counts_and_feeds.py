"""count.js on another site's article list (150 articles, two counts
requests), the demo's own list page, and the widget's closed notice and
feed link, in Chromium against the real service."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest

from tests.browser.test_widget import assert_quiet, open_article

pytestmark = pytest.mark.browser

# The session's service runs with CLOSE_AFTER_DAYS=3650 (browser/conftest.py):
# only an article published over ten years ago is closed by age.
CLOSE_AFTER_DAYS = 3650


def serve_list(page, second_origin, ids, lang="en"):
    """Open the demo's article list on the second origin (an allowed site),
    recording the counts requests."""
    counts_requests = []
    page.on("request", lambda request: "/api/v1/counts" in request.url and counts_requests.append(request.url))
    page.goto(f"{second_origin.base}/list?{urlencode({'lang': lang, 'id': ids}, doseq=True)}")
    return counts_requests


def badges(page):
    return page.locator("[data-comment-count]").all_inner_texts()


@pytest.fixture
def articles(service):
    """150 article ids of this test, as long as a news site's: a hundred of
    them make a request line of over 6,000 characters, past gunicorn's
    default limit (gunicorn.conf.py raises it). The second has 1 approved
    comment, the third 2, the sixth 5."""
    prefix = f"list/{uuid.uuid4().hex[:8]}"
    ids = [f"{prefix}/2026/11/story-{n:03d}-of-a-long-news-list" for n in range(150)]
    for index, count in ((1, 1), (2, 2), (5, 5)):
        for n in range(count):
            service.moderate(service.post_comment(ids[index], body=f"Comment {n} on story {index}."))
    service.post_comment(ids[0], body="Still pending: not counted.")
    return ids


def expected(ids, words):
    counts = {1: 1, 2: 2, 5: 5}
    return [words(counts.get(index, 0)) for index in range(len(ids))]


def test_badges_on_a_list_of_150_articles_take_two_requests(page, service, second_origin, articles):
    counts_requests = serve_list(page, second_origin, articles)
    page.wait_for_function("() => [...document.querySelectorAll('[data-comment-count]')].every((el) => el.textContent)")
    assert badges(page) == expected(articles, lambda n: f"{n} comment" if n == 1 else f"{n} comments")
    assert len(counts_requests) == 2
    asked = [re.findall(r"article_id=([^&]+)", url) for url in counts_requests]
    assert sorted(map(len, asked)) == [50, 100] and max(map(len, counts_requests)) > 6000
    assert_quiet(page)


def test_badges_follow_the_pages_language(page, service, second_origin, articles):
    serve_list(page, second_origin, articles[:10], lang="uk")
    page.wait_for_function("() => document.querySelector('[data-comment-count]').textContent")
    words = {0: "0 коментарів", 1: "1 коментар", 2: "2 коментарі", 5: "5 коментарів"}
    assert badges(page) == expected(articles[:10], words.get)
    assert_quiet(page)


def test_a_hostile_id_stays_text_and_breaks_no_other_badge(page, service, second_origin, articles):
    hostile = ['<img src=x onerror=alert(1)>', 'a/../b', "x\u202ey"]
    serve_list(page, second_origin, [*hostile, articles[1]])
    page.wait_for_function("() => document.querySelectorAll('[data-comment-count]')[3].textContent === '1 comment'")
    page.wait_for_timeout(200)  # time for an onerror to fire, were there one
    assert page.locator("img").count() == 0
    # Markup is a valid article id, counted as text; ids the API would refuse are
    # not asked for, so they break no other badge's request.
    texts = page.eval_on_selector_all("[data-comment-count]", "els => els.map((el) => el.textContent)")
    assert texts == ["0 comments", "", "", "1 comment"]
    assert_quiet(page)


def test_the_demo_list_page_shows_its_badges(page, service, artifacts):
    page.goto(f"{service.base}/demo/articles")
    page.wait_for_function("() => [...document.querySelectorAll('.badge')].every((el) => el.textContent)")
    assert badges(page) == ["4 comments", "1 comment", "0 comments"]
    assert page.locator("link[type='application/atom+xml']").get_attribute("href") == "/feeds/recent.atom"
    assert page.seen.console == [] and page.seen.errors == []  # the page's CSP lets count.js work
    page.screenshot(path=artifacts / "demo-list.png", full_page=True)


def close_by(service, article, **body):
    status, answer = service.call("PATCH", f"/api/v1/moderation/articles/{quote(article)}", body)
    assert status == 200, answer
    return answer


@pytest.mark.parametrize("lang,by_moderators,by_age", [
    ("en", "Comments were closed by the moderators.", "Comments were closed 3,650 days after publication."),
    ("uk", "Коментування закрили модератори.", "Коментування закрито через 3 650 днів після публікації."),
])
def test_the_closed_notice_says_why(page, service, second_origin, artifacts, lang, by_moderators, by_age):
    closed, aged = (f"browser/{uuid.uuid4().hex[:12]}" for _ in range(2))
    for article in (closed, aged):
        service.moderate(service.post_comment(article))
    assert close_by(service, closed, closed=True)["closed_reason"] == "moderator"
    published = datetime.now(UTC) - timedelta(days=CLOSE_AFTER_DAYS + 1)
    answer = close_by(service, aged, published_at=published.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert answer["closed"] is True and answer["closed_reason"] == "age"
    for article, text in ((closed, by_moderators), (aged, by_age)):
        open_article(page, second_origin.article_url(article))
        if lang != "en":
            page.evaluate("window.__ready = undefined")
            page.evaluate(f"ModerationComments.init(undefined, {{ lang: '{lang}' }})")
            page.wait_for_function("() => window.__ready !== undefined")
        assert page.locator(".mc-item").count() == 1 and page.locator(".mc-form").is_hidden()
        assert page.locator(".mc-note").inner_text().replace("\u00a0", " ") == text
    page.locator(".mc-root").screenshot(path=artifacts / f"widget-closed-by-age-{lang}.png")
    assert_quiet(page)


def test_the_widget_links_the_articles_feed(page, service, second_origin, article):
    service.moderate(service.post_comment(article, name="Feed Reader"))
    open_article(page, second_origin.article_url(article))
    link = page.locator(".mc-feed a")
    assert link.inner_text() == "Comments feed" and link.get_attribute("type") == "application/atom+xml"
    href = link.get_attribute("href")
    assert href == f"{service.base}/feeds/articles/{article}.atom"
    feed = page.request.get(href)
    assert feed.ok and feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert "<name>Feed Reader</name>" in feed.text()
    assert_quiet(page)
