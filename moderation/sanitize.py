"""Turn a submitted comment body into the public body_html (API.md, "Body sanitisation").

The only importer of bleach: a later move to nh3 touches this file and its tests.
"""

import html
import re
import threading
import unicodedata
from functools import partial
from html.entities import html5 as HTML5_ENTITIES

from bleach.html5lib_shim import Filter
from bleach.linkifier import TLDS
from bleach.sanitizer import Cleaner

from .markdown import render_markdown
from .markup import ALLOWED_TAGS, MAX_TAGS, TagBudget, from_parser_text, prepare, without_controls
from .paragraphs import ParagraphFilter, text_token

__all__ = ["ALLOWED_TAGS", "MAX_FOUND_LINKS", "MAX_TAGS", "clean_html", "render_body"]

LINK_ATTRIBUTES = frozenset({"href", "title"})
ABBR_ATTRIBUTES = frozenset({"title"})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"

_ATTRIBUTES = {"a": LINK_ATTRIBUTES, "abbr": ABBR_ATTRIBUTES}
_NO_LINKIFY = frozenset({"a", "pre", "code"})
# URLs in text past this many stay text (a link costs the serialiser a few
# tokens; the links rule holds such a comment anyway).
MAX_FOUND_LINKS = 200

# A bare URL: found by one pass of this expression, linear in the text's length
# (bleach's own finder backtracks: a 10,000-character "a.b-a.b-..." took seconds).
# It starts a word, and no quantifier gives back what it took, but the optional
# scheme, which may be retried without.
_URL_CANDIDATE = re.compile(r"""
    (?<![\w.@+-])
    (?:(?P<scheme>[a-z][a-z0-9+-]*+:(?://)?+)(?:[\w.+-]++@)?+)?
    (?P<host>[\w-]++(?:\.[\w-]++)++)
    (?::[0-9]++)?+
    (?P<path>[/?#][^\s<>"`{}|\\^]*+)?+
""", re.IGNORECASE | re.VERBOSE)
_TLDS = frozenset(TLDS)
_SENTENCE_END = frozenset(".,:;!?'")

# A kept href is an absolute http(s) URL with a host, or mailto. No backslash before
# the path: browsers read `https:\\evil` as `https://evil`.
_ABSOLUTE_URL = re.compile(r"https?://[^\s/\\?#]+(?:[/?#].*)?|mailto:.+", re.IGNORECASE)
_SAFE_PREFIX = re.compile(r"https?://|mailto:", re.IGNORECASE)
_CHAR_REFERENCE = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)(=?)")
_REFERENCE_START = re.compile(r"&(?=[#A-Za-z0-9]+;)")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_TAB_NEWLINE = {0x09: None, 0x0A: None, 0x0D: None}
# Invisible in a URL: controls, format characters (zero-width, bidi, soft hyphen), line
# and paragraph separators, unassigned and private code points, and the default-ignorable
# letters and marks outside category Cf (fillers, variation selectors, ...).
_NOT_PRINTABLE_ASCII = re.compile("[^\x20-\x7e]")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})
_INVISIBLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164"
                        "\ufe00-\ufe0f\uffa0\U0001d173-\U0001d17a\U000e0100-\U000e01ef]")


def render_body(text: str) -> str:
    """Render a comment body (Markdown, with allow-listed HTML) into its
    sanitised HTML: allow-listed markup, links, paragraphs."""
    return _clean(render_markdown(without_controls(text)), paragraphs=True)


def clean_html(html_text: str) -> str:
    """Run the allow-list cleaner alone (no Markdown, no paragraphs); render_body output is a fixed point."""
    return _clean(prepare(without_controls(html_text), TagBudget()), paragraphs=False)


def _clean(text, *, paragraphs):
    return _cleaner(paragraphs).clean(text)


_CLEANERS = threading.local()


def _cleaner(paragraphs):
    """This thread's Cleaner (one per mode): a Cleaner is not thread-safe
    (STYLE rule 9), and building one costs a tenth of a clean."""
    cleaners = _CLEANERS.__dict__
    if paragraphs not in cleaners:
        cleaners[paragraphs] = Cleaner(
            tags=ALLOWED_TAGS, attributes=_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS,
            strip=False, strip_comments=True,  # contract: other markup is escaped, shown as text
            filters=[_LinkFilter, partial(ParagraphFilter, paragraphs=paragraphs)],
        )
    return cleaners[paragraphs]


