"""HTTP plumbing shared by the blueprints: strict JSON in, fast JSON out,
cacheable public answers, the opaque pagination cursor, client details."""

import hashlib
import re
from dataclasses import dataclass

import orjson
from flask import Flask, current_app, request
from flask.json.provider import JSONProvider
from werkzeug.exceptions import NotFound as NoSuchRoute
from werkzeug.routing import IntegerConverter, Map

from schemas.base import MAX_ID, decode_cursor

from .compression import CodingAwareRequest, CodingAwareResponse, EncodedBody, kept_static
from .errors import BadRequest, UnsupportedMediaType
from .privacy import anonymise_ip

USER_AGENT_MAX = 512
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class OrjsonProvider(JSONProvider):
    """orjson for every response: several times faster than the standard
    encoder on a 50-comment page, and it refuses NaN on the way in."""

    def dumps(self, obj, **kwargs):
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()

    def loads(self, s, **kwargs):
        return orjson.loads(s)

    def response(self, *args, **kwargs):
        # As flask.json.jsonify takes its arguments: one value, several (a list) or keywords.
        obj = kwargs or (args[0] if len(args) == 1 else list(args))
        return current_app.response_class(
            orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS), mimetype="application/json"
        )


class IdConverter(IntegerConverter):
    """`<id:name>`: a database id. One beyond MAX_ID (the id columns) cannot
    exist, so it is a 404 whatever the method; werkzeug's own int(max=...)
    would answer 405 to some methods, naming others that then 404 too."""

    def __init__(self, map):
        super().__init__(map, max=MAX_ID)

    def to_python(self, value):
        # Length first: int() refuses strings of over 4,300 digits with a ValueError (a 500).
        if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
            raise NoSuchRoute()
        return super().to_python(value)


class CommentMap(Map):
    default_converters = {**Map.default_converters, "id": IdConverter}

    def __init__(self, *args, **kwargs):
        # werkzeug answers "//x" with a 308 to http://<Host>/x, built from
        # whatever Host the client sent: an open redirect. No path here has a
        # doubled slash, so such a request is a 404 (in an article id, a 422).
        super().__init__(*args, merge_slashes=False, **kwargs)


class CommentApp(Flask):
    json_provider_class = OrjsonProvider
    url_map_class = CommentMap
    request_class = CodingAwareRequest
    response_class = CodingAwareResponse

    def send_static_file(self, filename):
        """Static files from memory, compressed once (compression.kept_static)."""
        return kept_static(super().send_static_file(filename), self.static_folder, filename)


def read_json_object(req):
    """The request body as a dict, or the contract's 415/400."""
    if req.mimetype != "application/json":
        # Form, multipart and text bodies are what a hostile page can post
        # cross-site without a preflight (API.md 415).
        raise UnsupportedMediaType()
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("Send the body as UTF-8 JSON.")
    try:
        data = orjson.loads(req.get_data(cache=False))
    except orjson.JSONDecodeError:
        # Invalid UTF-8, lone surrogates, NaN, too deep or too large numbers.
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    return data


def load(schema, req=None):
    """Parse and validate the JSON body with schema; errors become 400/415/422."""
    return schema.load(read_json_object(req or request))


def load_args(schema, req=None):
    """Validate the query string with schema (first value of each name)."""
    return schema.load((req or request).args.to_dict(flat=True))


def read_cursor(cursor):
    """The position a cursor stands for; a cursor we did not make is a 400."""
    try:
        return decode_cursor(cursor)
    except ValueError:
        raise BadRequest("The cursor is not valid.") from None


def no_content():
    """A 204: no body, so no Content-Type either (werkzeug would say text/html)."""
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]
    return response


def public_response(answer, mimetype="application/json"):
    """A cacheable public answer (services.threads.PublicAnswer): 200 with its
    body, or 304 when the client's copy is current. A 304 carries the caching
    headers its 200 would (RFC 9110, 15.4.5); werkzeug drops its body headers."""
    response = current_app.response_class(answer.body, status=200 if answer.body is not None else 304,
                                          mimetype=mimetype)
    if isinstance(answer.body, EncodedBody):
        response.encoded_body = answer.body
    response.set_etag(answer.etag)
    # Written whole: werkzeug's cache_control property parses and rewrites the header per change.
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['PUBLIC_MAX_AGE']}"
    return response


def revalidated_response(data):
    """A moderation answer tagged by its content: 304 when the client holds it
    already, so polling costs the query and no body. Private and no-cache:
    one moderator's view, never for a shared cache, and checked every time."""
    body = orjson.dumps(data)
    etag = hashlib.blake2b(body, digest_size=12).hexdigest()
    is_current = request.if_none_match.contains_weak(etag)
    response = current_app.response_class(None if is_current else body, status=304 if is_current else 200,
                                          mimetype="application/json")
    response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


@dataclass(frozen=True)
class ClientInfo:
    """What the services keep of a client, anonymised before it leaves HTTP land."""

    ip: str | None
    user_agent: str | None
    # The full address, for matching blocked networks; never stored or logged.
    address: str | None = None

    @classmethod
    def from_request(cls, req):
        # Control characters (NUL above all) cannot be stored in PostgreSQL text.
        agent = _CONTROLS.sub("", req.user_agent.string or "")[:USER_AGENT_MAX] or None
        return cls(ip=anonymise_ip(req.remote_addr), user_agent=agent, address=req.remote_addr)
