"""Marshmallow schemas for the API's input and output. Independent of the
application package: nothing here imports `moderation`."""

from .base import StrictSchema, validate_article_id
from .comments import (
    CommentCreateSchema, CountsArgsSchema, ModerationCommentSchema, PublicCommentSchema,
    SubmittedCommentSchema, ThreadArgsSchema, ThreadPageSchema,
)

__all__ = [
    "CommentCreateSchema", "CountsArgsSchema", "ModerationCommentSchema", "PublicCommentSchema",
    "StrictSchema", "SubmittedCommentSchema", "ThreadArgsSchema",
    "ThreadPageSchema", "validate_article_id",
]