class _LinkFilter(Filter):
    """First filter: text gets its "<" and "&" back, written links keep only an
    href we would write, and bare URLs outside a, pre and code become links."""

    def __iter__(self):
        skipping, self.links_left = 0, MAX_FOUND_LINKS
        for token in super().__iter__():
            kind, name = token["type"], token.get("name")
            if kind == "StartTag" and name == "a":
                _finish_link(token, _with_written_href(token["data"] or {}))
            if name in _NO_LINKIFY and kind in ("StartTag", "EndTag"):
                skipping += 1 if kind == "StartTag" else -1
            elif kind == "Characters":
                text = from_parser_text(token["data"])
                yield from [text_token(text)] if skipping else self.linkify(text)
                continue
            yield token

    def linkify(self, text):
        """Characters and link tokens for text, its bare URLs made links."""
        end = 0
        for match in _URL_CANDIDATE.finditer(text):
            if not self.links_left:
                break
            stop = match.end() - _trailing_punctuation(match["path"] or "")
            href = _bare_link_href(match, text[match.start():stop])
            if href is None:
                continue
            self.links_left -= 1
            if match.start() > end:
                yield text_token(text[end:match.start()])
            yield _finish_link({"type": "StartTag", "name": "a"}, {(None, "href"): _as_href(href)})
            yield text_token(text[match.start():stop])
            yield {"type": "EndTag", "name": "a", "data": {}}
            end = stop
        if end < len(text):
            yield text_token(text[end:])


def _with_written_href(attrs):
    href = attrs.pop((None, "href"), None)
    if href is not None:
        # As a URL parser reads the attribute: references decoded, C0 controls and
        # spaces trimmed, TAB, LF and CR dropped anywhere.
        url = _decode_attribute(href).strip(_C0_OR_SPACE).translate(_TAB_NEWLINE)
        if _is_absolute_url(url):
            attrs[(None, "href")] = _as_href(url)
    return attrs


def _as_href(url):
    # Written so that a browser reads exactly `url`: an "&" that would start a
    # character reference becomes "&#38;", which bleach's serialiser keeps.
    return _REFERENCE_START.sub("&#38;", url)


def _bare_link_href(match, url):
    """The href of a URL found in text, or None when it is no link we keep."""
    scheme = (match["scheme"] or "").lower()
    if not scheme:
        # Contract: a bare domain links only with a known top-level domain.
        return "http://" + url if match["host"].rpartition(".")[2].lower() in _TLDS else None
    if scheme in ("http://", "https://", "mailto:") and _is_absolute_url(url):
        return url
    return None


def _trailing_punctuation(path):
    """How many characters at the end of a URL's path are the sentence's, not
    the URL's: closing punctuation, and a ")" that closes no "(" of the URL."""
    unmatched = path.count(")") - path.count("(")
    count = 0
    for char in reversed(path):
        if char == ")" and unmatched > 0:
            unmatched -= 1
        elif char not in _SENTENCE_END:
            break
        count += 1
    return count


def _decode_attribute(value):
    """Decode character references as a browser does inside an attribute value."""
    def decode(match):
        ref, equals = match.groups()
        if ref.startswith("#"):
            return html.unescape("&" + ref) + equals
        # A named reference without ";" stays literal before "=" (HTML legacy rule).
        if ref in HTML5_ENTITIES and (ref.endswith(";") or not equals):
            return HTML5_ENTITIES[ref] + equals
        return match[0]
    return _CHAR_REFERENCE.sub(decode, value)


def _is_absolute_url(url):
    # Threat: `java\u200bscript:`, `https:\u200b//evil` and kin. Any invisible
    # character at all costs the href, rather than guessing what a browser makes of it.
    return bool(_ABSOLUTE_URL.fullmatch(url)) and not _has_invisible(url)


def _has_invisible(text):
    if not _NOT_PRINTABLE_ASCII.search(text):  # the usual URL
        return False
    return bool(_INVISIBLE.search(text)) or any(
        unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in text)


def _finish_link(token, attrs):
    """Every <a> ends here: allow-listed attributes in a fixed order and the
    exact rel. Defence in depth, should an href ever bypass the checks before:
    none unless its literal value starts with a safe scheme."""
    kept = {}
    href, title = attrs.get((None, "href")), attrs.get((None, "title"))
    if href is not None and _SAFE_PREFIX.match(href) and not _has_invisible(href):
        kept[(None, "href")] = href
    if title is not None:
        kept[(None, "title")] = title
    token["data"] = {**kept, (None, "rel"): LINK_REL}
    return token
