"""Properties of the input schemas, for any input (Hypothesis, no app):
they refuse with ValidationError and nothing else, and whatever they accept
keeps the promises of API.md. Derandomized, so every run checks the same cases."""

import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

import schemas
from schemas import CommentCreateSchema, CountsArgsSchema, StrictSchema, ThreadArgsSchema
from schemas.base import ARTICLE_ID_MAX, MAX_ID

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=150,
                    suppress_health_check=[HealthCheck.too_slow])
BODY_MAX = 10_000

# Text as hostile clients send it: controls, format characters (bidi
# overrides, zero-width), separators, surrogates, markup and URL punctuation.
TRICKY = st.sampled_from(
    ["\x00", "\t", "\n", "\r", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\u00a0", "\u200b",
     "\u202e", "\u2028", "\u2029", "\u3000", "\ufeff", "\ud800", "<", ">", "\"", "'", "`",
     "@", "/", ":", "[", "]", "#", "?", "%", " ", "\uff03", "\u2100", ".", "\u3164", "\u2800",
     "\ufe0f", "\U000e0041"])
TEXT = st.text(st.characters(exclude_categories=()) | TRICKY, max_size=40)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)

WEBSITES = st.one_of(
    st.none(), TEXT,
    st.builds("".join, st.tuples(
        st.sampled_from(["http://", "https://", "HTTPS://", "javascript:", "ftp://", "//", "http:/"]),
        st.sampled_from(["example.org", "ex-ample.org:8080", "[::1]", "a_b.example", "x.org:99999",
                         "u@ex.org", "", "[", "ex\uff03.org", "ex ample.org"]),
        st.lists(TEXT, max_size=3).map("/".join).map(lambda path: "/" + path if path else ""),
    )),
)
EMAILS = st.one_of(TEXT, st.emails(), st.builds(lambda a, b: f"{a}@{b}", TEXT, TEXT))
VALID = {"name": "Olena", "email": "olena@example.org", "body": "A fair point."}
# Characters drawn as nothing: spaces, fillers, braille blank, variation selectors.
BLANK_RENDERING = " \u3000\u3164\u2800\u115f\u1160\uffa0\ufe0f\u034f\U000e0041"
# Each field in turn gets the hostile values while the others are valid, so
# that every example reaches the checks of that field (post_load included).
FIELD_VALUES = {
    "name": TEXT, "email": EMAILS, "website": WEBSITES,
    "body": st.one_of(TEXT, st.text(max_size=3).map(lambda text: text * 4000)),
    "parent_id": st.one_of(st.integers(), st.booleans(), st.floats(), TEXT, st.none()),
}
# Every schema that reads client input: the strict bodies and the query arguments.
INPUT_SCHEMAS = [cls for name, cls in sorted(vars(schemas).items())
                 if isinstance(cls, type) and cls is not StrictSchema
                 and (issubclass(cls, StrictSchema) or name.endswith("ArgsSchema"))]


def load_or_none(schema, data):
    """schema.load(data), None when refused; any other exception fails the test."""
    try:
        return schema.load(data)
    except ValidationError:
        return None


def categories(text):
    return {unicodedata.category(char) for char in text}


@pytest.mark.parametrize("schema_class", INPUT_SCHEMAS, ids=lambda cls: cls.__name__)
@settings(SETTINGS, max_examples=100)
@given(data=JSON)
def test_any_json_is_accepted_or_refused_with_a_validation_error(schema_class, data):
    load_or_none(schema_class(), data if isinstance(data, dict) else {"value": data})


@pytest.mark.parametrize("field", FIELD_VALUES)
@SETTINGS
@given(data=st.data())
def test_an_accepted_comment_keeps_the_contract(field, data):
    fields = {**VALID, field: data.draw(FIELD_VALUES[field], label=field)}
    comment = load_or_none(CommentCreateSchema(body_max_length=BODY_MAX), fields)
    if comment is None:
        return
    name, email, body, website = comment["name"], comment["email"], comment["body"], comment["website"]
    assert 1 <= len(name) <= 80 and name == name.strip()
    assert not categories(name) & {"Cc", "Cf", "Cs", "Zl", "Zp"} and not {"<", ">"} & set(name)
    assert set(name) - set(BLANK_RENDERING), "a name must show something"
    assert len(email) <= 254 and len(email.rpartition("@")[0]) <= 64 and not re.search(r"\s", email)
    assert 1 <= len(body) <= BODY_MAX and body == body.rstrip() and body.strip()
    assert body.split("\n", 1)[0].strip(), "a leading blank line is trimmed"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", body) and "Cs" not in categories(body)
    if website is not None:
        assert website.startswith(("http://", "https://"))
        assert not re.search(r"[\s\"'<>]", website)
    parent_id = comment["parent_id"]
    assert parent_id is None or (type(parent_id) is int and 1 <= parent_id <= MAX_ID)


@pytest.mark.parametrize("body,kept", [
    ("\n  \n    indented code\nnext line  \n\n", "    indented code\nnext line"),
    ("  two spaces  ", "  two spaces"),
    ("\r\n\tx\r\n", "\tx"),
])
def test_a_body_keeps_its_first_lines_indentation(body, kept):
    # API.md "body": Markdown reads an indented first line as a code block.
    assert CommentCreateSchema(body_max_length=BODY_MAX).load({**VALID, "body": body})["body"] == kept


@pytest.mark.parametrize("field,value", [
    ("body", "Two lines\nand a lone \ud800 surrogate"), ("body", "\udfff"),
    ("name", "Olena \udc00"), ("name", "Olena\u200b"), ("name", "Ole\u2028na"),
])
def test_invisible_and_unstorable_characters_are_refused(field, value):
    with pytest.raises(ValidationError) as refused:
        CommentCreateSchema(body_max_length=BODY_MAX).load({**VALID, field: value})
    assert field in refused.value.messages


@SETTINGS
@given(args=st.dictionaries(st.sampled_from(["limit", "cursor", "order", "x"]),
                            st.one_of(TEXT, st.integers(-5, 150).map(str)), max_size=4))
def test_thread_arguments_are_in_range(args):
    loaded = load_or_none(ThreadArgsSchema(), args)
    if loaded is not None:
        assert 1 <= loaded["limit"] <= 100 and loaded["order"] in ("oldest", "newest")
        assert loaded["cursor"] is None or isinstance(loaded["cursor"], str)


@SETTINGS
@given(ids=st.lists(st.one_of(TEXT, st.just("2026/11/a b")), max_size=110))
def test_counted_articles_are_valid_ids(ids):
    loaded = load_or_none(CountsArgsSchema(), {"article_id": ids})
    if loaded is not None:
        assert 1 <= len(loaded["article_id"]) <= 100
        for key in loaded["article_id"]:
            assert 1 <= len(key) <= ARTICLE_ID_MAX and key.strip()
            assert not categories(key) & {"Cc", "Cf", "Cs", "Zl", "Zp"}
            assert not {"", ".", ".."} & set(key.split("/"))


def test_schemas_never_import_the_application():
    code = "import sys, schemas; sys.exit(any(m.split('.')[0] == 'moderation' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
