"""Markdown bodies (README "Writing comments"): exact body_html for each
construct, links from Markdown under the rules of written links, and the
budgets past which Markdown is shown as written."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from moderation.markdown import MAX_BLOCK_DEPTH, MAX_BRACKETS, MAX_DELIMITERS, MAX_LINES
from moderation.markup import MAX_TAGS
from moderation.sanitize import render_body
from tests.test_sanitize import JAVASCRIPT_HREFS, KEPT_HREFS, assert_safe, link, p

MARKDOWN_CASES = [
    # Emphasis and strong, with * and _; intraword _ is text.
    ("*one* _two_ **three** __four__", p("<em>one</em> <em>two</em> <strong>three</strong> <strong>four</strong>")),
    ("***both***", p("<em><strong>both</strong></em>")),
    ("snake_case_name", p("snake_case_name")),
    ("a * b * c", p("a * b * c")),
    ("*not closed", p("*not closed")),
    (r"\*escaped\*", p("*escaped*")),
    # Code spans and blocks: their text is shown as typed, markup included.
    ("use `x < y && <b>`", p("use <code>x &lt; y &amp;&amp; &lt;b&gt;</code>")),
    ("``a ` b``", p("<code>a ` b</code>")),
    ("```python\nif a<b:\n\n    pass\n```", "<pre><code>if a&lt;b:\n\n    pass\n</code></pre>"),
    ("    indented\n    code", "<pre><code>indented\ncode\n</code></pre>"),
    ("~~~\nhttps://example.com\n~~~", "<pre><code>https://example.com\n</code></pre>"),
    # Links, autolinks, reference links; bare URLs are found by our own finder.
    ("[text](https://example.com/a?b=1&c=2 \"Title\")",
     p('<a href="https://example.com/a?b=1&amp;c=2" title="Title" rel="nofollow ugc noopener noreferrer">text</a>')),
    ("<https://example.com>", p(link("https://example.com", "https://example.com"))),
    ("<olena@example.org>", p(link("olena@example.org", "mailto:olena@example.org"))),
    ("[ref][1]\n\n[1]: https://example.com/r", p(link("ref", "https://example.com/r"))),
    ("[*styled* text](https://example.com)", p(link("<em>styled</em> text", "https://example.com"))),
    ("[https://shown.example](https://example.com)", p(link("https://shown.example", "https://example.com"))),
    ("see https://example.com/a_b_c.", p(f"see {link('https://example.com/a_b_c', 'https://example.com/a_b_c')}.")),
    ("[no destination]", p("[no destination]")),
    ("![an image](https://example.com/i.png)", p("!" + link("an image", "https://example.com/i.png"))),
    # Lists, tight and loose, nested and numbered.
    ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
    ("* one\n\n* two", "<ul>\n<li><p>one</p></li>\n<li><p>two</p></li>\n</ul>"),
    ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
    ("- a\n  - b\n- c", "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul></li>\n<li>c</li>\n</ul>"),
    ("1986\\. A good year.", p("1986. A good year.")),
    # Block quotes, nested, with lazy lines; line breaks as before Markdown.
    ("> quoted\n> > deeper", "<blockquote><p>quoted</p>\n<blockquote><p>deeper</p></blockquote></blockquote>"),
    ("> one\nlazy", "<blockquote><p>one<br>lazy</p></blockquote>"),
    ("intro\n> quote", "<p>intro</p>\n<blockquote><p>quote</p></blockquote>"),
    ("one\ntwo", p("one<br>two")),
    ("hard  \nbreak\\\nthree", p("hard<br>break<br>three")),
    ("a\n\n\nb", "<p>a</p>\n<p>b</p>"),
    # What comments do not show is text: headings, rules, tables, strikethrough.
    ("# Not a heading", p("# Not a heading")),
    ("Title\n=====", p("Title<br>=====")),
    ("---", p("---")),
    ("| a | b |\n|---|---|", p("| a | b |<br>|---|---|")),
    ("~~struck~~", p("~~struck~~")),
    # Written HTML keeps its rule inside Markdown, and Markdown works inside it.
    ("*<b>bold</b>* and <i>*both*</i>", p("<em><b>bold</b></em> and <i><em>both</em></i>")),
    ("<div>*x*</div>", p("&lt;div&gt;<em>x</em>&lt;/div&gt;")),
    ("<!-- *x* -->", p("&lt;!-- <em>x</em> --&gt;")),
    ("\\<b>x\\</b>", p("&lt;b&gt;x&lt;/b&gt;")),
    ("- <b>open\n- next", "<ul>\n<li><b>open</b></li>\n<li>next</li>\n</ul>"),
    # (A newline right after <pre> means nothing in HTML; the parser drops it.)
    ("<pre>\n*kept*\n\n  as typed</pre>\n*after*", "<pre>*kept*\n\n  as typed</pre>\n<p><em>after</em></p>"),
    ("&lt;b&gt; &amp; &#42;x&#42;", p("&lt;b&gt; &amp; *x*")),
]


@pytest.mark.parametrize("text,expected", MARKDOWN_CASES)
def test_markdown(text, expected):
    html = render_body(text)
    assert html == expected
    assert_safe(html)


MARKDOWN_XSS = [
    ("[x](javascript:alert(1))", p(link("x"))),
    ("[x](  JaVaScRiPt:alert(1)  )", p(link("x"))),
    ("[x](&#106;avascript:alert(1))", p(link("x"))),
    ("[x](java\\script:alert(1))", p(link("x"))),
    ("[x](data:text/html,<script>alert(1)</script>)", p(link("x"))),
    ("[x][r]\n\n[r]: javascript:alert(1)", p(link("x"))),
    ("<javascript:alert(1)>", p(link("javascript:alert(1)"))),
    ("![x](javascript:alert(1))", p("!" + link("x"))),
    ("[<img src=x onerror=alert(1)>](https://a.example/)",
     p(link("&lt;img src=x onerror=alert(1)&gt;", "https://a.example/"))),
    ('[x](https://a.example/ "\\" onmouseover=alert(1) x=\\"")',
     p('<a href="https://a.example/" title="&quot; onmouseover=alert(1) x=&quot;" '
       'rel="nofollow ugc noopener noreferrer">x</a>')),
    ('[x](https://a.example/"onmouseover="alert(1))',
     p("<a href='https://a.example/\"onmouseover=\"alert(1)' rel=\"nofollow ugc noopener noreferrer\">x</a>")),
    ("`<script>alert(1)</script>`", p("<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>")),
    ("**<svg onload=alert(1)>**", p("<strong>&lt;svg onload=alert(1)&gt;</strong>")),
    ("> <iframe src=javascript:alert(1)>", "<blockquote><p>&lt;iframe src=javascript:alert(1)&gt;</p></blockquote>"),
    ("```\n</code></pre><script>alert(1)</script>\n```",
     "<pre><code>&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>"),
    ('<a href="[x](javascript:alert(1))">y</a>', p(link("y"))),
]


@pytest.mark.parametrize("text,expected", MARKDOWN_XSS)
def test_markdown_cannot_smuggle_script(text, expected):
    html = render_body(text)
    assert html == expected
    assert_safe(html)


# In Markdown a backslash escapes the next character: `evil.example\@good.example`
# is an address at good.example, where a written link would lose its href.
@pytest.mark.parametrize("href", [href for href in JAVASCRIPT_HREFS if "\\" not in href])
@pytest.mark.parametrize("form", ["[x]({})", "[x](<{}>)", "[x][r]\n\n[r]: <{}>"])
def test_a_markdown_link_keeps_no_href_a_written_link_would_lose(form, href):
    # Written inside angle brackets, a destination may hold spaces and newlines.
    html = render_body(form.format(href.replace("<", "&lt;").replace(">", "&gt;")))
    assert 'href="' not in html
    assert_safe(html)


@pytest.mark.parametrize("href", [href for href in JAVASCRIPT_HREFS if href and " " not in href])
def test_an_autolink_of_an_unsafe_url_keeps_no_href(href):
    html = render_body(f"<{href}>")
    assert 'href="' not in html
    assert_safe(html)


@pytest.mark.parametrize("href,written", [(href, written) for href, written in KEPT_HREFS
                                          if "\t" not in href and href == href.strip()])
def test_a_markdown_link_keeps_the_hrefs_a_written_link_keeps(href, written):
    html = render_body(f"[x](<{href}>)")
    assert html == p(link("x", written))
    assert_safe(html)


def test_past_the_bracket_budget_every_bracket_is_text():
    link_text = "[a](https://example.com)"
    assert render_body("[x] " * (MAX_BRACKETS - 1) + link_text) == p("[x] " * (MAX_BRACKETS - 1) + link(
        "a", "https://example.com"))
    html = render_body("[x] " * MAX_BRACKETS + link_text)
    assert html == p("[x] " * MAX_BRACKETS + f"[a]({link('https://example.com', 'https://example.com')})")


def test_past_the_delimiter_budget_emphasis_is_text():
    assert "<em>" in render_body("*a* " * (MAX_DELIMITERS // 2))
    assert "<em>" not in render_body("*a* " * (MAX_DELIMITERS // 2 + 1))


def test_blocks_nested_past_the_limit_are_shown_as_typed():
    html = render_body("> " * (MAX_BLOCK_DEPTH + 5) + "deep *text*")
    assert html.count("<blockquote>") == MAX_BLOCK_DEPTH
    assert "&gt; " * 5 + "deep *text*" in html
    assert_safe(html)


def test_lines_past_the_limit_are_shown_as_written():
    assert render_body("x\n" * (MAX_LINES - 1) + "*a*").endswith("<br><em>a</em></p>")
    assert render_body("x\n" * MAX_LINES + "*a*").endswith("<br>x</p>\n<p>*a*</p>")


def test_markdown_elements_share_the_tag_budget():
    # A paragraph costs two tags, like a written <p>...</p>, and blocks take
    # half the budget: past it the rest is shown as written, with paragraphs
    # made of its blank lines, and the emphasis of the first ones takes the rest.
    html = render_body("*a*\n\n" * MAX_TAGS)
    assert html.count("<em>") == MAX_TAGS // 4
    assert html.count("<p>") == MAX_TAGS and html.endswith("<p>*a*</p>")
    assert_safe(html)


def test_written_tags_are_closed_with_their_paragraph():
    html = render_body("<b><i>open\n\n" * 3 + "end")
    assert html == "\n".join([p("<b><i>open</i></b>")] * 3 + [p("end")])


def test_threads_render_at_once_as_one_does_alone():
    # One parser serves every thread of a worker (gunicorn gthread): parsing
    # keeps its state per call, never on the shared instance.
    bodies = [text for text, _ in MARKDOWN_CASES] * 20
    expected = [render_body(body) for body in bodies]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(render_body, bodies)) == expected
