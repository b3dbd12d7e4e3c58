"""Turn a submitted comment body into the public body_html (API.md, "Body sanitisation").

The only importer of bleach: a later move to nh3 touches this file and its tests.
"""

import html
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import partial
from html.entities import html5 as HTML5_ENTITIES
from itertools import groupby

from bleach.html5lib_shim import Filter
from bleach.linkifier import TLDS
from bleach.sanitizer import Cleaner

# Allow-lists, copied from the contract.
ALLOWED_TAGS = frozenset({"a", "abbr", "b", "blockquote", "br", "code", "del", "em", "i",
                          "li", "ol", "p", "pre", "q", "s", "strong", "ul"})
LINK_ATTRIBUTES = frozenset({"href", "title"})
ABBR_ATTRIBUTES = frozenset({"title"})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"

_ATTRIBUTES = {"a": LINK_ATTRIBUTES, "abbr": ABBR_ATTRIBUTES}
# Tags that close an open <p> when a browser parses them: they never go inside one.
_BLOCK_TAGS = frozenset({"blockquote", "li", "ol", "p", "pre", "ul"})
_NO_LINKIFY = frozenset({"a", "pre", "code"})
# Threat: deep nesting. Elements nested deeper are flattened (their text stays):
# the tree walk below is recursive, and no real comment nests this deep.
_MAX_DEPTH = 32
# Threat: a body of nothing but tags. The HTML parser's work grows faster than
# their number, so tags past this many are shown as text; no real comment has them.
MAX_TAGS = 500
# Likewise for URLs in text: past this many they stay text (a link costs the
# serialiser a few tokens; the links rule holds such a comment anyway).
MAX_FOUND_LINKS = 200

# The input schema refuses C0/C1 controls, but stay safe if handed them anyway;
# lone surrogates would break the UTF-8 response later.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# How text crosses the HTML parser: its "<" and "&" as two private-use
# characters, and those two and the escape character itself, should a body
# hold them, as the escape character and a letter. (The parser costs a
# token per "&lt;", and an error per raw "<" that grows with the body.)
_LT, _AMP, _ESC = "\ue000", "\ue001", "\ue002"
_TO_PARSER = {ord("<"): _LT, ord("&"): _AMP, ord(_LT): _ESC + "l", ord(_AMP): _ESC + "a", ord(_ESC): _ESC + "e"}
_FROM_PARSER = {_LT: "<", _AMP: "&", _ESC + "l": _LT, _ESC + "a": _AMP, _ESC + "e": _ESC}
_PARSER_CODE = re.compile(f"{_ESC}[lae]|[{_LT}{_AMP}]")
# Starts where a run of spaces starts: tried at every space, it was quadratic.
_BLANK_LINE = re.compile(r"(?<![ \t])[ \t]*\n(?:[ \t]*\n)+[ \t]*")

# Only a "<" that opens a well-formed allowed tag stays markup: `if (a<b && c>d)` would
# otherwise become a <b> element, and `<!--` or CDATA would make text vanish.
_WS = r"[ \t\n\r\f]"
_NAMES = "|".join(sorted(ALLOWED_TAGS))
_ATTR = rf"""{_WS}+[A-Za-z][\w.:-]*{_WS}*={_WS}*(?:"[^"]*"|'[^']*'|[^ \t\n\r\f"'=<>`]+)"""
_TAG = re.compile(rf"<(?:(?:{_NAMES})(?:{_ATTR})*{_WS}*/?|/(?:{_NAMES}){_WS}*)>", re.I)

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
    """Sanitise a comment body into HTML: allow-listed markup, links, paragraphs."""
    return _clean(_prepare(text), paragraphs=True)


def clean_html(html_text: str) -> str:
    """Run the allow-list cleaner alone (no paragraphs); render_body output is a fixed point."""
    return _clean(_prepare(html_text), paragraphs=False)


