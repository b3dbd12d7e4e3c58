"""Compressed answers (RFC 9110 content codings): Brotli or gzip for the
clients that accept them, chosen by content type for every answer, with
`Vary: Accept-Encoding` and an ETag per coding. Bodies a worker keeps
(thread pages, the widget, static files, the docs) are compressed once."""

import re
import threading
import zlib
from functools import lru_cache

import brotli
from flask import current_app, request
from flask.wrappers import Request, Response
from werkzeug.datastructures import ETags
from werkzeug.http import parse_etags
from werkzeug.security import safe_join
from werkzeug.utils import cached_property

# At equal weight the smaller coding wins (RFC 9110 12.5.3 leaves the choice to us).
CODINGS = ("br", "gzip")
# The ETag of a compressed answer is the plain one with this suffix: a
# different representation must have a different tag (RFC 9110 8.8.3).
SUFFIXES = {"br": "-br", "gzip": "-gzip"}
# Bodies kept and served many times are worth the stronger settings; one
# compressed per request takes the quick ones. (Brotli's top qualities cost
# tens of milliseconds for a page: more than any request may.)
KEPT = {"br": 6, "gzip": 9}
PER_REQUEST = {"br": 4, "gzip": 5}
TEXT_TYPES = frozenset({
    "application/json", "application/javascript", "text/javascript", "text/css", "text/html",
    "text/plain", "text/xml", "text/csv", "application/xml", "application/atom+xml",
    "application/rss+xml", "image/svg+xml",
})
# A weight as RFC 9110 12.4.2 spells it; anything else makes its element void.
_WEIGHT = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
# identity is acceptable unless refused, but below any coding the client named.
_IMPLICIT_IDENTITY = 0.0001


def compress(data, coding, level):
    """data in one coding; gzip without a timestamp, so that equal bodies
    compress to equal bytes on every worker."""
    if coding == "br":
        return brotli.compress(data, mode=brotli.MODE_TEXT, quality=level)
    return zlib.compress(data, level, wbits=31)


@lru_cache(maxsize=256)
def negotiate(accept_encoding):
    """The coding to answer in for an Accept-Encoding value: "br", "gzip" or
    None (identity). Weights are honoured, q=0 refuses, `*` stands for any
    coding not named; without the header, or with an empty one, identity.
    Cached: clients send a handful of distinct values. One pass over the
    value: a hostile header costs its length, no more."""
    if not accept_encoding:
        return None
    weights = {}
    for element in accept_encoding.split(","):
        name, _, parameters = element.partition(";")
        weight = element_weight(parameters)
        if weight is not None:
            weights.setdefault(name.strip().lower(), weight)
    anything = weights.get("*")
    best, best_weight = None, weights.get("identity", _IMPLICIT_IDENTITY if anything is None else anything)
    for coding in CODINGS:
        weight = weights.get(coding, weights.get("x-gzip") if coding == "gzip" else None)
        weight = anything if weight is None else weight
        if weight is not None and weight > 0 and (weight > best_weight or best is None and weight == best_weight):
            best, best_weight = coding, weight
    return best


def element_weight(parameters):
    """The q of an element's parameters (1 without one), or None when it is malformed."""
    weight = 1.0
    for parameter in parameters.split(";") if parameters else ():
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "q":
            value = value.strip()
            if not _WEIGHT.fullmatch(value):
                return None
            weight = float(value)
    return weight


class EncodedBody(bytes):
    """An answer's bytes that keep their compressed forms: each coding is
    made at its first use, once, and served as is afterwards."""

    def __new__(cls, data, levels=KEPT):
        body = super().__new__(cls, data)
        body.levels, body.forms, body.lock = levels, {}, threading.Lock()
        return body

    def encoded(self, coding):
        form = self.forms.get(coding)
        if form is None:
            with self.lock:  # two threads asking at once compress it once
                form = self.forms.get(coding)
                if form is None:
                    form = self.forms[coding] = compress(self, coding, self.levels[coding])
        return form


class CodingAwareRequest(Request):
    """If-None-Match holds every coding of a tag: a client that keeps the
    gzip form of an answer keeps that answer, so either form answers 304."""

    @cached_property
    def sent_etags(self):
        """If-None-Match as the client sent it."""
        return parse_etags(self.headers.get("If-None-Match"))

    @cached_property
    def if_none_match(self):
        sent = self.sent_etags
        if sent.star_tag:
            return sent
        strong = sent.as_set() - {None}  # None: an empty "" or W/""
        weak = sent.as_set(include_weak=True) - strong - {None}
        return ETags({*strong, *map(plain_tag, strong)}, {*weak, *map(plain_tag, weak)})


