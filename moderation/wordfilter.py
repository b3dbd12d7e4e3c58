"""How the word blocklist reads a comment: as a reader sees it (markup gone,
character references decoded), normalised, and as it looks (its confusable
skeleton), in passes linear in the text whatever the length of the lists."""

import html
import re
import unicodedata
from functools import lru_cache

from schemas.base import DEFAULT_IGNORABLE

from .confusables import skeleton

# Zero-width characters, fillers, tag characters: invisible, so they split a
# word past a filter without a reader seeing it split.
_INVISIBLE = re.compile(f"[{DEFAULT_IGNORABLE}]")
# In a body_html (sanitize.render_body), the tags after which a reader sees a
# new line; other tags (<b>, <a>, ...) join their text to what surrounds it.
_LINE_TAG = re.compile(r"</?(?:blockquote|br|li|ol|p|pre|ul)\b[^>]*>")
_QUOTE_TAG = re.compile(r"</?q>")  # shown as quotation marks
# Any tag: its attribute values are quoted and may hold a ">".
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_WORD = re.compile(r"\w+")


def normalise_text(text):
    """Text as the word filter compares it: NFKC, case-folded, without invisible
    characters, runs of whitespace as one space. Blocked words are stored so."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(unicodedata.normalize("NFKC", text.casefold()).split())


def lookalike(text):
    """Text as it looks, compared like normalise_text's: without invisible
    characters, case-folded, its confusable skeleton (confusables.skeleton),
    then normalised (prototypes may be capitals: "ꓚ" looks like "C"). The
    skeleton comes before NFKC, which would turn some look-alikes into other
    letters: the lunate sigma "ϲ", drawn as a "c", into a "σ"."""
    return normalise_text(skeleton(_INVISIBLE.sub("", text).casefold()))


def visible_text(body_html):
    """The text a reader sees in a body_html, as sanitize.render_body writes it:
    every "<" there opens a tag that closes, and text holds only references."""
    text = _QUOTE_TAG.sub('"', _LINE_TAG.sub("\n", body_html))
    return html.unescape(_TAG.sub("", text))


class WordIndex:
    """Blocked words and phrases, normalised and as they look, filed under their
    first run of word characters. A text is read once into its set of such
    runs, and an entry is looked for only when each of its runs is there
    whole (as it must be for the entry to be), so the cost follows the text,
    not the length of the lists."""

    def __init__(self, words):
        self.plain, self.looks = {}, {}
        for word in words:
            for index, form in ((self.plain, word), (self.looks, lookalike(word))):
                runs = _WORD.findall(form)
                # None files the entries without a word character: always looked for.
                index.setdefault(runs[0] if runs else None, []).append((word, frozenset(runs), form))

    def first_match(self, text):
        """The first blocked entry (in sorted order) that text holds whole,
        normalised or as it looks; None if there is none."""
        if not self.plain:
            return None  # an empty blocklist: no need to normalise the text
        found = self.matches(self.plain, normalise_text(text)) | self.matches(self.looks, lookalike(text))
        return min(found, default=None)

    @staticmethod
    def matches(index, text):
        runs = set(_WORD.findall(text))
        return {word for run in (runs | {None}) & index.keys() for word, needed, form in index[run]
                if needed <= runs and whole(form).search(text)}


@lru_cache(maxsize=4096)
def whole(form):
    """A pattern for form with no word character just before or after it.
    The literal comes first, so that the search skips ahead to it: a leading
    (?<!\\w) made each search step through the text one character at a time."""
    literal = re.escape(form)
    return re.compile(rf"{literal}(?<!\w{literal})(?!\w)")
