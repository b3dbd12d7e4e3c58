"""The OpenAPI 3.1 description, generated from the routes and their marshmallow
schemas: a view says what it takes and answers with @documented, and
build_spec() walks app.url_map once per app, so the document cannot drift."""

import inspect
import itertools
import re
import sys
from dataclasses import dataclass
from http import HTTPStatus

from apispec import APISpec
from marshmallow import Schema
from werkzeug.routing import parse_converter_args
from werkzeug.routing.converters import AnyConverter, IntegerConverter, PathConverter

from schemas.base import ARTICLE_ID_MAX
from schemas.errors import ErrorSchema

from ..errors import HTTP_CODES, APIError
from .converter import ContractPlugin
from .webhooks import describe_webhooks

OPENAPI_VERSION = "3.1.0"
HTML, JAVASCRIPT, ATOM_FEED = "text/html", "text/javascript", "application/atom+xml"
# Schema keyword arguments that come from a setting (the limits a client must know).
CONFIG_ARGUMENTS = {"body_max_length": "BODY_MAX_LENGTH"}
# Path variables that mean the same on every route.
PATH_VARIABLES = {
    "article_id": ("The site's own key for the page (API.md \"Articles\"): printable text "
                   "without control characters. It may contain `/`, sent as is.",
                   {"maxLength": ARTICLE_ID_MAX}),
}
# Response headers the contract promises where they are listed (API.md).
HEADERS = {
    "ETag": "Version of this answer, for If-None-Match.",
    "Cache-Control": "`public, max-age=...` (a few seconds) on public reads; `private, no-cache` on "
                     "moderation reads, which a client revalidates with If-None-Match.",
    "Retry-After": "Seconds to wait before trying again.",
    "WWW-Authenticate": "`Bearer`, with the realm.",
    "Location": "Where the browser goes next.",
}
# Answers that their views build without a schema class.
COUNTS_BODY = {"type": "object", "required": ["counts"], "additionalProperties": False,
               "properties": {"counts": {"type": "object", "description": "article_id -> count",
                                         "additionalProperties": {"type": "integer", "minimum": 0}}}}
FORM_TOKEN_BODY = {"type": "object", "required": ["form_token", "expires_in"],
                   "additionalProperties": False,
                   "properties": {"form_token": {"type": "string"},
                                  "expires_in": {"type": "integer", "description": "seconds"}}}
HEALTH_BODY = {"type": "object", "required": ["status"], "additionalProperties": False,
               "properties": {"status": {"enum": ["ok", "unavailable"]}}}
DESCRIPTION = """\
The comment service's HTTP API (contract: API.md). Bodies are JSON unless an
operation says otherwise; unknown JSON fields are refused with 422. Every
error, routing ones included, is the `Error` envelope. Moderation operations
need `Authorization: Bearer <token>` (made with `flask --app wsgi moderators add`).
Text answers of 1 KiB or more come gzip- or Brotli-compressed when the
request's `Accept-Encoding` allows (`Vary: Accept-Encoding`); their `ETag`
then ends in `-gzip` or `-br`, and `If-None-Match` with any form answers 304."""


@dataclass(frozen=True)
class Operation:
    """A view's contract. responses maps a status to a schema class (JSON), a
    JSON Schema dict, a media type such as HTML, or None (no body); request is
    the JSON body's schema, form the field names of a form body, query the
    query's schema; auth is "moderator" or "admin" (bearer token); errors are
    statuses answered with the error envelope besides those the rest implies;
    cached marks a GET with ETag, Cache-Control and 304."""

    responses: dict
    request: type | None = None
    form: tuple = ()
    query: type | None = None
    auth: str | None = None
    errors: tuple = ()
    cached: bool = False


def documented(**contract):
    """Record a view's Operation for the OpenAPI description; the view is unchanged."""
    operation = Operation(**contract)

    def attach(view):
        view.openapi = operation
        return view

    return attach


