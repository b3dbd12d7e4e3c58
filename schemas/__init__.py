"""Marshmallow schemas for the API's input and output. Independent of the
application package: nothing here imports `moderation`."""

from .base import StrictSchema, validate_article_id
from .bodies import CommentEditSchema, PreviewRequestSchema, PreviewSchema, body_schema
from .comments import (
    comment_create_schema, CommentCreateSchema, ModerationCommentSchema, PublicCommentSchema, SubmittedCommentSchema,
)
from .threads import load_article_ids, CountsArgsSchema, ThreadArgsSchema, ThreadPageSchema
from .moderation import (
    BlockArgsSchema, RulesEditSchema, RulesSchema,
    ArticlePatchSchema, ArticleStateSchema, AuditEntrySchema, AuditLogPageSchema,
    AuthorExportSchema, AuthorRequestSchema, BulkActionSchema, BulkResultSchema,
    ErasureResultSchema, LogArgsSchema, ModeratorSchema, QueueArgsSchema, QueuePageSchema, StatsSchema,
)

__all__ = [
    "body_schema", "comment_create_schema", "load_article_ids",
    "CommentEditSchema", "PreviewRequestSchema", "PreviewSchema",
    "BlockArgsSchema", "RulesEditSchema", "RulesSchema",
    "ArticlePatchSchema", "ArticleStateSchema", "AuditEntrySchema", "AuditLogPageSchema",
    "AuthorExportSchema", "AuthorRequestSchema", "BulkActionSchema", "BulkResultSchema",
    "CommentCreateSchema", "CountsArgsSchema", "ErasureResultSchema", "LogArgsSchema",
    "ModerationCommentSchema", "ModeratorSchema", "PublicCommentSchema", "QueueArgsSchema", "QueuePageSchema",
    "StatsSchema", "StrictSchema", "SubmittedCommentSchema", "ThreadArgsSchema",
    "ThreadPageSchema", "validate_article_id",
]
