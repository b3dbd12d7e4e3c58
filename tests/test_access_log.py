"""The access log of the shipped gunicorn settings keeps networks, not addresses."""

import datetime
from types import SimpleNamespace

from gunicorn.config import Config

from moderation.access_log import PrivacyLogger

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
