"""Unicode's confusable skeleton (UTS #39): text as it looks, so that "саsino"
(Cyrillic с and а) reads "casino". Its table, confusables.tsv, is derived from
Unicode's confusables.txt: python moderation/confusables.py confusables.txt"""

import sys
import unicodedata
from functools import cache
from pathlib import Path

# Derived here: no package on PyPI gives TR39's prototypes with wheels and the
# direction of the mapping intact. Source: unicode.org/Public/security/latest/.
TABLE = Path(__file__).with_name("confusables.tsv")
# Rows whose source is a letter, a mark or a digit. Punctuation and symbols
# keep their own form: a "|" beside a word stays the boundary a reader sees,
# rather than an "l" that would join the word.
_SOURCE_CATEGORIES = ("L", "M", "N")


def skeleton(text):
    """TR39's skeleton of text, linear in its length: decomposed (NFD), each
    confusable character replaced by its prototype, and composed again.
    (TR39 ends with NFD; NFC keeps equal skeletons equal and an accent on its
    letter, where a test for a word's end sees it.)"""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", decomposed.translate(prototypes()))


@cache
def prototypes():
    """{code point: prototype} from TABLE, as str.translate takes it."""
    table = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            source, prototype = line.split("\t")[:2]
            table[int(source, 16)] = "".join(chr(int(code, 16)) for code in prototype.split())
    return table


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


def write_table(source_path, table_path=TABLE):
    """Write TABLE from a confusables.txt, its header (version, date, terms
    of use) kept at the top."""
    lines = Path(source_path).read_text(encoding="utf-8-sig").splitlines()
    header = [line for line in lines[:12] if line.startswith("#")]
    rows = [f"{ord(char):04X}\t{' '.join(f'{ord(code):04X}' for code in prototype)}\t# {char} → {prototype}"
            for char, prototype in derive_table(lines)]
    table_path.write_text("\n".join([
        "# Derived by moderation/confusables.py from Unicode's confusables.txt, whose header follows:",
        *header,
        "# Kept: the rows the word rule needs (moderation/confusables.py, derive_table).",
        "# source\tprototype\t# as text",
        *rows,
    ]) + "\n", encoding="utf-8")
    return len(rows)


if __name__ == "__main__":
    print(f"{write_table(sys.argv[1])} rows written to {TABLE}")
