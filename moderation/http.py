"""HTTP plumbing shared by the blueprints: strict JSON in, fast JSON out,
conditional requests, the opaque pagination cursor, client details."""

import hashlib
import inspect
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import orjson
from flask import Flask, Response, current_app, request
from flask.json.provider import JSONProvider
from werkzeug.exceptions import NotFound as NoSuchRoute
from werkzeug.routing import IntegerConverter, Map

from schemas.base import MAX_ID, decode_cursor

from .errors import BadRequest, UnsupportedMediaType
from .privacy import anonymise_ip
from .security import JSON_RESPONSE

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
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(
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


class CommentResponse(Response):
    # True on the public answers that are built with every header they need
    # (public_headers): the after-request hooks then leave them alone.
    headers_complete = False

    def get_wsgi_response(self, environ):
        """A complete answer goes out with its headers as built: werkzeug
        would copy them, checking each value again, and on a 304 rebuild
        the list once more to drop the body's headers, which a 304 of ours
        never has (not_modified)."""
        if not self.headers_complete:
            return super().get_wsgi_response(environ)
        return self.get_app_iter(environ), self.status, self.headers.to_wsgi_list()


class CommentApp(Flask):
    json_provider_class = OrjsonProvider
    url_map_class = CommentMap
    response_class = CommentResponse

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._is_async = {}

    def ensure_sync(self, func):
        """Flask's ensure_sync with its answer remembered per function (of a
        bound method: per underlying function, so the table stays as small as
        the code): Flask inspects each view and hook anew on every request,
        five times for a cached read."""
        target = getattr(func, "__func__", func)
        is_async = self._is_async.get(target)
        if is_async is None:
            is_async = self._is_async[target] = inspect.iscoroutinefunction(func)
        return self.async_to_sync(func) if is_async else func


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


def not_modified(etag):
    """A 304 for a matching If-None-Match, or None: checked before any body is built."""
    header = request.environ.get("HTTP_IF_NONE_MATCH")
    if not header:
        return None
    quoted = f'"{etag}"'
    # The common forms (our own tag, weak or not) without werkzeug's parser.
    if header not in (quoted, f"W/{quoted}") and not request.if_none_match.contains_weak(etag):
        return None
    # A 304 carries the caching headers its 200 would (RFC 9110, 15.4.5),
    # and no Content-Type (werkzeug adds its default).
    response = current_app.response_class(status=304, headers=public_headers(quoted))
    del response.headers["Content-Type"]
    return complete(response)


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


class PageCache:
    """Serialised public pages of this worker, keyed by the article's version
    as the database has it (read on each request, or on PostgreSQL from the
    worker's copy of the row, which the database's notifications keep true):
    a moderation action in any worker or host bumps the version, so a stale
    page is not served."""

    def __init__(self, size):
        self.size, self.pages, self.lock = size, OrderedDict(), threading.Lock()

    def get_or_build(self, key, build):
        with self.lock:
            body = self.pages.get(key)
            if body is not None:
                self.pages.move_to_end(key)
                return body
        body = orjson.dumps(build())
        with self.lock:
            self.pages[key] = body
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)
        return body


def content_etag(body):
    """An ETag for a body that has no version of its own (counts)."""
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def public_json(body, etag):
    """A cacheable public answer: bytes as given, ETag, short max-age."""
    return complete(current_app.response_class(
        body, headers=[("Content-Type", "application/json"), *public_headers(f'"{etag}"')]))


def public_headers(quoted_etag):
    """Every header of a public answer (200 or 304), in one list: werkzeug's
    cache_control and set_etag helpers parse and re-serialise on every call,
    and the after-request hooks' lookups cost a tenth of a cached read."""
    return [("Cache-Control", f"public, max-age={current_app.config['PUBLIC_MAX_AGE']}"),
            ("ETag", quoted_etag), *JSON_RESPONSE,
            # What the CORS hook adds to every API answer (cors.py): the same
            # URL answers differently per Origin.
            ("Vary", "Origin")]


def complete(response):
    response.headers_complete = True
    return response