def _prepare(text):
    """The body as the parser reads it: allow-listed tags as written (the first
    MAX_TAGS), and between them text as a reader sees it (character references
    decoded), its "<" and "&" in private-use code (_TO_PARSER). The parser then sees one
    run of plain text where it would see a token per "&lt;": its work stays
    linear in the body's length."""
    text = _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    pieces, end = [], 0
    for count, match in enumerate(_TAG.finditer(text)):
        if count == MAX_TAGS:
            break
        pieces += [_as_text(text[end:match.start()]), match[0]]
        end = match.end()
    pieces.append(_as_text(text[end:]))
    return "".join(pieces)


def _as_text(text):
    return _CONTROLS.sub("", html.unescape(text)).translate(_TO_PARSER)


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
            filters=[_LinkFilter, partial(_StructureFilter, paragraphs=paragraphs)],
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
                token["data"] = _with_written_href(token["data"] or {})
            if name in _NO_LINKIFY and kind in ("StartTag", "EndTag"):
                skipping += 1 if kind == "StartTag" else -1
            elif kind == "Characters":
                text = _PARSER_CODE.sub(lambda code: _FROM_PARSER[code[0]], token["data"])
                yield from [_text(text)] if skipping else self.linkify(text)
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
                yield _text(text[end:match.start()])
            yield {"type": "StartTag", "name": "a", "data": {(None, "href"): _as_href(href)}}
            yield _text(text[match.start():stop])
            yield {"type": "EndTag", "name": "a", "data": {}}
            end = stop
        if end < len(text):
            yield _text(text[end:])


def _with_written_href(attrs):
    href = attrs.pop((None, "href"), None)
    if href is not None:
        # As a URL parser reads the attribute: references decoded, C0 controls and
        # spaces trimmed, TAB, LF and CR dropped anywhere.
        url = _decode_attribute(href).strip(_C0_OR_SPACE).translate(_TAB_NEWLINE)
        if _is_absolute_url(url):
            attrs[(None, "href")] = _as_href(url)
    return attrs  # _finish_link sets rel and the final attribute order


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


@dataclass(slots=True)
class _Element:
    start: dict
    children: list = field(default_factory=list)
    has_block: bool = False
    name = property(lambda self: self.start["name"])


class _StructureFilter(Filter):
    """Last filter: re-checks every link, then adds paragraphs and line breaks."""

    def __init__(self, source, paragraphs=True):
        super().__init__(source)
        self.paragraphs = paragraphs

    def __iter__(self):
        # Leave room for the <p> a paragraph adds, so clean_html never flattens further.
        nodes = _build_tree(super().__iter__(), _MAX_DEPTH - 1 if self.paragraphs else _MAX_DEPTH)
        return iter(_flow(nodes, wrap=True) if self.paragraphs else _inline(nodes, breaks=False))


def _build_tree(tokens, max_depth):
    """Nest the (well-formed) token stream: text becomes str, leaves stay tokens."""
    stack, flattened = [_Element({"name": ""})], 0
    for token in tokens:
        kind, parent = token["type"], stack[-1]
        if kind == "StartTag" and len(stack) > max_depth:
            flattened += 1
        elif kind == "StartTag":
            if token["name"] == "a":
                _finish_link(token)
            stack.append(_Element(token))
            parent.children.append(stack[-1])
            if token["name"] in _BLOCK_TAGS:
                for ancestor in stack[:-1]:
                    ancestor.has_block = True
        elif kind == "EndTag" and flattened:
            flattened -= 1
        elif kind == "EndTag" and len(stack) > 1:
            stack.pop()
        elif kind in ("Characters", "SpaceCharacters"):
            _append_text(parent, token["data"])
        elif kind != "EndTag":
            parent.children.append(token)  # <br>, character references
    return stack[0].children


def _finish_link(token):
    # Every <a> ends here: allow-listed attributes in a fixed order and the exact rel.
    # Defence in depth, should an <a> ever bypass the callback: no href unless its
    # literal value starts with a safe scheme.
    attrs, kept = token["data"] or {}, {}
    href, title = attrs.get((None, "href")), attrs.get((None, "title"))
    if href is not None and _SAFE_PREFIX.match(href) and not _has_invisible(href):
        kept[(None, "href")] = href
    if title is not None:
        kept[(None, "title")] = title
    token["data"] = {**kept, (None, "rel"): LINK_REL}


