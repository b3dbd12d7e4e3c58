"""The moderation console (/moderate) in Chromium against the real service:
a sitting of keyboard and bulk moderation checked through the public API,
hostile content that must run nothing, where the token may and may not go,
and how it looks on a phone in the dark."""

import json
import re
import urllib.request
import uuid
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_context, watch
from tests.browser.test_widget import XSS_BODY, XSS_NAME

pytestmark = pytest.mark.browser


@pytest.fixture
def console(browser, service):
    """A watched page on the console, not signed in yet."""
    context = new_context(browser)
    page = watch(context.new_page())
    page.goto(f"{service.base}/moderate")
    yield page
    context.close()


def sign_in(page, token, keep=False):
    page.locator("#mc-token").fill(token)
    if keep:
        page.locator("#mc-keep").check()
    page.locator("#mc-token").press("Enter")
    expect(page.locator(".mc-user")).to_be_visible()


def cards(page):
    return page.locator(".mc-list > .mc-item > .mc-card")


def listed_ids(page):
    return [int(i) for i in page.eval_on_selector_all(".mc-list > .mc-item[data-id]", "items => items.map(i => i.dataset.id)")]


def focused_id(page):
    return page.evaluate("Number(document.activeElement.closest('.mc-item')?.dataset.id)")


def public_listing(service, article):
    status, answer = service.call("GET", f"/api/v1/articles/{quote(article)}/comments", token=False)
    assert status == 200, answer
    return answer


def assert_quiet(page):
    assert page.seen.dialogs == [] and page.seen.errors == [] and page.seen.console == []


def test_a_sitting_by_keyboard_and_in_bulk_shows_in_the_public_api(console, service, article):
    page = console
    readers = [service.post_comment(article, name=f"Reader {n}", email=f"reader{n}@example.org", body=f"Point {n}.")
               for n in range(5)]
    spammer = f"spam-{uuid.uuid4().hex[:8]}@example.org"
    spam = [service.post_comment(article, name="Spammer", email=spammer, body=f"Cheap pills {n}") for n in range(2)]
    sign_in(page, service.token)
    page.locator("#mc-article").fill(article)
    page.locator("#mc-article").press("Enter")
    expect(page.locator(".mc-article-bar h2")).to_have_text(f"Comments on {article}")
    expect(cards(page)).to_have_count(7)
    assert listed_ids(page) == readers + spam  # oldest first
    assert focused_id(page) == readers[0]  # ready for the keys

    for number in range(3):  # approve three by keyboard; the next one takes the focus
        page.keyboard.press("a")
        expect(cards(page)).to_have_count(6 - number)
        assert focused_id(page) == readers[number + 1]
    assert [c["id"] for c in public_listing(service, article)["comments"]] == readers[:3]

    page.keyboard.press("j")
    page.keyboard.press("j")
    assert focused_id(page) == spam[0]
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator(".mc-toolbar")).to_contain_text("2 selected")
    page.locator("#mc-block-email").check()
    page.locator(".mc-toolbar [data-bulk=spam]").click()
    expect(page.locator(".mc-outcome")).to_contain_text(f"Marked 2 comments as spam. Blocked: {spammer}.")
    assert listed_ids(page) == readers[3:]
    assert [c["id"] for c in service.queue(article, "spam")] == spam
    assert spammer in service.call("GET", "/api/v1/moderation/rules")[1]["emails"]

    page.keyboard.press("u")
    expect(page.locator(".mc-outcome")).to_have_text("Undone.")  # and no second undo
    expect(cards(page)).to_have_count(4)
    assert listed_ids(page) == readers[3:] + spam
    assert service.queue(article, "spam") == []
    assert spammer not in service.call("GET", "/api/v1/moderation/rules")[1]["emails"]

    page.locator(".mc-article-bar button", has_text="Close comments").click()
    expect(page.locator(".mc-article-bar")).to_contain_text("Closed to new comments.")
    assert public_listing(service, article)["closed"] is True
    status, answer = service.call("POST", f"/api/v1/articles/{quote(article)}/comments", token=False,
                                  body={"name": "Late", "email": "late@example.org", "body": "Too late?"})
    assert (status, answer["error"]["code"]) == (403, "comments_closed")
    assert public_listing(service, article)["total"] == 3
    log = service.call("GET", "/api/v1/moderation/log?limit=20")[1]["entries"]
    assert [e["action"] for e in log[:1]] == ["close"] and {e["moderator"] for e in log[:8]} == {"browser-tests"}
    assert_quiet(page)


