"""No body makes a submission expensive: every stage is linear in the body's
length, so the worst bodies we can build, at the maximum length, render in
milliseconds and are answered at once (a body of "a.b-" repeated once cost
21 s of CPU in bleach's link finder; one of "[" cost markdown-it 80 ms before
the bracket budget)."""

import time

import pytest

from moderation import rules
from moderation.config import Defaults
from moderation.rules import Blocklist, Facts, Submission
from moderation.sanitize import render_body
from moderation.wordfilter import visible_text

MAX_LENGTH = Defaults.BODY_MAX_LENGTH


def repeated(unit, prefix=""):
    """prefix, then unit repeated up to exactly the maximum body length."""
    room = MAX_LENGTH - len(prefix)
    return prefix + (unit * (room // len(unit) + 1))[:room]


# The families, each at the maximum length: what parsers, regular expressions
# and loops over text have choked on, here or in the projects we read.
FAMILIES = {
    # Link-like runs: a finder that backtracks over host labels goes quadratic.
    "host labels a.b-": repeated("a.b-"),
    "dots": repeated("a."),
    "hyphenated labels": repeated("ab-"),
    "www.": repeated("www."),
    "schemes http://": repeated("http://"),
    "bare ://": repeated("://"),
    "short urls": repeated("https://a"),
    "mailto:": repeated("mailto:"),
    "ports": repeated("a.com:1"),
    "many links": repeated("a.co "),
    "many https links": repeated("https://a.co/ "),
    "unbalanced (": repeated("(", "http://a.com/"),
    "unbalanced )": repeated(")", "http://a.com/"),
    "trailing commas": repeated(",", "http://a.com/"),
    "parens in a path": repeated("(()", "http://a.com/"),
    "one long url": repeated("a", "https://example.com/"),
    # Addresses.
    "at signs": repeated("@"),
    "address-like": repeated("a@b."),
    # Character references, whole and broken.
    "&amp;": repeated("&amp;"),
    "&#": repeated("&#"),
    "bare &": repeated("&"),
    "&copy without ;": repeated("&copy"),
    # Markup: stray, broken, nested, and allowed tags in bulk.
    "<": repeated("<"),
    "<!--": repeated("<!--"),
    "unclosed <b>": repeated("<b>"),
    "<b a=": repeated("<b a="),
    '<b a="': repeated('<b a="'),
    "<a href=": repeated("<a href="),
    "written links": repeated('<a href="http://a.co">x</a>'),
    "nested <blockquote>": repeated("<blockquote>"),
    "nested lists": repeated("<ul><li>"),
    "<p>": repeated("<p>"),
    "<br>": repeated("<br>"),
    "<b></b>": repeated("<b></b>"),
    "<pre> and newlines": repeated("<pre>\n"),
    "mixed": repeated("<i>x</i>&lt;a.b-"),
    # Markdown: emphasis, whose delimiters markdown-it pairs up.
    "emphasis and brackets": repeated("*_`[]()"),
    "nested emphasis": repeated("**_"),
    "nested emphasis runs": repeated("*a **b *c "),
    "emphasis runs": repeated("_*"),
    "closed emphasis": repeated("*a* "),
    "strong emphasis": repeated("***a*** "),
    # Markdown: brackets, each a search for a link label and destination.
    "link syntax": repeated("[a](http://a.co)"),
    "links": repeated("[a](http://a.co) "),
    "brackets": repeated("["),
    "closing brackets": repeated("]("),
    "link openings": repeated("[a]("),
    "reference-like": repeated("[a]["),
    "image-like": repeated("!["),
    "emphasis in brackets": repeated("*["),
    "brackets in emphasis": repeated("[*a"),
    "brackets within the budget": repeated("[" + "x" * 39),
    "link titles": repeated('[a](b "'),
    "link parentheses": repeated("[a](("),
    "angle destinations": repeated("[a](<"),
    "reference definitions": repeated("[a]: http://a.co\n"),
    "definition starts": repeated("[a]: "),
    "references": repeated("[a] ", "[a]: /x\n"),
    "autolinks": repeated("<http://a.co> "),
    "unclosed autolinks": repeated("<http://a"),
    # Markdown: code spans and blocks.
    "backticks": repeated("`"),
    "backtick runs": repeated("`` ` ``` "),
    "growing backtick runs": repeated("".join("`" * n + "a" for n in range(1, 60))),
    "code spans": repeated("`a` "),
    "fences": repeated("```\n"),
    "tilde fences": repeated("~~~\n"),
    "indented code": repeated("    a\n"),
    # Markdown: block quotes and lists, nested as deep as they go.
    "quotes": repeated("> "),
    "quoted lines": repeated("> a\n"),
    "quotes of every depth": repeated("".join("> " * depth + "a\n" for depth in range(40))),
    "list markers": repeated("- "),
    "list lines": repeated("- a\n"),
    "lists of every depth": repeated("".join("  " * depth + "- a\n" for depth in range(30))),
    "ordered list markers": repeated("1. "),
    "quotes in lists": repeated("- > "),
    "lists in quotes": repeated("> - "),
    # Markdown: escapes, breaks, paragraphs, written HTML among them.
    "backslashes": repeated("\\"),
    "hard breaks": repeated("a\\\n"),
    "trailing spaces": repeated("a  \n"),
    "paragraphs": repeated("a\n\n"),
    "written <pre> lines": repeated("<pre>\n"),
    "open tags and paragraphs": repeated("<b a=1>x\n\n"),
    "distinct open tags and paragraphs": repeated("".join(f"<b a={i}>x\n\n" for i in range(600))),
    # Lines and spaces.
    "one long line": repeated("word "),
    "many lines": repeated("a\n"),
    "blank lines": repeated("a\n \n"),
    "spaces, then a letter": repeated(" ", "x") + "x",
    "tabs and newlines": repeated("a\t \n"),
    # Characters that are ours, or invisible.
    "private use": repeated("\ue000\ue001\ue002"),
    "zero width": repeated("\u200b"),
}


def cpu_seconds(function, *args):
    """The least CPU time of three calls: the cost, without the noise."""
    costs = []
    for _ in range(3):
        start = time.process_time()
        function(*args)
        costs.append(time.process_time() - start)
    return min(costs)


# A gauge of the machine's speed at this moment: plain prose at the maximum
# length. On the project's 2-core VM, on an idle but slow day, it rendered in
# 2.3 ms and the worst family in 39 ms, under the bound of 50 ms. A machine
# that is busier or slower (the whole suite around this test once made it
# twice as slow) raises the bound in proportion, so that the test fails on a
# slow input, not on a slow day; a super-linear input costs hundreds of times
# more than a linear one, whatever the day (a.b- repeated once took 21 s).
PROSE = repeated("The council met on Tuesday to discuss the new bus routes, and readers wrote in. ")
PROSE_SECONDS_THERE, BOUND_THERE = 0.0023, 0.05


def render_bound():
    return BOUND_THERE * max(1.0, cpu_seconds(render_body, PROSE) / PROSE_SECONDS_THERE)


@pytest.mark.parametrize("family", FAMILIES)
def test_the_worst_bodies_render_in_milliseconds(family):
    body = FAMILIES[family]
    assert len(body) >= MAX_LENGTH
    assert cpu_seconds(render_body, body) < render_bound()


@pytest.mark.parametrize("family", FAMILIES)
def test_the_worst_bodies_are_answered_within_a_second(client, family):
    body = FAMILIES[family].strip()[:MAX_LENGTH]
    elapsed = seconds_to_answer(client, body, "cost")
    if elapsed >= 1.0:
        # Once, on a host whose hypervisor took up to 30% of a core, a body
        # that takes 40 ms was answered in 1.04 s (the stall's cause was not
        # found): a stall passes on a second try, a slow body is as slow again.
        elapsed = seconds_to_answer(client, body, "cost-again")
    assert elapsed < 1.0


def seconds_to_answer(client, body, article):
    """Wall time of one submission of body, which must be accepted."""
    start = time.perf_counter()
    response = client.post(f"/api/v1/articles/2026/12/{article}/comments",
                           json={"name": "Olena", "email": "olena@example.org", "body": body})
    elapsed = time.perf_counter() - start
    assert response.status_code == 202, response.json
    return elapsed


# The word rule reads every body three ways (as typed, as a reader sees it,
# as it looks): its own worst cases, against lists as long as a moderator may
# keep, where a thousand phrases begin with the same word.
WORD_FAMILIES = {
    **FAMILIES,
    "confusable letters": repeated("\u0441\u0430\u0455\u0456n\u043e "),
    "one confusable": repeated("\u0441"),
    "m becomes rn": repeated("m"),
    "a blocked word, unbounded": repeated("casino"),
    "blocked words": repeated("casino "),
    "near misses": repeated("casin "),
    "phrases' first word": repeated("buy "),
    "phrases' words": repeated("buy pill0 pill1 "),
    "tags inside words": repeated("<b>c</b>a"),
    "references inside words": repeated("c&#97;"),
    "stacked marks": repeated("a" + "\u0301" * 15),
    "tag characters": repeated("c\U000e0073"),
    "fillers": repeated("\u3164"),
}
LONG_LISTS = Blocklist(words=frozenset(
    [f"word{i}" for i in range(3000)] + [f"buy pill{i} now" for i in range(1000)] + ["casino", "$$$"]))


def screen_words(body, body_html):
    """What screening does for the word rule once a body is sanitised."""
    submission = Submission(name="Olena", email_key="o@example.org", body_text=body, link_count=0,
                            visible_text=visible_text(body_html))
    return rules.blocked_words(submission, Facts(blocklist=LONG_LISTS), {})


@pytest.mark.parametrize("family", WORD_FAMILIES)
def test_the_word_rule_reads_the_worst_bodies_in_milliseconds(family):
    body = WORD_FAMILIES[family]
    assert len(body) >= MAX_LENGTH
    LONG_LISTS.word_index  # built once per version of the lists, not per comment
    assert cpu_seconds(screen_words, body, render_body(body)) < 0.025


@pytest.mark.parametrize("body,reason", [
    (repeated("lorem ipsum ", "\u0441\u0430sino? "), "Contains the blocked word or phrase 'casino'."),
    (repeated("buy pill7 ", "Buy pill7 <b>now</b>! "), "Contains the blocked word or phrase 'buy pill7 now'."),
    (repeated("casin "), None),
])
def test_the_word_rule_still_finds_its_entries_in_long_bodies(body, reason):
    verdict = screen_words(body, render_body(body))
    assert (verdict and verdict.reason) == reason


def test_a_duplicate_is_refused_before_it_is_sanitised(client, monkeypatch):
    payload = {"name": "Olena", "email": "olena@example.org", "body": "Same words twice."}
    assert client.post("/api/v1/articles/cost/comments", json=payload).status_code == 202
    monkeypatch.setattr("moderation.sanitize.render_body", lambda text: pytest.fail("sanitised"))
    assert client.post("/api/v1/articles/cost/comments", json=payload).status_code == 409
