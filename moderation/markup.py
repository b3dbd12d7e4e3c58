"""How a body reaches the sanitiser's HTML parser (API.md "Body sanitisation"):
allow-listed tags as written, and between them text in private-use code. Shared
by the sanitiser (sanitize.py) and the Markdown renderer (markdown.py)."""

import html
import re
from dataclasses import dataclass

# Allow-lists, copied from the contract.
ALLOWED_TAGS = frozenset({"a", "abbr", "b", "blockquote", "br", "code", "del", "em", "i",
                          "li", "ol", "p", "pre", "q", "s", "strong", "ul"})
# Threat: a body of nothing but tags. The HTML parser's work grows faster than
# their number, so tags past this many are shown as text; no real comment has
# them. Markdown's elements count too (markdown.py).
MAX_TAGS = 500

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

# Only a "<" that opens a well-formed allowed tag stays markup: `if (a<b && c>d)` would
# otherwise become a <b> element, and `<!--` or CDATA would make text vanish.
_WS = r"[ \t\n\r\f]"
_NAMES = "|".join(sorted(ALLOWED_TAGS))
_ATTR = rf"""{_WS}+[A-Za-z][\w.:-]*{_WS}*={_WS}*(?:"[^"]*"|'[^']*'|[^ \t\n\r\f"'=<>`]+)"""
ALLOWED_TAG = re.compile(rf"<(?:(?:{_NAMES})(?:{_ATTR})*{_WS}*/?|/(?:{_NAMES}){_WS}*)>", re.I)
_TAG_NAME = re.compile(r"<(/?)([a-z]+)", re.I)
# Starts where a run of spaces starts (paragraphs.py): tried at every space, it was quadratic.
_BLANK_LINE = re.compile(r"(?<![ \t])[ \t]*\n(?:[ \t]*\n)+")


@dataclass
class TagBudget:
    """How many more tags one body may put before the parser (MAX_TAGS)."""

    left: int = MAX_TAGS

    def take(self, count=1):
        """Whether `count` more tags fit; counts them if so."""
        if self.left < count:
            return False
        self.left -= count
        return True


class OpenTags:
    """The written tags a block opened and did not close, closed at its end.
    Threat: a tag left open is opened again by the parser in every later
    paragraph (HTML's "reconstruct the active formatting elements"), so open
    tags times paragraphs would be the parser's work."""

    def __init__(self):
        self.counts = {}

    def note(self, tag):
        """Count a written tag (as ALLOWED_TAG matched it) in or out; returns it."""
        closing, name = _TAG_NAME.match(tag).groups()
        name = name.lower()
        if closing and name in self.counts:
            self.counts[name] -= 1
            if not self.counts[name]:
                del self.counts[name]
        elif not closing and name != "br":
            self.counts[name] = self.counts.get(name, 0) + 1
        return tag

    def closing(self):
        """End tags for whatever is still open (an extra one is harmless); then none is."""
        tags = "".join(f"</{name}>" * count for name, count in reversed(self.counts.items()))
        self.counts.clear()
        return tags


def without_controls(text):
    """Line ends unified, control characters and lone surrogates dropped."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def as_parser_text(text):
    """Text the parser must read literally (a Markdown text run, a code span)."""
    return _CONTROLS.sub("", text).translate(_TO_PARSER)


def from_parser_text(text):
    """The text of a parsed Characters token, its "<" and "&" restored."""
    return _PARSER_CODE.sub(lambda code: _FROM_PARSER[code[0]], text)


def prepare(text, budget, *, paragraphs=False):
    """Written HTML as the parser reads it: allow-listed tags as written (while
    the budget lasts), and between them text as a reader sees it (character
    references decoded) in parser text, and end tags for those left open
    (OpenTags); with paragraphs, also at the first blank line after them, so
    that no tag spans paragraphs (each would be cut and opened again in every
    one of them). The parser then sees one run of plain text where it would
    see a token per "&lt;": its work stays linear."""
    pieces, end, written = [], 0, OpenTags()
    for match in ALLOWED_TAG.finditer(text):
        if not budget.take():
            break
        pieces += [*_decoded(text[end:match.start()], written, paragraphs), written.note(match[0])]
        end = match.end()
    pieces += [*_decoded(text[end:], written, paragraphs), written.closing()]
    return "".join(pieces)


def _decoded(text, written, paragraphs):
    blank = paragraphs and written.counts and _BLANK_LINE.search(text)
    if not blank:
        return [as_parser_text(html.unescape(text))]
    return [as_parser_text(html.unescape(text[:blank.start()])), written.closing(),
            as_parser_text(html.unescape(text[blank.start():]))]