def configured(schema, config):
    """A schema instance with its setting-bound limits (BODY_MAX_LENGTH...)."""
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        return schema
    accepted = inspect.signature(schema).parameters
    return schema(**{arg: config[name] for arg, name in CONFIG_ARGUMENTS.items() if arg in accepted})


def get_spec(app):
    """The app's OpenAPI document as a dict, built once (the settings are fixed by then)."""
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = build_spec(app)
    return app.extensions["openapi"]


def build_spec(app):
    """Walk every route (static files aside) into an OpenAPI 3.1 document."""
    spec = APISpec(title="Comment service API", version="1", openapi_version=OPENAPI_VERSION,
                   plugins=[ContractPlugin()], info={"description": DESCRIPTION})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, description in HEADERS.items():
        schema = {"type": "integer", "minimum": 0} if name == "Retry-After" else {"type": "string"}
        spec.components.header(name, {"description": description, "required": True, "schema": schema})
    for status in error_statuses():
        spec.components.response(error_response_name(status), error_response(status))
    tags = {name: None for name in app.blueprints}  # in the order they were registered
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods))):
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or not hasattr(view, "openapi"):
            continue
        tag = rule.endpoint.partition(".")[0]
        tags[tag] = blueprint_summary(app, tag)
        for path, suffix, parameters in rule_variants(rule, app.url_map):
            operations = {
                method.lower(): operation(rule, view, suffix, parameters, app.config)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
            }
            spec.path(path=path, operations=operations)
    for tag, summary in tags.items():
        if summary:
            spec.tag({"name": tag, "description": summary})
    return describe_webhooks(spec)


def blueprint_summary(app, name):
    """The first paragraph of the blueprint module's docstring."""
    return inspect.getdoc(sys.modules[app.blueprints[name].import_name]).split("\n\n")[0].replace("\n", " ")


VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def rule_variants(rule, url_map):
    """(path, suffix, parameters) for each OpenAPI path of a werkzeug rule: an
    any(...) variable becomes one path per value, which reads clearer to a
    client than an enum parameter."""
    choices, parameters = [], []
    for match in VARIABLE.finditer(rule.rule):
        args, kwargs = parse_converter_args(match["args"] or "")
        converter = url_map.converters[match["converter"] or "default"](url_map, *args, **kwargs)
        if isinstance(converter, AnyConverter):
            choices.append([(match[0], value, value) for value in args])
        else:
            choices.append([(match[0], f"{{{match['name']}}}", None)])
            parameters.append(path_parameter(match["name"], converter, kwargs))
    for combination in itertools.product(*choices):
        path = rule.rule
        for placeholder, text, _ in combination:
            path = path.replace(placeholder, text, 1)
        suffix = ".".join(value for _, _, value in combination if value)
        yield path, suffix, parameters


def path_parameter(name, converter, kwargs):
    """A path parameter from a werkzeug converter and its arguments."""
    if isinstance(converter, IntegerConverter):
        low = converter.min if converter.min is not None or converter.signed else 0
        schema = {"type": "integer", "minimum": low, "maximum": converter.max}
    else:
        schema = {"type": "string", "minLength": kwargs.get("minlength", 1),
                  "maxLength": kwargs.get("maxlength") or kwargs.get("length")}
    description, extra = PATH_VARIABLES.get(name, (None, {}))
    if isinstance(converter, PathConverter):
        description = description or "May contain `/`."
    schema = {key: value for key, value in {**schema, **extra}.items() if value is not None}
    parameter = {"in": "path", "name": name, "required": True, "schema": schema}
    return {**parameter, "description": description} if description else parameter


