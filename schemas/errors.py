"""The error envelope of API.md "Errors": the one shape every error of every
endpoint has. It documents the envelope; moderation/errors.py writes it."""

from marshmallow import Schema, fields, validate

# Every `code` the service answers with (API.md "Errors"); test_openapi.py
# checks this list against the APIError family and the HTTP error table.
ERROR_CODES = (
    "bad_request", "unauthorized", "comments_closed", "edit_window_closed", "forbidden", "not_found",
    "method_not_allowed", "duplicate", "payload_too_large", "unsupported_media_type",
    "validation_failed", "rate_limited", "internal_error",
)


class ErrorDetailSchema(Schema):
    """What went wrong: a stable code for programs, a sentence for people."""

    code = fields.String(required=True, validate=validate.OneOf(ERROR_CODES))
    message = fields.String(required=True)
    # Only on 422: field name -> messages (a list, or an object by list index or key).
    field_messages = fields.Dict(data_key="fields", keys=fields.String(),
                                 metadata={"optional": True})


class ErrorSchema(Schema):
    """{"error": {"code": ..., "message": ..., "fields": ...}}."""

    error = fields.Nested(ErrorDetailSchema, required=True)
