"""The access log of the shipped gunicorn settings keeps networks, not addresses."""

import datetime
import io
import json
import logging
import subprocess
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from moderation.access_log import JsonLogger, PrivacyLogger
from tests.servers import BIN, ROOT, flask, service_env

ADDRESS, FORWARDED = "203.0.113.77", "198.51.100.23"


def atoms_for(address):
    config = Config()
    config.set("accesslog", "-")
    logger = PrivacyLogger(config)
    headers = [("HOST", "comments.example"), ("X-FORWARDED-FOR", FORWARDED), ("X-REAL-IP", FORWARDED),
               ("FORWARDED", f"for={FORWARDED}")]
    environ = {"REMOTE_ADDR": address, "REQUEST_METHOD": "GET", "RAW_URI": "/api/v1/counts?article_id=a",
               "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/api/v1/counts", "QUERY_STRING": "article_id=a",
               "HTTP_X_FORWARDED_FOR": FORWARDED, "HTTP_X_REAL_IP": FORWARDED, "HTTP_FORWARDED": f"for={FORWARDED}"}
    response = SimpleNamespace(status="200 OK", sent=12, headers=[("Content-Type", "application/json")])
    request = SimpleNamespace(headers=headers)
    return logger.atoms(response, request, environ, datetime.timedelta(microseconds=900))


def test_the_client_is_logged_by_its_network():
    assert atoms_for(ADDRESS)["h"] == "203.0.113.0"
    assert atoms_for("2001:db8:1234:5678::1")["h"] == "2001:db8:1234::"
    assert atoms_for("not an address")["h"] == "-"


def test_no_atom_carries_a_full_address():
    values = " ".join(str(value) for value in atoms_for(ADDRESS).values())
    assert ADDRESS not in values and FORWARDED not in values


@pytest.fixture
def json_logger():
    """Makes a JsonLogger (LOG_FORMAT=json) whose lines go to a stream;
    the service's logger is as it was afterwards."""
    service = logging.getLogger("moderation")
    kept = service.handlers, service.propagate, service.level

    def make(stream):
        config = Config()
        config.set("accesslog", "-")
        logger = JsonLogger(config)
        for log in (logger.access_log, logger.error_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setStream(stream)
        return logger

    yield make
    service.handlers, service.propagate = kept[:2]
    service.setLevel(kept[2])


def test_json_access_lines_have_the_fields_of_the_text_line_and_no_address(json_logger):
    stream = io.StringIO()
    logger = json_logger(stream)
    response = SimpleNamespace(status="202 ACCEPTED", sent=120, headers=[])
    environ = {"REMOTE_ADDR": ADDRESS, "REQUEST_METHOD": "POST", "RAW_URI": "/api/v1/articles/a/comments",
               "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/api/v1/articles/a/comments", "QUERY_STRING": "",
               "HTTP_X_FORWARDED_FOR": FORWARDED, "HTTP_USER_AGENT": "Browser/1.0"}
    logger.access(response, SimpleNamespace(headers=[("X-FORWARDED-FOR", FORWARDED)]), environ,
                  datetime.timedelta(microseconds=1500))
    line = json.loads(stream.getvalue())
    assert line["type"] == "access" and line["client"] == "203.0.113.0"
    assert (line["method"], line["path"], line["status"], line["bytes"]) == ("POST", "/api/v1/articles/a/comments",
                                                                            202, 120)
    assert line["duration_ms"] == 1.5 and line["user_agent"] == "Browser/1.0" and line["referer"] is None
    assert ADDRESS not in stream.getvalue() and FORWARDED not in stream.getvalue()


def test_json_error_and_service_lines_are_one_object_each(json_logger):
    stream = io.StringIO()
    json_logger(stream).error("worker %s failed", 7)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("moderation.errors").exception("unhandled error")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["level"], first["message"], first["logger"]) == ("error", "worker 7 failed", "gunicorn.error")
    assert second["logger"] == "moderation.errors" and "RuntimeError: boom" in second["exception"]


@pytest.mark.server
@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_notification_worker_logs_as_gunicorn_does(server_database, log_format):
    env = service_env(server_database, PUBLIC_URL="https://comments.example")
    flask(env, "db", "upgrade")
    done = subprocess.run([BIN / "flask", "--app", "wsgi", "worker", "--once"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**env, "LOG_FORMAT": log_format})
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "worker st" in line]
    assert len(lines) == 2, done.stderr  # "worker started", "worker stopped"
    if log_format == "json":
        records = [json.loads(line) for line in lines]
        assert [(record["type"], record["level"], record["message"]) for record in records] == [
            ("log", "info", "worker started"), ("log", "info", "worker stopped")]
        assert all(record["logger"].startswith("moderation.") and record["time"].endswith("Z") for record in records)
    else:
        assert all(" INFO moderation." in line for line in lines), lines
