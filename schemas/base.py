"""Building blocks shared by every schema: strictness, trimmed text that
refuses invisible trickery, UTC timestamps in RFC 3339."""

import base64
import binascii
import re
import unicodedata
from datetime import UTC

from marshmallow import RAISE, Schema, ValidationError, fields

# Integer ids must fit the id columns on every database: PostgreSQL's are
# `integer` (32-bit), and a larger id in a query is an error there, not a miss.
MAX_ID = 2**31 - 1

# Unicode categories never allowed in a single-line text field: controls,
# format characters (bidi overrides, zero-width joiners), lone surrogates,
# line and paragraph separators.
SINGLE_LINE_FORBIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}


class StrictSchema(Schema):
    """Input schema: an unknown field is a 422 (API.md), never silently kept."""

    class Meta:
        unknown = RAISE


# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt), as a
# character class: what a renderer draws as nothing whatever its category,
# the Hangul fillers, variation selectors and tag characters among them.
DEFAULT_IGNORABLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                     "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
                     "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
# What shows as nothing: whitespace, those, and the blank braille pattern
# (U+2800, a symbol, not ignorable, drawn empty).
_BLANK = re.compile(f"[\\s\u2800{DEFAULT_IGNORABLE}]*")


def renders_blank(text):
    """Whether text would show as nothing at all on the page."""
    return _BLANK.fullmatch(text) is not None


# The categories str.isprintable() is false for ("Other" and "Separator", but
# for the ASCII space): a printable text holds none of them.
_NOT_PRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text):
    """Whether text holds a lone surrogate (category Cs), which UTF-8 cannot store."""
    return _SURROGATE.search(text) is not None


def find_categories(text, categories, allowed=""):
    """The first character of text in one of the Unicode categories, or None."""
    # isprintable() runs in C and clears ordinary text before the per-character scan.
    if categories <= _NOT_PRINTABLE and text.isprintable():
        return None
    for char in text:
        if char not in allowed and unicodedata.category(char) in categories:
            return char
    return None


class TrimmedString(fields.String):
    """A string with surrounding whitespace removed and lone surrogates refused
    (they cannot be stored as UTF-8)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_surrogate(text):
            raise ValidationError("Contains an invalid character.")
        return text.strip()


class SingleLineText(TrimmedString):
    """Plain one-line text: no control, format or separator characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if find_categories(text, SINGLE_LINE_FORBIDDEN):
            raise ValidationError("Contains a control or invisible formatting character.")
        return text


class StrictInteger(fields.Integer):
    """A JSON integer within the 64-bit id range; no floats, strings or booleans."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        number = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= number <= MAX_ID:
            raise ValidationError(f"Must be between 1 and {MAX_ID}.")
        return number


class UtcDateTime(fields.DateTime):
    """RFC 3339 in UTC with a Z suffix, to the second."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Timestamp(fields.AwareDateTime):
    """An RFC 3339 timestamp with its offset (Z or +hh:mm), read as UTC to the
    second, from 1970 to 9999: years outside have no four-digit RFC 3339 form."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = moment.astimezone(UTC).replace(microsecond=0)
        except OverflowError:  # year 1 at +01:00 is in year 0 in UTC
            moment = None
        if moment is None or not 1970 <= moment.year <= 9999:
            raise ValidationError("Must be between 1970 and 9999.")
        return moment


ARTICLE_ID_MAX = 200


# An empty, "." or ".." segment: a browser resolves it away, so the widget's
# request for this article would reach another one.
_RESOLVED_SEGMENT = re.compile(r"(?:\A|/)\.{0,2}(?:/|\Z)")


def validate_article_id(value):
    """API.md "Articles": 1 to 200 printable characters, no control or format
    characters (bidi controls would make one id look like another), and no
    empty, "." or ".." segment."""
    if not isinstance(value, str) or not 1 <= len(value) <= ARTICLE_ID_MAX:
        raise ValidationError(f"Must be 1 to {ARTICLE_ID_MAX} characters.")
    if find_categories(value, {"Cc", "Cf", "Cs", "Zl", "Zp"}) or not value.strip():
        raise ValidationError("Contains a control or invisible formatting character.")
    if _RESOLVED_SEGMENT.search(value):
        raise ValidationError('Must not have an empty, "." or ".." segment.')


def encode_cursor(position):
    """An opaque cursor standing for the last position a page served."""
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """The position of a cursor made by encode_cursor; ValueError otherwise."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeError):
        raise ValueError("not a cursor") from None
    if text[:1] != "p" or not text[1:].isdigit() or not 0 <= int(text[1:]) <= MAX_ID:
        raise ValueError("not a cursor")
    return int(text[1:])


class Cursor(fields.Field):
    """next_cursor: an opaque string, or null on the last page."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else encode_cursor(value)