def _append_text(parent, data):
    if parent.name == "pre" and not parent.children and data.startswith("\n"):
        data = "\n" + data  # a parser drops the newline right after <pre>: keep this one
    if parent.children and isinstance(parent.children[-1], str):
        parent.children[-1] += data
    elif data:
        parent.children.append(data)


def _is_blockish(node):
    return isinstance(node, _Element) and (node.name in _BLOCK_TAGS or node.has_block)


def _flow(nodes, *, wrap):
    """Blocks pass through; each run of inline content becomes paragraphs."""
    items = []
    for blockish, group in groupby(nodes, _is_blockish):
        if blockish:
            items.extend(item for node in group for item in _block(node))
        else:
            items.extend(_paragraphs(list(group), wrap=wrap))
    tokens = []
    for item in items:  # "<p>a</p>\n<p>b</p>": one line per block
        tokens.extend([_text("\n"), *item] if tokens else item)
    return tokens


def _block(node):
    if node.name == "p":
        return _paragraphs(node.children, wrap=True)
    if node.name == "pre":
        return [_wrap(node, _inline(node.children, breaks=False))]
    if node.name in ("ul", "ol"):
        inner = []
        for child in node.children:  # <li>s, and the newlines between them as they are
            blocks = _block(child) if _is_blockish(child) else [_inline([child], breaks=False)]
            inner.extend(token for item in blocks for token in item)
        return [_wrap(node, inner)]
    return [_wrap(node, _flow(node.children, wrap=False))]  # blockquote, li, <b><ul>...


def _paragraphs(nodes, *, wrap):
    """Contract: a blank line separates paragraphs; a single newline becomes <br>."""
    paragraphs = [nodes for nodes in map(_trim, _split(nodes)) if nodes]
    if not wrap and len(paragraphs) == 1:
        return [_inline(paragraphs[0])]
    paragraph = _Element({"type": "StartTag", "name": "p", "data": {}})
    return [_wrap(paragraph, _inline(nodes)) for nodes in paragraphs]


def _split(nodes):
    """Split inline nodes at blank lines; an element spanning one is cut in two."""
    paragraphs = [[]]
    for node in nodes:
        if isinstance(node, str):
            first, *rest = _BLANK_LINE.split(node)
            paragraphs[-1].append(first)
            paragraphs.extend([part] for part in rest)
        elif isinstance(node, _Element) and len(pieces := _split(node.children)) > 1:
            for index, piece in enumerate(pieces):
                if index:
                    paragraphs.append([])
                if _trim(piece):
                    paragraphs[-1].append(_Element(node.start, piece))
        else:
            paragraphs[-1].append(node)
    return paragraphs


def _trim(nodes):
    nodes = [node for node in nodes if node != ""]
    for end, strip in ((0, str.lstrip), (-1, str.rstrip)):
        if nodes and isinstance(nodes[end], str):
            nodes[end] = strip(nodes[end], " \t\n")
    return [node for node in nodes if node != ""]


def _inline(nodes, *, breaks=True):
    tokens = []
    for node in nodes:
        if isinstance(node, _Element):
            tokens.extend(_wrap(node, _inline(node.children, breaks=breaks)))
        elif isinstance(node, str) and breaks:
            for index, line in enumerate(node.split("\n")):
                if index:
                    tokens.append({"type": "EmptyTag", "name": "br", "data": {}})
                if line:
                    tokens.append(_text(line))
        else:
            tokens.append(_text(node) if isinstance(node, str) else node)
    return tokens


def _wrap(element, inner):
    return [element.start, *inner, {"type": "EndTag", "name": element.name, "data": {}}]


def _text(data):
    return {"type": "Characters", "data": data}