def test_a_publication_date_set_in_the_console_closes_an_old_article_by_age(console, service, article):
    """The service closes articles 3650 days after publication (conftest); the
    audit log names the article actions in both languages."""
    page = console
    service.post_comment(article)
    sign_in(page, service.token)
    page.locator("#mc-article").fill(article)
    page.locator("#mc-article").press("Enter")
    date, note = page.locator("#mc-published"), page.locator(".mc-published [role=status]")
    expect(page.locator(".mc-article-bar h2")).to_have_text(f"Comments on {article}")
    expect(date).to_have_value("")  # the days count from the first comment
    date.fill("2001-09-01")
    page.locator(".mc-published button[type=submit]").click()
    expect(note).to_have_text("Publication date: September 1, 2001.")
    expect(page.locator(".mc-article-bar")).to_contain_text("Closed to new comments.")
    listing = public_listing(service, article)
    assert (listing["closed"], listing["closed_reason"]) == (True, "age")
    assert listing["auto_close"]["closes_at"] == "2011-08-30T00:00:00Z"  # midnight UTC, plus 3650 days
    page.reload()  # the date read back from where the age rule counts
    expect(date).to_have_value("2001-09-01")
    page.locator(".mc-published button", has_text="Clear date").click()
    expect(note).to_have_text("No publication date: the days count from the first comment.")
    expect(date).to_have_value("")
    assert public_listing(service, article)["closed"] is False

    for body in ({"closed": True}, {"closed": None}):  # a close withdrawn through the API
        assert service.call("PATCH", f"/api/v1/moderation/articles/{quote(article)}", body)[0] == 200
    page.locator(".mc-nav a", has_text="Audit log").click()
    page.locator("#mc-about").select_option("articles")
    actions = page.locator(".mc-page tbody tr td:nth-child(3)")
    expect(actions.first).to_have_text("Closing by age restored")
    assert actions.all_inner_texts()[:4] == ["Closing by age restored", "Comments closed",
                                             "Publication date changed", "Publication date changed"]
    assert actions.first.get_attribute("title") == "reset_closed"
    page.locator("#mc-lang").select_option("uk")
    expect(actions.first).to_have_text("Закриття за віком відновлено")
    expect(actions.nth(2)).to_have_text("Дату публікації змінено")
    assert_quiet(page)


def test_an_edited_comment_says_so_and_keeps_what_it_replaced(console, service, article):
    """A moderator sees that a comment was edited and, in its source, the
    text its author's edit replaced."""
    path = f"/api/v1/articles/{quote(article)}/comments"
    status, posted = service.call("POST", path, {"name": "Mark", "email": "mark@example.org",
                                                 "body": "Frist draft."}, token=False)
    assert status == 202, posted
    edit = urllib.request.Request(
        f"{service.base}{path}/{posted['id']}", data=json.dumps({"body": "First draft, corrected."}).encode(),
        method="PATCH", headers={"Content-Type": "application/json", "X-Comment-Secret": posted["edit_secret"]})
    with urllib.request.urlopen(edit, timeout=10) as answer:
        assert answer.status == 200
    sign_in(console, service.token)
    console.locator("#mc-article").fill(article)
    console.locator("#mc-article").press("Enter")
    card = cards(console).first
    expect(cards(console)).to_have_count(1)
    expect(card.locator(".mc-edited")).to_contain_text("edited")
    card.locator('[data-panel="source"]').click()
    expect(card.locator(".mc-panel .mc-source").first).to_have_text("First draft, corrected.")
    expect(card.locator(".mc-revisions .mc-source")).to_have_text(["Frist draft."])
    assert_quiet(console)


def test_new_comments_are_announced_without_a_reload(console, service, article):
    page = console
    sign_in(page, service.token)
    expect(page.locator("#mc-waiting")).not_to_have_text("…")
    waiting = int(page.locator("#mc-waiting").inner_text())
    service.post_comment(article, body="Fresh in the queue.")
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # as coming back to the tab does; else a 20 s poll
    expect(page.locator(".mc-notice")).to_contain_text("1 new comment is waiting.")
    expect(page.locator("#mc-live")).to_have_text("1 new comment is waiting.")
    expect(page.locator("#mc-waiting")).to_have_text(str(waiting + 1))
    assert page.title() == f"({waiting + 1}) Moderation"
    page.locator(".mc-notice button").click()
    expect(page.locator(".mc-card", has_text="Fresh in the queue.")).to_be_visible()
    assert_quiet(page)


