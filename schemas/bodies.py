"""A comment's body as it comes in: Markdown text, trimmed and checked the
same way wherever it arrives (a submission, an edit, a preview)."""

import functools
import re

from marshmallow import Schema, ValidationError, fields, post_load

from .base import StrictSchema, has_surrogate

BODY_DESCRIPTION = ("Markdown (CommonMark), in which allow-listed HTML tags stay markup and any other is "
                    "shown as text; rendered once into body_html. Leading blank lines and trailing "
                    "whitespace are trimmed; the first line's indentation is kept.")
# Body characters refused rather than dropped: C0 and C1 controls but TAB and LF.
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def checked_body(body, max_length):
    """A body as stored: line ends unified, control characters refused,
    trimmed (trim_body), its length checked."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if _BODY_CONTROLS.search(body) or has_surrogate(body):
        raise ValidationError("Must not contain control characters.", "body")
    body = trim_body(body)
    if not 1 <= len(body) <= max_length:
        raise ValidationError(f"Must be 1 to {max_length} characters.", "body")
    return body


def trim_body(body):
    """API.md "body": leading blank lines and trailing whitespace go, but the
    first line's indentation stays (Markdown reads it as a code block)."""
    body = body.rstrip()
    first_text = len(body) - len(body.lstrip())
    return body[body.rfind("\n", 0, first_text) + 1:]


class CommentBodySchema(StrictSchema):
    """A comment's text alone, checked as a submission's body is."""

    body = fields.String(required=True, metadata={"description": BODY_DESCRIPTION})

    def __init__(self, *, body_max_length=10_000, **kwargs):
        super().__init__(**kwargs)
        self.body_max_length = body_max_length

    @post_load
    def normalise(self, data, **_):
        data["body"] = checked_body(data["body"], self.body_max_length)
        return data


class CommentEditSchema(CommentBodySchema):
    """PATCH of a comment's text: by its author (with its secret), or by a moderator."""


class PreviewRequestSchema(CommentBodySchema):
    """POST /api/v1/preview: a body to render as a submission would."""


class PreviewSchema(Schema):
    """The body_html a submission of the body would store."""

    body_html = fields.String()


@functools.lru_cache(maxsize=8)
def body_schema(schema_class, body_max_length):
    """One instance of a CommentBodySchema class per body limit."""
    return schema_class(body_max_length=body_max_length)
