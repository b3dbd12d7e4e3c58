"""Body sanitisation (API.md): exact outputs for XSS vectors, links and ordinary text."""

import re
import unicodedata
from html.parser import HTMLParser

import pytest

from moderation.sanitize import MAX_FOUND_LINKS, MAX_TAGS, render_body

REL = 'rel="nofollow ugc noopener noreferrer"'
ALLOWED = {"a": {"href", "title", "rel"}, "abbr": {"title"}} | dict.fromkeys(
    "b blockquote br code del em i li ol p pre q s strong ul".split(), frozenset())
# How the serialiser writes a tag; after removing these, no "<" may be left.
SERIALISED_TAG = re.compile(r"""</?([a-z]+)(?: [a-z]+=(?:"[^"]*"|'[^']*'))*>""")


def p(html):
    return f"<p>{html}</p>"


def link(text, href=None):
    return f'<a href="{href}" {REL}>{text}</a>' if href else f"<a {REL}>{text}</a>"


class Audit(HTMLParser):
    """Reads the output as a browser-like tokenizer would, noting anything unsafe."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            self.problems.append(f"tag {tag}")
            return
        for name, value in attrs:
            if name not in ALLOWED[tag] or name.startswith("on"):
                self.problems.append(f"attribute {tag}.{name}")
        attrs = dict(attrs)
        if tag == "a" and attrs.get("rel") != "nofollow ugc noopener noreferrer":
            self.problems.append(f"rel {attrs.get('rel')!r}")
        if "href" in attrs and not is_safe_href(attrs["href"]):
            self.problems.append(f"href {attrs['href']!r}")

    def handle_endtag(self, tag):
        if tag not in ALLOWED:
            self.problems.append(f"end tag {tag}")

    def handle_comment(self, data):
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.problems.append(f"declaration {decl!r}")

    handle_pi = unknown_decl = handle_decl


def is_safe_href(href):
    invisible = any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in href)
    return re.match(r"(?i)(https?://[^/\\]|mailto:.)", href) is not None and not invisible


def assert_safe(html):
    """Only allow-listed tags and attributes, safe hrefs, exact rel, nothing else that parses."""
    audit = Audit()
    audit.feed(html)
    audit.close()
    assert audit.problems == [], html
    assert "<" not in SERIALISED_TAG.sub("", html), html
    assert set(SERIALISED_TAG.findall(html)) <= ALLOWED.keys(), html


JAVASCRIPT_HREFS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)",
    "&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)", "&#106avascript:alert(1)",
    "&#0000106;avascript:alert(1)", "&#x6A;avascript&#x3A;alert(1)", "javas&#99;ript:alert(1)",
    "java&#x09;script:alert(1)", "jav&#x0A;ascript:alert(1)", "jav&#x0D;ascript:alert(1)",
    "java&Tab;script:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
    "&#x20;javascript:alert(1)", "javascript&colon;alert(1)", "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    # Invisible characters: gone in the browser, or gone after a "cleanup".
    "java\u200bscript:alert(1)", "\u00adjavascript:alert(1)", "\ufeffjavascript:alert(1)",
    "https:\u200b//evil.example", "https://\u200bevil.example/", "https://evil.example/\u202e",
    "https://exa\u00admple.com/", "https://example.com/\u2028", "https://example.com/\u034f",
    "https:&#x200b;//evil.example",
    # Relative, scheme-relative and not-quite-absolute: all resolve against the host page.
    "#x", "/path", "//evil.example", "?q=1", "evil.example", "https:foo", "http:/x", "https:///x",
    "https:\\\\evil.example", "http:/\\evil.example", "https://evil.example\\@good.example",
    "ftp://example.com/", "",
]


@pytest.mark.parametrize("href", JAVASCRIPT_HREFS)
def test_unsafe_or_relative_href_is_dropped_and_the_link_kept(href):
    quote = "'" if '"' in href else '"'
    html = render_body(f"<a href={quote}{href}{quote}>x</a>")
    assert html == p(link("x"))
    assert_safe(html)


KEPT_HREFS = [
    ("https://example.com/", "https://example.com/"),
    ("http://example.com", "http://example.com"),
    ("HTTPS://EXAMPLE.COM/X", "HTTPS://EXAMPLE.COM/X"),
    ("mailto:someone@example.com", "mailto:someone@example.com"),
    ("MAILTO:someone@example.com", "MAILTO:someone@example.com"),
    ("https://example.com/?a=1&amp;b=2#frag", "https://example.com/?a=1&amp;b=2#frag"),
    ("https://example.com/?a=1&b=2", "https://example.com/?a=1&amp;b=2"),
    ("https://example.com/?a=1&copy=2", "https://example.com/?a=1&amp;copy=2"),
    ("mailto:a@example.com?subject=hi&amp;body=x", "mailto:a@example.com?subject=hi&amp;body=x"),
    # Entities decoded, TAB/LF/CR removed, ends trimmed: written as the browser reads it.
    ("&#104;ttps://example.com/", "https://example.com/"),
    ("ht\ttps://example.com", "https://example.com"),
    ("https://exam&#x0A;ple.com/", "https://example.com/"),
    (" https://example.com ", "https://example.com"),
    # A typed "&amp;lt;" means the four characters "&lt;", and stays that.
    ("https://example.com/&amp;lt;x", "https://example.com/&#38;lt;x"),
]


@pytest.mark.parametrize("href,written", KEPT_HREFS)
def test_absolute_http_and_mailto_hrefs_are_kept(href, written):
    html = render_body(f'<a href="{href}">x</a>')
    assert html == p(link("x", written))
    assert_safe(html)


MARKUP_CASES = [
    # Script and event handlers: escaped as text, or the attribute dropped.
    ("<script>alert(1)</script>", p("&lt;script&gt;alert(1)&lt;/script&gt;")),
    ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
     p("&lt;SCRIPT SRC=//evil.example/x.js&gt;&lt;/SCRIPT&gt;")),
    ("<img src=x onerror=alert(1)>", p("&lt;img src=x onerror=alert(1)&gt;")),
    ('<img src="x" onerror="alert(1)"/>', p('&lt;img src="x" onerror="alert(1)"/&gt;')),
    ("<svg onload=alert(1)>", p("&lt;svg onload=alert(1)&gt;")),
    ("<body onload=alert(1)>", p("&lt;body onload=alert(1)&gt;")),
    ('<b onmouseover="alert(1)">x</b>', p("<b>x</b>")),
    ('<a href="https://example.com/" onclick="alert(1)">x</a>',
     p(link("x", "https://example.com/"))),
    ('<iframe src="javascript:alert(1)"></iframe>',
     p('&lt;iframe src="javascript:alert(1)"&gt;&lt;/iframe&gt;')),
    ('<object data="javascript:alert(1)">', p('&lt;object data="javascript:alert(1)"&gt;')),
    ('<embed src="javascript:alert(1)">', p('&lt;embed src="javascript:alert(1)"&gt;')),
    ("<template><script>alert(1)</script></template>",
     p("&lt;template&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/template&gt;")),
    ("<style>*{background:url(javascript:alert(1))}</style>",
     p("&lt;style&gt;*{background:url(javascript:alert(1))}&lt;/style&gt;")),
    ("<form><button formaction=javascript:alert(1)>x</button></form>",
     p("&lt;form&gt;&lt;button formaction=javascript:alert(1)&gt;x&lt;/button&gt;&lt;/form&gt;")),
    # Mutation XSS: parser-context switches never happen, the inner "tag" stays text.
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', p("&lt;noscript&gt;")),
    ('<xmp><p title="</xmp><img src=x onerror=alert(1)>">', p("&lt;xmp&gt;")),
    ('<textarea><abbr title="</textarea><img src=x onerror=alert(1)>">x',
     p('&lt;textarea&gt;<abbr title="&lt;/textarea>&lt;img src=x onerror=alert(1)>">x</abbr>')),
    ("<svg><style><img src=x onerror=alert(1)>",
     p("&lt;svg&gt;&lt;style&gt;&lt;img src=x onerror=alert(1)&gt;")),
    ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
     p("&lt;math&gt;&lt;mtext&gt;&lt;table&gt;&lt;mglyph&gt;&lt;style&gt;"
       "&lt;img src=x onerror=alert(1)&gt;")),
    ('<math><a xlink:href="javascript:alert(1)">x</a></math>',
     p(f"&lt;math&gt;{link('x')}&lt;/math&gt;")),
    ("<p><style><!--</style><img src=x onerror=alert(1)>--></p>",
     p("&lt;style&gt;&lt;!--&lt;/style&gt;&lt;img src=x onerror=alert(1)&gt;--&gt;")),
    # Comments and CDATA show as text rather than hiding what follows.
    ("<!-- <img src=x onerror=alert(1)> -->",
     p("&lt;!-- &lt;img src=x onerror=alert(1)&gt; --&gt;")),
    ("<!--><img src=x onerror=alert(1)>-->",
     p("&lt;!--&gt;&lt;img src=x onerror=alert(1)&gt;--&gt;")),
    ("<![CDATA[<img src=x onerror=alert(1)>]]>",
     p("&lt;![CDATA[&lt;img src=x onerror=alert(1)&gt;]]&gt;")),
    ("<?xml version='1.0'?>", p("&lt;?xml version='1.0'?&gt;")),
    # Unclosed and unterminated markup.
    ("<b>bold", p("<b>bold</b>")),
    ('<a href="https://example.com/">open', p(link("open", "https://example.com/"))),
    ("<img src=x onerror=alert(1)", p("&lt;img src=x onerror=alert(1)")),
    ('<a href="javascript:alert(1)', p('&lt;a href="javascript:alert(1)')),
    ("<a href=x", p("&lt;a href=x")),
    ("x</p>y", "<p>x</p>\n<p>y</p>"),  # a stray </p> is an empty paragraph, as in a browser
    # Attribute injection through quotes stays inside the value.
    ("<a href='https://x.example/\"onmouseover=\"alert(1)'>x</a>",
     p(f"<a href='https://x.example/\"onmouseover=\"alert(1)' {REL}>x</a>")),
    ('<a title="x&quot; onmouseover=&quot;alert(1)">t</a>',
     p(f'<a title="x&quot; onmouseover=&quot;alert(1)" {REL}>t</a>')),
    # Only title, on a and abbr, survives; rel is always exactly ours.
    ('<a href="https://example.com/" rel="opener" target="_blank" style="color:red" '
     'class="c" id="i">x</a>', p(link("x", "https://example.com/"))),
    ('<a href="https://example.com/" title="Example">x</a>',
     p(f'<a href="https://example.com/" title="Example" {REL}>x</a>')),
    ('<abbr title="HyperText Markup Language" style="x" class="c">HTML</abbr>',
     p('<abbr title="HyperText Markup Language">HTML</abbr>')),
    ('<b title="t" class="c" id="i">x</b>', p("<b>x</b>")),
    ('<p style="color:red" id="x">para</p>', p("para")),
    # Other markup is escaped, allowed markup kept.
    ("<div>hi</div>", p("&lt;div&gt;hi&lt;/div&gt;")),
    ("<h1>title</h1>", p("&lt;h1&gt;title&lt;/h1&gt;")),
    ("<em>a</em> <strong>b</strong> <i>c</i> <del>d</del> <s>e</s> <q>f</q> <code>g</code>",
     p("<em>a</em> <strong>b</strong> <i>c</i> <del>d</del> <s>e</s> <q>f</q> <code>g</code>")),
    ("<B>x</B><br/>y", p("<b>x</b><br>y")),
]


@pytest.mark.parametrize("text,expected", MARKUP_CASES)
def test_markup(text, expected):
    html = render_body(text)
    assert html == expected
    assert_safe(html)


TEXT_CASES = [
    ("x < y", p("x &lt; y")),
    ("AT&T", p("AT&amp;T")),
    ("if (a<b && c>d)", p("if (a&lt;b &amp;&amp; c&gt;d)")),
    ("std::vector<int>", p("std::vector&lt;int&gt;")),
    ("a<b", p("a&lt;b")),
    ("<3", p("&lt;3")),
    ("2 > 1 and 1 < 2", p("2 &gt; 1 and 1 &lt; 2")),
    ("Quotes \"double\" and 'single'", p("Quotes \"double\" and 'single'")),
    ("use &amp;lt; in HTML", p("use &amp;lt; in HTML")),
    ("Tab\there", p("Tab\there")),
    ("Hello 👋 wörld 🎉 👨‍👩‍👧 👍🏽", p("Hello 👋 wörld 🎉 👨‍👩‍👧 👍🏽")),
    ("مرحبا بالعالم", p("مرحبا بالعالم")),
    ("שלום עולם, abc \u200f עברית", p("שלום עולם, abc \u200f עברית")),
    ("日本語のテキスト", p("日本語のテキスト")),
    # Paragraphs and line breaks.
    ("a\n\nb", "<p>a</p>\n<p>b</p>"),
    ("a\nb", p("a<br>b")),
    ("a\n\n\n\nb", "<p>a</p>\n<p>b</p>"),
    ("a \n \t\n b", "<p>a</p>\n<p>b</p>"),
    ("line one\nline two\n\npara two", "<p>line one<br>line two</p>\n<p>para two</p>"),
    # A written tag ends with its Markdown paragraph: one left open would be
    # opened again in every later paragraph (the parser's cost, and a surprise).
    ("<b>bold\n\nstill</b> after", "<p><b>bold</b></p>\n<p>still after</p>"),
    ("<p>a</p><p>b</p>", "<p>a</p>\n<p>b</p>"),
    ("<p>a\n\nb</p>", "<p>a</p>\n<p>b</p>"),
    ("<pre>\n\ncode\n\n  more</pre>", "<pre>\n\ncode\n\n  more</pre>"),
    ("<pre>if (a<b && c>d) {\n  x();\n}</pre>",
     "<pre>if (a&lt;b &amp;&amp; c&gt;d) {\n  x();\n}</pre>"),
    ("<ul>\n<li>one</li>\n<li>two</li>\n</ul>", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
    ("intro\n<blockquote>quoted\ntext</blockquote>\noutro",
     "<p>intro</p>\n<blockquote>quoted<br>text</blockquote>\n<p>outro</p>"),
    ("<blockquote>one\n\ntwo</blockquote>", "<blockquote>one</blockquote>\n<p>two</p>"),
    ("", ""),
    # Control characters are refused upstream; here they vanish, CR becomes LF.
    ("a\x00b\x07c\x0cd\x1be\x7ff\x85g\x9fh", p("abcdefgh")),
    ("a\r\nb\rc", p("a<br>b<br>c")),
    ("a\ud800b", p("ab")),
    # Text crosses the parser in private-use code; a body's own such characters survive.
    ("\ue000<\ue001&\ue002", p("\ue000&lt;\ue001&amp;\ue002")),
    ("\ue002l\ue002a\ue002e", p("\ue002l\ue002a\ue002e")),
    # Character references in text are read as a browser reads them.
    ("&lt;b&gt;x&lt;/b&gt;", p("&lt;b&gt;x&lt;/b&gt;")),
    ("c&#97;sino &copy; &nbsp;", p("casino \u00a9 \u00a0")),
    # Markdown reads a named reference only with its ";".
    ("AT&T &copy 2026", p("AT&amp;T &amp;copy 2026")),
]


@pytest.mark.parametrize("text,expected", TEXT_CASES)
def test_text(text, expected):
    html = render_body(text)
    assert html == expected
    assert_safe(html)


LINKIFY_CASES = [
    ("see https://example.com/path?q=1&r=2#frag",
     p("see " + link("https://example.com/path?q=1&amp;r=2#frag",
                     "https://example.com/path?q=1&amp;r=2#frag"))),
    ("Go to https://example.com.",
     p(f"Go to {link('https://example.com', 'https://example.com')}.")),
    ("(https://example.com)", p(f"({link('https://example.com', 'https://example.com')})")),
    ("example.com, ok", p(f"{link('example.com', 'http://example.com')}, ok")),
    ("mailto:someone@example.com",
     p(link("mailto:someone@example.com", "mailto:someone@example.com"))),
    ("someone@example.com", p("someone@example.com")),
    ("https://example.com/&amp;lt;x",
     p(link("https://example.com/&amp;lt;x", "https://example.com/&#38;lt;x"))),
    ("http://example.com/?q=<script>",
     p(link("http://example.com/?q=", "http://example.com/?q=") + "&lt;script&gt;")),
    ("javascript:alert(1)//example.com",
     p(f"javascript:alert(1)//{link('example.com', 'http://example.com')}")),
    ("ftp://example.com/file", p("ftp://example.com/file")),
    ("<code>https://example.com</code>", p("<code>https://example.com</code>")),
    ("<pre>https://example.com</pre>", "<pre>https://example.com</pre>"),
    ('<a href="https://example.com/">https://other.example</a>',
     p(link("https://other.example", "https://example.com/"))),
    ('<a href="https://example.com/">one\n\ntwo</a>', f'{p(link("one", "https://example.com/"))}\n{p("two")}'),
]


@pytest.mark.parametrize("text,expected", LINKIFY_CASES)
def test_bare_urls_become_links(text, expected):
    html = render_body(text)
    assert html == expected
    assert_safe(html)


def test_tags_past_the_limit_are_shown_as_text():
    html = render_body("<b>x</b>" * (MAX_TAGS // 2 + 1))
    # The paragraph Markdown makes takes two tags of the budget.
    assert html.count("<b>") == MAX_TAGS // 2 - 1 and html.endswith("&lt;b&gt;x&lt;/b&gt;" * 2 + "</p>")


def test_urls_past_the_limit_stay_text():
    html = render_body("see a.co " * (MAX_FOUND_LINKS + 1))
    assert html.count("<a ") == MAX_FOUND_LINKS and html.endswith("see a.co</p>")


@pytest.mark.parametrize("text", [
    "<blockquote>" * 2000 + "x\n\ny",
    "<b><i>" * 2000 + "x",
    "<ul><li>" * 600 + "x",
    "<a href=https://example.com/>" * 500 + "x",
    "<" * 5000,
    "&" * 5000,
])
def test_pathological_input_stays_safe(text):
    assert_safe(render_body(text))
