"""The API's one error vocabulary (API.md "Errors") and the handlers that turn
every failure, routing ones included, into its JSON envelope."""

import logging
import math
import time
import traceback

import sqlalchemy as sa
from flask import current_app, json
from flask_limiter import RateLimitExceeded
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from .extensions import db, limiter

log = logging.getLogger(__name__)


class APIError(Exception):
    status = 500
    code = "internal_error"
    message = "Something went wrong on our side."

    def __init__(self, message=None, *, fields=None, headers=None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.fields = fields
        self.headers = headers or {}


class BadRequest(APIError):
    status, code, message = 400, "bad_request", "The request body is not a JSON object."


class Unauthorized(APIError):
    status, code, message = 401, "unauthorized", "A valid moderator token is required."

    def __init__(self, message=None):
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="moderation"'})


class CommentsClosed(APIError):
    status, code, message = 403, "comments_closed", "Comments on this article are closed."


class Forbidden(APIError):
    status, code, message = 403, "forbidden", "Your role does not allow this action."


class EditWindowClosed(APIError):
    status, code, message = 403, "edit_window_closed", "This comment can no longer be edited or deleted."


class NotFound(APIError):
    status, code, message = 404, "not_found", "Nothing was found here."


class Duplicate(APIError):
    status, code, message = 409, "duplicate", "This comment was already posted."


class UnsupportedMediaType(APIError):
    status, code, message = 415, "unsupported_media_type", "Send the body as application/json."


class ValidationFailed(APIError):
    status, code, message = 422, "validation_failed", "One or more fields are invalid."


# Codes for the HTTP errors that werkzeug or an extension raises itself.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
HTTP_MESSAGES = {
    404: "Nothing was found here.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    429: "Too many requests; try again later.",
    500: APIError.message,
}


def envelope(status, code, message, fields=None, headers=None):
    """The contract's error body as a response."""
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    response = current_app.response_class(
        json.dumps({"error": error}), status=status, mimetype="application/json"
    )
    response.headers.update(headers or {})
    return response


def handle_api_error(error):
    return envelope(error.status, error.code, error.message, error.fields, error.headers)


def handle_validation_error(error):
    fields = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    return envelope(422, "validation_failed", ValidationFailed.message, fields)


def handle_http_exception(error):
    # Start from werkzeug's own response so Allow, WWW-Authenticate and
    # Retry-After survive; replace only the body.
    response = error.get_response()
    code = HTTP_CODES.get(error.code, "internal_error" if error.code >= 500 else "bad_request")
    message = HTTP_MESSAGES.get(error.code) or error.description or error.name
    body = envelope(error.code, code, message)
    response.set_data(body.get_data())
    response.mimetype = "application/json"
    return response


def retry_after():
    """Retry-After for the limit this request exhausted: seconds until its window resets."""
    current = limiter.current_limit
    return {"Retry-After": str(max(1, math.ceil(current.reset_at - time.time())) if current else 60)}


def handle_rate_limited(error):
    """429 rate_limited in the envelope, with Retry-After (API.md)."""
    return envelope(429, "rate_limited", HTTP_MESSAGES[429], headers=retry_after())


def handle_unexpected(error):
    # Log the trace for operators; show the client nothing of it (no query, no stack).
    if isinstance(error, sa.exc.DBAPIError):
        # A database's message may quote the row it refused (PostgreSQL's DETAIL
        # lines name the values: an address, say): log its first line and the
        # stack, never the rest (statement parameters are hidden by the engine).
        first_line = str(error.orig).partition("\n")[0]
        log.error("unhandled database error %s: %s\n%s", type(error.orig).__name__, first_line,
                  "".join(traceback.format_tb(error.__traceback__)).rstrip())
    else:
        log.exception("unhandled error")
    db.session.rollback()
    return envelope(500, "internal_error", APIError.message)


def register(app):
    """Route every error through the JSON envelope."""
    app.register_error_handler(APIError, handle_api_error)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
