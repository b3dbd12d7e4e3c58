"""The OpenAPI description: valid OpenAPI 3.1, complete (every route of the
app is in it, so a new undocumented route fails here), true to the code's
guards and settings, and readable at /api/v1/docs."""

import re

import pytest
from apispec import APISpec
from marshmallow import Schema, fields
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from moderation import create_app
from moderation.errors import HTTP_CODES, APIError
from moderation.openapi import get_spec
from moderation.openapi.converter import ContractPlugin
from schemas.base import MAX_ID
from schemas.errors import ERROR_CODES

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec_app(tmp_path):
    """An app whose document is built without touching a database."""
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "spec",
                       "RATELIMIT_ENABLED": False}, instance_path=str(tmp_path / "instance"))


@pytest.fixture
def spec(spec_app):
    return get_spec(spec_app)


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS & item.keys():
            yield path, method, item[method]


def endpoint(op):
    """The endpoint an operation comes from ("moderation.moderate_comment.spam")."""
    return ".".join(op["operationId"].split(".")[:2])


def missing_routes(app):
    """(endpoint, method) of every route of app that its document lacks."""
    documented = {(endpoint(op), method.upper()) for _, method, op in operations(get_spec(app))}
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}} - documented


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_every_route_is_documented(spec_app):
    assert missing_routes(spec_app) == set()


def test_an_undocumented_route_is_noticed(spec_app):
    spec_app.add_url_rule("/api/v1/secret", "secret", lambda: "")
    assert missing_routes(spec_app) == {("secret", "GET")}


def test_it_is_served_as_json_and_built_once(spec_app, spec):
    response = spec_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json == spec and get_spec(spec_app) is spec


def test_summaries_are_the_docstrings(spec_app, spec):
    for _, _, op in operations(spec):
        view = spec_app.view_functions[endpoint(op)]
        assert op["summary"] == view.__doc__.strip().splitlines()[0]


def test_werkzeug_rules_become_openapi_paths(spec):
    actions = {path.rpartition("/")[2] for path in spec["paths"] if "{comment_id}/" in path}
    assert actions == {"approve", "reject", "spam", "requeue"}
    comment_id = spec["paths"]["/api/v1/moderation/comments/{comment_id}"]["get"]["parameters"][0]
    assert comment_id["schema"] == {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    article_id = spec["paths"]["/api/v1/articles/{article_id}/comments"]["get"]["parameters"][0]
    assert article_id["schema"]["type"] == "string" and "`/`" in article_id["description"]


def test_every_json_error_is_the_envelope(spec):
    """API.md "Errors" (the no-JavaScript form and the pages behind links in
    mails answer their own errors as pages; /healthz answers 503 with its status)."""
    envelope = {"$ref": "#/components/schemas/Error"}
    for name, response in spec["components"]["responses"].items():
        assert response["content"]["application/json"]["schema"] == envelope, name
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            json = response.get("content", {}).get("application/json")
            if status >= "400" and json and path != "/healthz":
                assert json["schema"] == envelope, (path, method, status)
            elif status >= "400" and "$ref" not in response and path != "/healthz":
                assert path.startswith(("/embed/", "/mail/")) and "text/html" in response["content"], (path, status)


def test_the_error_codes_are_the_ones_the_code_uses():
    family, pending = set(), [APIError]
    while pending:
        cls = pending.pop()
        family.add(cls.code)
        pending.extend(cls.__subclasses__())
    assert set(ERROR_CODES) == family | set(HTTP_CODES.values())


def test_cache_and_retry_headers_are_documented(spec):
    listing = spec["paths"]["/api/v1/articles/{article_id}/comments"]["get"]
    assert set(listing["responses"]["200"]["headers"]) == {"ETag", "Cache-Control"}
    assert "ETag" in listing["responses"]["304"]["headers"]
    assert "If-None-Match" in {p["name"] for p in listing["parameters"]}
    responses = spec["components"]["responses"]
    assert "Retry-After" in responses["TooManyRequests"]["headers"]
    assert "WWW-Authenticate" in responses["Unauthorized"]["headers"]


def test_pages_have_their_media_types(spec):
    assert "text/html" in spec["paths"]["/"]["get"]["responses"]["200"]["content"]
    assert "text/javascript" in spec["paths"]["/widget.js"]["get"]["responses"]["200"]["content"]
    assert "application/x-www-form-urlencoded" in spec["paths"]["/embed/{article_id}"]["post"]["requestBody"]["content"]


def example_url(path):
    """A path of the document with an example value in each of its parameters."""
    return re.sub(r"\{\w+_id\}", lambda m: "a" if m[0] == "{article_id}" else "1", path)


def test_moderation_operations_need_the_bearer_token(spec_app, spec):
    """What the document says about security is what the guards do."""
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    client = spec_app.test_client()
    for path, method, op in operations(spec):
        is_moderation = path.startswith("/api/v1/moderation/")
        assert ("security" in op) == is_moderation, (path, method)
        if is_moderation:
            url = example_url(path)
            response = client.open(url, method=method.upper())
            assert response.status_code == 401 and "Bearer" in response.headers["WWW-Authenticate"]


def test_settings_enter_the_document(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "spec", "BODY_MAX_LENGTH": 500},
                     instance_path=str(tmp_path / "instance"))
    assert get_spec(app)["components"]["schemas"]["CommentCreate"]["properties"]["body"]["maxLength"] == 500


def test_answers_list_every_field_and_refuse_others(spec):
    comment = spec["components"]["schemas"]["PublicComment"]
    assert comment["additionalProperties"] is False
    assert set(comment["required"]) == set(comment["properties"])
    assert "email" not in comment["properties"]["author"]["$ref"] + str(spec["components"]["schemas"]["Author"])


def test_a_function_field_must_say_what_it_dumps():
    class Opaque(Schema):
        value = fields.Function(lambda obj: obj)

    spec = APISpec(title="t", version="1", openapi_version="3.1.0", plugins=[ContractPlugin()])
    with pytest.raises(TypeError, match="Opaque.value"):
        spec.components.schema("Opaque", schema=Opaque)


def test_the_docs_page_is_self_contained(spec_app, spec):
    response = spec_app.test_client().get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    html = response.text
    assert "<script" not in html and "src=" not in html and "@import" not in html
    for path, method, _ in operations(spec):
        assert f"{method.upper()}</span> <code>{path}</code>" in html


def test_the_documented_role_is_the_one_the_guard_wants(app, client, moderator):
    """x-role "admin" operations refuse a moderator's token; the others take it."""
    for path, method, op in operations(get_spec(app)):
        if "security" in op:
            url = example_url(path)
            response = client.open(url, method=method.upper(), headers=moderator,
                                   json={"email": "olena@example.org"})
            assert (response.status_code == 403) == (op["x-role"] == "admin"), (path, method)