def plain_tag(etag):
    """A tag without its coding suffix."""
    for suffix in SUFFIXES.values():
        if etag.endswith(suffix):
            return etag[:-len(suffix)]
    return etag


class CodingAwareResponse(Response):
    """A view that holds its answer as an EncodedBody (a cached page, a
    static file) hands it over in `encoded_body`, so that its compressed
    forms are made once, not per request."""

    encoded_body: EncodedBody | None = None


def init_compression(app):
    """Compress answers on their way out (COMPRESSION_ENABLED, COMPRESSION_MIN_SIZE)."""
    app.after_request(compress_answer)


def is_text(response):
    """Whether compressing the answer pays: text, not already encoded, held
    whole in memory (a streamed answer goes out as it is made)."""
    return (not response.direct_passthrough and is_text_type(response.mimetype)
            and "Content-Encoding" not in response.headers and not response.is_streamed)


def is_text_type(mimetype):
    return mimetype in TEXT_TYPES or (mimetype or "").endswith(("+json", "+xml"))


def compress_answer(response):
    """Pick the coding the client prefers, and answer in it when the body is
    large enough; a 304 names the form the client holds. On every answer:
    the environ and headers are read directly, a few microseconds in all."""
    config = current_app.config
    if not config["COMPRESSION_ENABLED"] or not is_text(response):
        return response
    headers, environ = response.headers, request.environ
    add_vary(headers, "Accept-Encoding")
    coding = negotiate(environ.get("HTTP_ACCEPT_ENCODING"))
    if response.status_code == 200 and "HTTP_IF_NONE_MATCH" in environ and is_held_already(response):
        response.status_code, response.response = 304, []
    if response.status_code == 304:
        return tag_revalidation(response, coding)
    if coding is None or response.status_code in (204, 206):
        return response
    body = response.encoded_body
    data = body if body is not None else response.get_data()
    if len(data) < config["COMPRESSION_MIN_SIZE"]:
        return response
    response.set_data(body.encoded(coding) if body is not None else compress(data, coding, PER_REQUEST[coding]))
    headers["Content-Encoding"] = coding
    # Byte ranges of the plain form would not fit the compressed one.
    headers.pop("Accept-Ranges", None)
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(etag + SUFFIXES[coding], weak)
    return response


def add_vary(headers, name):
    """Name a request header in Vary unless it is there already. The header
    is edited as a string: werkzeug's `vary` property parses it into a set
    and writes it back, several times the cost of the rest of a cached read's hook."""
    vary = headers.get("Vary")
    if not vary:
        headers["Vary"] = name
    elif name.lower() not in {entry.strip().lower() for entry in vary.split(",")} and vary.strip() != "*":
        headers["Vary"] = f"{vary}, {name}"


def is_held_already(response):
    """A 200 whose tag the client sent in any coding's form (the view compared
    the plain form only, as werkzeug's make_conditional does)."""
    if request.method not in ("GET", "HEAD"):
        return False
    etag, _ = response.get_etag()
    return etag is not None and request.if_none_match.contains_weak(etag)


def tag_revalidation(response, coding):
    """The 304's ETag is the form the client holds (RFC 9110 15.4.5), the one
    of the coding it asks for when it holds several."""
    etag, weak = response.get_etag()
    if etag:
        sent = request.sent_etags
        wanted = etag + SUFFIXES[coding] if coding else etag
        for candidate in (wanted, etag, *(etag + suffix for suffix in SUFFIXES.values())):
            if sent.contains_weak(candidate):
                response.set_etag(candidate, weak)
                break
    return response


def kept_static(response, folder, filename):
    """A static text file's answer served from memory: read and compressed
    once per process and version (its ETag), not streamed from disk each time."""
    if response.status_code not in (200, 304) or not is_text_type(response.mimetype):
        return response
    response.close()  # the file send_file opened
    response.direct_passthrough = False
    if response.status_code == 304:
        response.response = []
        return response
    body = static_body(safe_join(folder, filename), response.get_etag()[0])
    response.set_data(body)
    response.encoded_body = body
    return response


@lru_cache(maxsize=64)
def static_body(path, etag):
    """A static file's bytes, per version (etag: modified time and size)."""
    with open(path, "rb") as handle:
        return EncodedBody(handle.read())


def kept_body(app, key, build):
    """An answer made once per app (build() -> bytes) and kept with its compressed forms."""
    kept = app.extensions.setdefault("kept_bodies", {})
    if key not in kept:
        kept[key] = EncodedBody(build())
    return kept[key]
