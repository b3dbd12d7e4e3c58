"""Body sanitisation properties (API.md): whatever the input, written HTML or
Markdown, the output is safe and stable."""

import re
import string
import unicodedata
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.sanitize import clean_html, render_body

REL = "nofollow ugc noopener noreferrer"
ATTRIBUTES = {
    "a": {"href", "title", "rel"}, "abbr": {"title"}, "b": set(), "blockquote": set(),
    "br": set(), "code": set(), "del": set(), "em": set(), "i": set(), "li": set(),
    "ol": set(), "p": set(), "pre": set(), "q": set(), "s": set(), "strong": set(), "ul": set(),
}
SAFE_HREF = re.compile(r"(?i)(https?://[^/\\]|mailto:.)")
SERIALISED_TAG = re.compile(r"""</?([a-z]+)(?: [a-z]+=(?:"[^"]*"|'[^']*'))*>""")

deterministic = settings(derandomize=True, max_examples=300, deadline=None)

FRAGMENTS = [
    "<", ">", "</", "/>", "&", "&amp;", "&lt;", "&#106;", "&#x6A", "&colon;", "&Tab;", '"', "'",
    "=", "/", "\\", ":", ";", " ", "\t", "\n", "\n\n", "x", "é", "ש", "👍", "\u200b", "\u00ad",
    "\u202e", "\ufeff", "\x00", "\x85", "\r",
    "a", "abbr", "b", "blockquote", "br", "code", "pre", "p", "ul", "li", "q", "script", "img",
    "svg", "math", "style", "noscript", "iframe", "template", "textarea", "xmp",
    " href=", " title=", " src=", " onerror=", " onload=", " style=", " rel=", " class=",
    "javascript:", "JaVaScRiPt:", "vbscript:", "data:", "http://", "https://", "mailto:", "//",
    "example.com", "evil.example", "?q=1&r=2", "#top",
    "<a href=", "<abbr title=", "<img src=x onerror=alert(1)>", "<!--", "-->", "<![CDATA[", "]]>",
    "<b>", "</b>", "<pre>", "</pre>", "<p>", "</p>", "<ul><li>", "</li></ul>", "<blockquote>",
    "</blockquote>", "<code>", "</code>", "<a href=\"https://example.com/\">", "</a>",
]
markupish = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=40
).map("".join)

HREF_PARTS = [
    "java", "script", "javascript", ":", "&#", "106", "x6A", ";", "&colon;", "&Tab;",
    "&NewLine;", "\t", "\n", " ", "\u200b", "\u00ad", "\u2060", "http", "https", "s", "//", "/",
    "\\", "example.com", "mailto", "data", "@", "%0a", "&amp;", "&", "#", "?",
]
hrefs = st.lists(st.sampled_from(HREF_PARTS), max_size=12).map("".join)

# Markdown's syntax, and what it may meet: written tags, links, invisible characters.
MARKDOWN_FRAGMENTS = [
    "*", "**", "_", "__", "`", "``", "```", "~~~", "[", "]", "](", "(", ")", "<", ">", "> ", "- ", "* ",
    "1. ", "2) ", "    ", "\t", "\n", "\n\n", "\\", "!", "#", '"', "'", " ", "x", "é", "\u200b", "&", "&#42;",
    "&lt;", "&#106;", "[r]: ", "[r]", "javascript:", "JaVaScRiPt:", "data:", "https://", "http://",
    "mailto:", "//", "example.com", "evil.example", "<b>", "</b>", "<pre>", "</pre>", "<a href=",
    '<a href="https://example.com/">', "</a>", "<img src=x onerror=alert(1)>", "<!--", "-->", "<script>",
]
markdownish = st.lists(
    st.one_of(st.sampled_from(MARKDOWN_FRAGMENTS), st.text(max_size=3)), max_size=40
).map("".join)

# Plain text: no ASCII punctuation (markup, Markdown, and "." so that nothing
# looks like a domain).
plain_text = st.text(
    st.one_of(
        st.characters(exclude_categories=("Cc", "Cs"), exclude_characters=string.punctuation),
        st.sampled_from("\n\t "),
    ),
    max_size=200,
)


class Reader(HTMLParser):
    """Collects tags, attributes and text the way a browser's tokenizer sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems, self.links, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ATTRIBUTES:
            self.problems.append(f"tag {tag}")
        for name, _ in attrs:
            if name not in ATTRIBUTES.get(tag, ()) or name.startswith("on"):
                self.problems.append(f"attribute {tag}.{name}")
        if tag == "a":
            self.links.append(dict(attrs))
        if tag == "br":
            self.text.append(" ")

    def handle_endtag(self, tag):
        if tag not in ATTRIBUTES:
            self.problems.append(f"end tag {tag}")
        self.text.append(" ")  # paragraph boundaries read as whitespace

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.problems.append(f"declaration {decl!r}")

    handle_pi = unknown_decl = handle_decl


def read(html):
    reader = Reader()
    reader.feed(html)
    reader.close()
    return reader


def assert_safe(html):
    reader = read(html)
    assert reader.problems == [], html
    assert "<" not in SERIALISED_TAG.sub("", html), html
    for attrs in reader.links:
        assert attrs["rel"] == REL, html
        href = attrs.get("href")
        if href is not None:
            assert SAFE_HREF.match(href), html
            assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in href)


@deterministic
@given(st.one_of(markupish, markdownish))
def test_output_is_allow_listed_and_links_are_safe(text):
    assert_safe(render_body(text))


@deterministic
@given(hrefs, st.sampled_from(['"', "'", ""]))
def test_every_kept_href_is_absolute_http_or_mailto(href, quote):
    assert_safe(render_body(f"<a href={quote}{href}{quote}>x</a> {href}"))


@deterministic
@given(hrefs, st.sampled_from(["[x]({})", "[x](<{}>)", "<{}>", "[x][r]\n\n[r]: {}"]))
def test_every_href_from_markdown_is_absolute_http_or_mailto(href, form):
    assert_safe(render_body(form.format(href)))


@deterministic
@given(st.text(max_size=200))
def test_any_text_renders_safely(text):
    assert_safe(render_body(text))


@deterministic
@given(st.one_of(markupish, markdownish, st.text(max_size=200)))
def test_cleaning_the_output_again_changes_nothing(text):
    html = render_body(text)
    assert clean_html(html) == html


@deterministic
@given(markupish)
def test_clean_html_is_safe_and_idempotent(text):
    html = clean_html(text)
    assert_safe(html)
    assert clean_html(html) == html


@deterministic
@given(plain_text)
def test_plain_text_keeps_every_character(text):
    html = render_body(text)
    assert " ".join("".join(read(html).text).split()) == " ".join(text.split())
