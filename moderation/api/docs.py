"""The API's description of itself: the OpenAPI document, and a reference page
rendered from it on the server (no script, nothing from elsewhere)."""

import re

import orjson
from flask import Blueprint, current_app, render_template
from markupsafe import Markup, escape

from ..compression import kept_body
from ..openapi import HTML, documented, get_spec

bp = Blueprint("docs", __name__, url_prefix="/api/v1", template_folder="../static/docs")

# The page is static text: no script at all, inline styles only (its CSS ships
# in static/docs and is inlined, so it costs no request).
DOCS_CSP = ("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'")
METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/openapi.json")
@documented(responses={200: {"type": "object", "description": "An OpenAPI 3.1 document."}})
def openapi_document():
    """This OpenAPI 3.1 description of the API."""
    # Fixed for the app's life: serialised and compressed once.
    return kept_response(kept_body(current_app, "openapi.json", lambda: orjson.dumps(
        get_spec(current_app), option=orjson.OPT_NON_STR_KEYS)),
                         "application/json")


@bp.get("/docs")
@documented(responses={200: HTML})
def reference():
    """A readable reference of the API, rendered from its OpenAPI description."""
    body = kept_body(current_app, "api-reference.html", lambda: render_template(
        "api-reference.html", **reference_context(get_spec(current_app))).encode())
    response = kept_response(body, "text/html")
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


def kept_response(body, mimetype):
    """An answer from a body kept for the app's life."""
    response = current_app.response_class(body, mimetype=mimetype)
    response.encoded_body = body
    return response


def reference_context(spec):
    """The document regrouped for the page: tags in order, each with its operations."""
    sections = {tag["name"]: {**tag, "operations": []} for tag in spec.get("tags", [])}
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                sections[operation["tags"][0]]["operations"].append(
                    {"method": method, "path": path, "anchor": anchor(operation["operationId"]),
                     **operation, "responses": resolve_responses(spec, operation["responses"])})
    return {"info": spec["info"], "openapi_version": spec["openapi"], "sections": list(sections.values()),
            "schemas": spec["components"]["schemas"], "type_of": type_of,
            "prose": prose, "anchor": anchor}


def resolve_responses(spec, responses):
    """Responses with component references replaced by what they stand for."""
    resolved = []
    for status, response in responses.items():
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].rpartition("/")[2]]
        media = {kind: type_of(body.get("schema", {})) for kind, body in response.get("content", {}).items()}
        headers = [ref["$ref"].rpartition("/")[2] for ref in response.get("headers", {}).values()]
        resolved.append({"status": status, "description": response["description"],
                         "media": media, "headers": headers})
    return resolved


def anchor(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def prose(text):
    """Escaped text with `code` spans, as the docstrings and descriptions write them."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text or ""))))


def type_of(schema):
    """A JSON Schema in a few words: its type, with links to named schemas."""
    if "$ref" in schema:
        name = schema["$ref"].rpartition("/")[2]
        return Markup('<a href="#schema-{}">{}</a>').format(anchor(name), name)
    for combinator, joiner in (("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")):
        if combinator in schema:
            return Markup(joiner).join(type_of(part) for part in schema[combinator])
    kinds = schema.get("type", "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    words = [Markup("array of ") + type_of(schema.get("items", {})) if kind == "array" else kind
             for kind in kinds]
    if "enum" in schema:
        words = ["one of " + ", ".join(map(str, schema["enum"]))]
    limits = constraints(schema)
    text = Markup(" | ").join(words)
    return text + Markup(" <small>({})</small>").format(limits) if limits else text


def constraints(schema):
    """Format, bounds and default, e.g. "1–80 chars" or "≤ 254 chars"."""
    parts = [schema["format"]] if "format" in schema else []
    for low, high, unit in (("minLength", "maxLength", " chars"), ("minimum", "maximum", ""),
                            ("minItems", "maxItems", " items")):
        if low in schema and high in schema:
            parts.append(f"{schema[low]}–{schema[high]}{unit}")
        elif low in schema or high in schema:
            parts.append(f"≥ {schema[low]}{unit}" if low in schema else f"≤ {schema[high]}{unit}")
    if schema.get("default") is not None:
        parts.append(f"default {schema['default']}")
    return ", ".join(parts)