HOSTILE_ARTICLE = 'xss/"><img src=x onerror=alert(9)><svg onload=alert(10)>'
HOSTILE_AGENT = "<script>alert(11)</script><img src=x onerror=alert(12)>"
HOSTILE_WORD = "<img src=x onerror=alert(13)>"
WEBSITE = 'https://example.org/"><script>alert(8)</script>'
# What the console may build itself: one module script, identicons, nothing else that runs or loads.
DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name) || /^\\s*javascript:/i.test(attr.value)) bad.push(el.outerHTML.slice(0, 120));
    }
  }
  const scripts = [...document.scripts].map((s) => s.getAttribute("src"));
  const svgs = [...document.querySelectorAll("svg")].filter((svg) => !svg.classList.contains("mc-avatar"));
  return {bad, scripts, svgs: svgs.length, others: document.querySelectorAll("img, iframe, object, embed, form[action]").length};
}"""


def post_hostile(service, article, email, parent_id=None):
    """A comment with a hostile name, body and website, sent with a hostile user agent."""
    body = {"name": XSS_NAME, "email": email, "body": f"{XSS_BODY}\n{HOSTILE_WORD} {'reply' if parent_id else ''}",
            "website": WEBSITE,
            **({"parent_id": parent_id} if parent_id else {})}
    request = urllib.request.Request(f"{service.base}/api/v1/articles/{quote(article)}/comments", method="POST",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "User-Agent": HOSTILE_AGENT})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["id"]


def test_hostile_content_runs_nothing_and_the_token_stays_in_its_header(browser, service):
    """With the page's CSP switched off, so that only the console's own care
    stands between a payload and the moderator's token."""
    email = f"xss-{uuid.uuid4().hex[:8]}@example.org"
    parent = post_hostile(service, HOSTILE_ARTICLE, email)
    service.moderate(parent)
    service.call("PATCH", "/api/v1/moderation/rules", {"add": {"words": [HOSTILE_WORD]}})
    try:
        reply = post_hostile(service, HOSTILE_ARTICLE, email, parent_id=parent)  # spam, for the word
        context = new_context(browser, bypass_csp=True)
        page = watch(context.new_page())
        requests = []
        page.on("request", lambda request: requests.append(request))
        page.goto(f"{service.base}/moderate")
        sign_in(page, service.admin_token)
        views = [f"#/queue/spam?article={quote(HOSTILE_ARTICLE, safe='')}", f"#/comment/{parent}",
                 "#/queue/approved", "#/log", "#/rules"]
        for view in views:
            page.evaluate("hash => { location.hash = hash; }", view)
            page.wait_for_load_state("networkidle")
            for card in cards(page).filter(has_text="onerror=alert(1)").all():
                for toggle in ("Source", "Context", "More from this author"):
                    card.locator(".mc-toggles button", has_text=toggle).click()
            page.wait_for_load_state("networkidle")
            page.locator("body").hover()
            page.wait_for_timeout(200)  # time for an onerror/onload to fire, were there one
            found = page.evaluate(DOM_CHECK)
            assert found == {"bad": [], "scripts": ["/static/console/app.js"], "svgs": 0, "others": 0}, view
        spam_card = page.locator(f".mc-list [data-id='{reply}']")
        page.evaluate("hash => { location.hash = hash; }", f"#/queue/spam?article={quote(HOSTILE_ARTICLE, safe='')}")
        expect(page.locator(".mc-article-bar h2")).to_have_text(f"Comments on {HOSTILE_ARTICLE}")
        expect(spam_card.locator(".mc-name")).to_have_text(XSS_NAME)
        expect(spam_card.locator(".mc-reasons")).to_contain_text(f"Contains the blocked word or phrase '{HOSTILE_WORD}'.")
        expect(spam_card.locator(".mc-client")).to_contain_text(HOSTILE_AGENT)
        assert spam_card.locator(".mc-contact a").get_attribute("href") == (
            "https://example.org/%22%3E%3Cscript%3Ealert(8)%3C/script%3E")
        page.evaluate("hash => { location.hash = hash; }", "#/data")
        page.locator("#mc-data-email").fill(email)
        page.locator("#mc-data-email").press("Enter")
        expect(page.locator(".mc-export")).to_contain_text("2 comments are stored under this address.")
        assert page.evaluate(DOM_CHECK)["bad"] == []
        assert page.seen.dialogs == [] and page.seen.errors == []
        assert_token_kept_to_its_header(page, requests, service)
        context.close()
    finally:
        service.call("PATCH", "/api/v1/moderation/rules", {"remove": {"words": [HOSTILE_WORD]}})


def assert_token_kept_to_its_header(page, requests, service):
    token = service.admin_token
    api_calls = [r for r in requests if "/api/v1/moderation/" in r.url]
    assert api_calls and all(r.headers.get("authorization") == f"Bearer {token}" for r in api_calls)
    for request in requests:
        assert token not in request.url and token not in (request.post_data or "")
        if "/api/v1/moderation/" not in request.url:
            assert token not in json.dumps(request.all_headers()), request.url
    assert token not in page.content() and token not in page.url
    assert token not in page.evaluate("JSON.stringify(localStorage)")  # not kept: this tab only
    assert token in page.evaluate("JSON.stringify(sessionStorage)")
    assert token not in service.log()  # gunicorn's access log


