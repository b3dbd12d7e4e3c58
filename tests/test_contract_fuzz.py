"""Contract fuzzing: Schemathesis generates requests for every operation of
the OpenAPI document (valid and invalid ones, boundary values included) and
checks each answer against it: no 5xx, documented status, content type,
headers and body schema.

Bounded and seeded, so `make test` repeats the same run in a minute or two;
`make fuzz` (FUZZ_EXAMPLES=500) runs it longer. On SQLite and PostgreSQL
(conftest's database_url): it is cheap, and ids beyond PostgreSQL's 32-bit
columns were a 500 there only."""

import os
import tempfile

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)

from moderation import create_app
from moderation.models import Role
from moderation.openapi import get_spec
from moderation.services import moderators
from tests.conftest import running_app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = 20261125
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
TEST_CONFIG = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "fuzz-secret",
               "RATELIMIT_ENABLED": False}
CONFIG = SchemathesisConfig.from_dict({
    "seed": SEED,
    "suppress-health-check": ["all"],
    "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none",
                   "mode": "all"},
    # Each operation is fuzzed on its own, against a fresh app.
    "phases": {"stateful": {"enabled": False}},
})


def load_schema():
    """The document as the app serves it (built without a database), loaded at
    collection so that each operation is a test of its own."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(TEST_CONFIG, instance_path=folder)
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)


schema = load_schema()


@pytest.fixture
def fuzz_app(database_url, tmp_path):
    """A fresh app with an admin token and a few comments for ids to hit."""
    with running_app(database_url, tmp_path) as app:
        client = app.test_client()
        with app.app_context():
            _, token = moderators.add_moderator("fuzz", Role.ADMIN)
        headers = {"Authorization": f"Bearer {token}"}
        for status in ("approve", "reject", None):
            answer = client.post("/api/v1/articles/fuzz/comments",
                                 json={"name": "Fuzz", "email": "fuzz@example.org", "body": f"Seed {status}."})
            if status:
                client.post(f"/api/v1/moderation/comments/{answer.json['id']}/{status}", headers=headers)
        yield app, headers


@schema.parametrize()
def test_operation_keeps_its_contract(case, fuzz_app):
    app, headers = fuzz_app
    # buffered: the test client closes what it read (widget.js is a file).
    # Identity: Schemathesis's WSGI transport sends Accept-Encoding but does
    # not decode the answer (test_compression.py checks the codings).
    case.call_and_validate(app=app, headers={**headers, "Accept-Encoding": "identity"}, checks=CHECKS,
                           buffered=True)


def test_the_fuzzed_document_is_the_served_one(tmp_path):
    app = create_app(TEST_CONFIG, instance_path=str(tmp_path / "instance"))
    assert schema.raw_schema == get_spec(app)