def operation(rule, view, suffix, path_parameters, config):
    """One OpenAPI operation of a documented view."""
    doc = view.openapi
    summary, _, description = (inspect.getdoc(view) or rule.endpoint).partition("\n")
    result = {"operationId": rule.endpoint + (f".{suffix}" if suffix else ""),
              "summary": summary, "tags": [rule.endpoint.partition(".")[0]],
              "parameters": list(path_parameters), "responses": responses(doc, rule, config)}
    if description.strip():
        result["description"] = description.strip()
    if doc.query:
        result["parameters"].append({"in": "query", "schema": configured(doc.query, config)})
    if doc.cached:
        result["parameters"].append({"in": "header", "name": "If-None-Match", "required": False,
                                     "schema": {"type": "string"},
                                     "description": "An ETag of an earlier answer: 304 if unchanged."})
    if doc.request:
        result["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": configured(doc.request, config)}}}
    if doc.form:
        form = {"type": "object", "properties": {name: {"type": "string"} for name in doc.form}}
        result["requestBody"] = {"required": True,
                                 "content": {"application/x-www-form-urlencoded": {"schema": form}}}
    if doc.auth:
        result["security"] = [{"bearer": []}]
        result["x-role"] = str(doc.auth)  # the least role whose token may call it
    return result


def responses(doc, rule, config):
    """Documented answers plus the error envelope of every status the
    operation can fail with (API.md "Errors")."""
    result = {}
    for status, body in doc.responses.items():
        answer = {"description": HTTPStatus(status).phrase}
        if body is not None:
            answer["content"] = content(body, config)
        if status == 200 and doc.cached:
            answer["headers"] = header_refs("ETag", "Cache-Control")
        if status == 303:
            answer["headers"] = header_refs("Location")
        result[status] = answer
    if doc.cached:
        result[304] = {"description": "Not Modified: the If-None-Match ETag is current.",
                       "headers": header_refs("ETag", "Cache-Control")}
    for status in sorted(implied_errors(doc, rule)):
        if status in result:  # e.g. an HTML page for a form error, JSON for a bad URL
            result[status]["content"].update(error_response(status)["content"])
        else:
            result[status] = error_response_name(status)
    return {str(status): answer for status, answer in sorted(result.items())}


def content(body, config):
    """The content of an answer: a media type's text, or JSON of a schema."""
    if isinstance(body, str):
        return {body: {"schema": {"type": "string"}}}
    return {"application/json": {"schema": configured(body, config)}}


def header_refs(*names):
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def implied_errors(doc, rule):
    """The error statuses an operation's inputs and guards imply, and its own."""
    statuses = {500, *doc.errors}
    if doc.request:
        statuses |= {400, 413, 415, 422}
    if doc.form:
        statuses.add(413)
    if doc.query:
        statuses.add(422)
    if doc.auth:
        statuses |= {401, 403} if doc.auth == "admin" else {401}
    if rule.arguments:
        # An id that does not exist, or a value no route matches (werkzeug's
        # path converter takes no line break, for one).
        statuses.add(404)
    if "article_id" in rule.arguments:
        statuses.add(422)
    if rule.rule.startswith("/api/"):
        statuses.add(429)
    return statuses


def error_statuses():
    """Every status the error envelope is used with."""
    return sorted({cls.status for cls in api_errors()} | set(HTTP_CODES) | {500})


def api_errors(cls=APIError):
    """The APIError family, every generation."""
    return [cls, *(each for child in cls.__subclasses__() for each in api_errors(child))]


def error_codes(status):
    """The envelope codes that one status carries (API.md "Errors")."""
    codes = {cls.code for cls in api_errors() if cls.status == status}
    codes |= {HTTP_CODES[status]} if status in HTTP_CODES else set()
    return sorted(codes or {"internal_error"})


def error_response_name(status):
    return HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")


def error_response(status):
    """The envelope for one status, with the codes it carries and its headers."""
    codes = ", ".join(f"`{code}`" for code in error_codes(status))
    answer = {"description": f"{HTTPStatus(status).phrase}: {codes}.",
              "content": {"application/json": {"schema": ErrorSchema}}}
    header = {401: "WWW-Authenticate", 429: "Retry-After"}.get(status)
    if header:
        answer["headers"] = header_refs(header)
    return answer