def test_keep_me_signed_in_and_sign_out(browser, service):
    context = new_context(browser)
    page = watch(context.new_page())
    page.goto(f"{service.base}/moderate")
    sign_in(page, service.token, keep=True)
    assert service.token in page.evaluate("JSON.stringify(localStorage)")
    other = watch(context.new_page())
    other.goto(f"{service.base}/moderate")
    expect(other.locator(".mc-user")).to_contain_text("Signed in as browser-tests (moderator)")
    other.locator(".mc-user button", has_text="Sign out").click()
    expect(other.locator("#mc-token")).to_be_focused()
    assert service.token not in other.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    page.reload()
    expect(page.locator("#mc-token")).to_be_visible()  # forgotten on this device
    page.locator("#mc-token").fill("mc_not-a-token")
    page.locator("#mc-token").press("Enter")
    expect(page.locator(".mc-signin [role=alert]")).to_have_text("This token was not accepted.")
    context.close()


def test_rules_log_and_data_requests_for_an_admin(console, service, article):
    page = console
    email = f"erase-{uuid.uuid4().hex[:8]}@example.org"
    ids = [service.post_comment(article, email=email, body=f"Mine {n}.") for n in range(2)]
    word = f"word{uuid.uuid4().hex[:6]}"
    sign_in(page, service.admin_token)
    page.locator(".mc-nav a", has_text="Rules").click()
    words = page.locator("#mc-rules-words")
    expect(words).to_be_visible()
    words.fill(f"{words.input_value()}\n{word}".strip())
    page.locator(".mc-rules button[type=submit]").click()
    expect(page.locator(".mc-rules .mc-status")).to_have_text("Saved.")
    expect(page.locator(".mc-page tbody tr").first).to_contain_text("edit_words")
    assert word in service.call("GET", "/api/v1/moderation/rules")[1]["words"]
    service.call("PATCH", "/api/v1/moderation/rules", {"remove": {"words": [word]}})

    page.locator(".mc-nav a", has_text="Data requests").click()
    page.locator("#mc-data-email").fill(email.upper())
    page.locator(".mc-page button[type=submit]").click()
    expect(page.locator(".mc-export")).to_contain_text("2 comments are stored under this address.")
    assert re.match(r"blob:", page.locator(".mc-export a[download]").get_attribute("href"))
    page.locator(".mc-danger:not(dialog *)", has_text="Erase everything").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text(f"Erase 2 comments and every personal datum of {email.upper()}?")
    expect(dialog.locator("button", has_text="Cancel")).to_be_focused()  # the safe answer first
    page.keyboard.press("Escape")
    assert len(service.queue(article)) == 2
    page.locator(".mc-danger:not(dialog *)", has_text="Erase everything").click()
    dialog.locator("button", has_text="Erase everything").click()
    expect(page.locator(".mc-export")).to_have_text("Erased 2 comments.")
    assert service.queue(article) == []
    page.locator(".mc-nav a", has_text="Audit log").click()
    page.locator("#mc-about").select_option("comments")
    expect(page.locator(".mc-page tbody tr").first).to_contain_text("erase")
    assert {f"#{i}" for i in ids} <= set(page.locator(".mc-page tbody a").all_inner_texts())
    assert_quiet(page)


@pytest.mark.parametrize("scheme,width", [("dark", 360), ("light", 1100)])
def test_phone_width_and_both_colour_schemes(browser, service, artifacts, article, scheme, width):
    for n in range(3):
        service.post_comment(article, name=f"Олена {n}", body=f"Коментар {n}: https://example.org/{n} *важливо*.",
                             website="https://olena.example.org/blog")
    context = new_context(browser, color_scheme=scheme, locale="uk-UA")
    page = watch(context.new_page())
    page.set_viewport_size({"width": width, "height": 780})
    page.goto(f"{service.base}/moderate#/queue/pending?article={quote(article, safe='')}")
    sign_in(page, service.token)
    expect(cards(page)).to_have_count(3)
    expect(page.locator(".mc-tabs a").first).to_contain_text("Очікують")  # the browser's language
    # The keys act on the focused comment: wait for the console to focus the first one.
    page.wait_for_function("document.activeElement.closest('.mc-item') !== null")
    page.keyboard.press("x")
    page.keyboard.press("c")
    expect(page.locator(".mc-panel:not([hidden])")).to_contain_text("Відповідей немає.")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sideways
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == {"light": "rgb(246, 246, 248)", "dark": "rgb(18, 18, 21)"}[scheme]
    page.screenshot(path=artifacts / f"console-{scheme}-{width}.png", full_page=True)
    page.keyboard.press("?")
    expect(page.locator("dialog[open]")).to_contain_text("Клавіатурні скорочення")
    expect(page.locator("dialog[open] dd").first).to_have_text("Наступний / попередній коментар")
    page.screenshot(path=artifacts / f"console-{scheme}-{width}-help.png")
    assert_quiet(page)
    context.close()
