"""Slow clients cannot stall the service as it runs in production: gunicorn's
sync workers behind the shipped nginx site (deploy/nginx/comments.conf).
Without nginx, two sockets that send half a header hold both workers."""

import http.client
import ipaddress
import json
import math
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

from moderation.cli import DEMO_ARTICLE_ID
from moderation.privacy import anonymise_ip
from tests.servers import flask, free_port, gunicorn, nginx, nginx_config, service_env

pytestmark = pytest.mark.server

SLOW_CLIENTS = 50
READS = 200
LISTING = f"/api/v1/articles/{DEMO_ARTICLE_ID}/comments"
# What a slow client has sent when it stops or starts to trickle: half a
# header, or a whole header and part of the body it announced.
HALF_HEADER = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
HALF_BODY = (b"POST " + LISTING.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\": ")


@pytest.fixture(scope="module")
def service(nginx_binary, tmp_path_factory):
    """The service as README runs it in production: gunicorn with the shipped
    settings (2 sync workers), rate limits on, behind the shipped nginx site."""
    folder = tmp_path_factory.mktemp("slow-clients")
    env = service_env(f"sqlite:///{folder}/moderation.sqlite", PROXY_FIX_X_FOR="1")
    flask(env, "db", "upgrade")
    flask(env, "demo", "seed")
    with gunicorn(env) as app_base, nginx(folder, urlsplit(app_base).port) as proxy_base:
        yield {"app": app_base, "proxy": proxy_base, "folder": folder}


@contextmanager
def slow_clients(base, count, kinds=("stop", "trickle", "body")):
    """`count` sockets that send part of a request: half a header, then
    nothing ("stop") or one byte a second ("trickle"), or a header and part
    of its body ("body"). Closed again on the way out."""
    address = ("127.0.0.1", urlsplit(base).port)
    sockets = {kind: [] for kind in kinds}
    stop = threading.Event()

    def trickle():
        while not stop.wait(1.0):
            for sock in sockets.get("trickle", ()):
                try:
                    sock.send(b"a")
                except OSError:
                    pass  # reset by the server: is_open() tells the test

    dripper = threading.Thread(target=trickle, daemon=True)
    try:
        for number in range(count):
            kind = kinds[number % len(kinds)]
            sock = socket.create_connection(address, timeout=5)
            sockets[kind].append(sock)
            sock.sendall(HALF_BODY if kind == "body" else HALF_HEADER)
        dripper.start()
        time.sleep(0.3)  # let the server take them in
        yield [sock for group in sockets.values() for sock in group]
    finally:
        stop.set()
        if dripper.is_alive():
            dripper.join(timeout=5)
        for group in sockets.values():
            for sock in group:
                sock.close()


def is_open(sock):
    sock.setblocking(False)  # with a timeout, recv() would first wait that long
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True  # nothing to read, and not closed
    except OSError:
        return False


def get(base, path, timeout, source="127.0.0.1", headers=None):
    """One GET on a new connection, as a reader's browser would open it; the status."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                            source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def timed_reads(base, count, seconds=20):
    """(status, seconds) of `count` reads, /healthz and a thread page in turn;
    a read that fails counts as status None, and the loop stops at the deadline."""
    deadline = time.monotonic() + seconds
    answers = []
    for number in range(count):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        try:
            status = get(base, "/healthz" if number % 2 else LISTING, timeout=2)
        except OSError:
            status = None
        answers.append((status, time.perf_counter() - started))
    return answers


def p99(seconds):
    """The 99th percentile, by nearest rank."""
    ranked = sorted(seconds)
    return ranked[math.ceil(0.99 * len(ranked)) - 1]


def test_nginx_accepts_the_shipped_site(nginx_binary, tmp_path):
    main = nginx_config(tmp_path, free_port(), free_port())
    result = subprocess.run([nginx_binary, "-t", "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_readers_are_answered_at_once_beside_fifty_slow_clients(service):
    timed_reads(service["proxy"], 20)  # each worker's first reads pay for imports and first queries
    with slow_clients(service["proxy"], SLOW_CLIENTS) as sockets:
        answers = timed_reads(service["proxy"], READS)
        still_open = sum(is_open(sock) for sock in sockets)
    statuses = {status for status, _ in answers}
    assert len(answers) == READS and statuses == {200}, statuses
    slowest = p99([seconds for _, seconds in answers])
    assert slowest < 0.100, f"p99 {slowest * 1000:.0f} ms"
    # nginx held every slow client for the whole measurement, not dropped them.
    assert still_open == SLOW_CLIENTS


def test_without_nginx_two_slow_clients_stall_gunicorn(service):
    # Why production runs behind nginx: each sync worker waits for the rest of a header.
    with slow_clients(service["app"], 2, kinds=("stop",)):
        with pytest.raises(TimeoutError):
            get(service["app"], "/healthz", timeout=2)
    # Once the slow clients go, the workers are free again.
    assert get(service["app"], "/healthz", timeout=5) == 200


def post(base, path, announced, sent, timeout=5):
    """A POST that announces `announced` bytes of JSON and sends `sent` of
    them; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", urlsplit(base).port), timeout=timeout) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {announced}\r\nConnection: close\r\n\r\n".encode() + b" " * sent)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.headers, json.loads(response.read())


# nginx lets through what the app reads (MAX_CONTENT_LENGTH, 64 KiB; blanks
# are no JSON, hence the app's own 400), and refuses a larger body as the app
# would, on its announcement alone: not a byte of it is waited for.
@pytest.mark.parametrize("announced,sent,status,code", [(64 * 1024, 64 * 1024, 400, "bad_request"),
                                                        (64 * 1024 + 1, 0, 413, "payload_too_large")])
def test_nginx_limits_bodies_as_the_app_does_in_the_contract_envelope(service, announced, sent, status, code):
    answer_status, headers, body = post(service["proxy"], LISTING, announced, sent)
    assert answer_status == status and body["error"]["code"] == code
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_app_sees_the_readers_network_through_nginx_and_no_log_its_address(service):
    # Any 127.x address is this machine's; a client's own X-Forwarded-For is not believed.
    reader, network = "127.1.2.3", "127.1.2.0 - - "
    try:
        status = get(service["proxy"], "/healthz", timeout=5, source=reader,
                     headers={"X-Forwarded-For": "203.0.113.77"})
    except OSError as error:
        pytest.skip(f"cannot connect from {reader} on this machine: {error}")
    assert status == 200
    app_log = eventually(gunicorn.output_so_far, network)
    nginx_log = eventually((service["folder"] / "comments.access.log").read_text, network)
    assert network in app_log and network in nginx_log
    for log in (app_log, nginx_log):
        assert reader not in log and "203.0.113" not in log


def eventually(read, text, seconds=5):
    """What read() returns once it holds text (a server logs after it answers)."""
    deadline = time.monotonic() + seconds
    while text not in (found := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


ADDRESSES = ["203.0.113.77", "::ffff:198.51.100.23", "2001:db8:1234:5678::1", "2001:db8::7",
             "2001::7", "2001:0:4136:e378::1", "2002:cb00:7105::1", "2001:db8:0:1::1", "::1"]
TUNNELS = {"2001::7": "2001::", "2001:0:4136:e378::1": "2001::", "2002:cb00:7105::1": "2002::"}


def test_the_nginx_access_log_keeps_networks_as_the_app_does(nginx_binary, tmp_path):
    # The client's address comes from a header here (nginx's realip module), so
    # that one request each can stand for readers anywhere; no app behind it.
    trust_header = "set_real_ip_from 127.0.0.1; real_ip_header X-Test-Client;"
    with nginx(tmp_path, free_port(), http_extra=trust_header) as base:
        for address in ADDRESSES:
            assert get(base, "/healthz", timeout=5, headers={"X-Test-Client": address}) == 502
    # nginx has stopped, so every line is written.
    logged = [line.split(" ", 1)[0] for line in (tmp_path / "comments.access.log").read_text().splitlines()]
    # A tunnelled address (6to4, Teredo) is logged by its tunnel's prefix
    # alone, less than the app's /24 of the IPv4 address it carries.
    expected = [TUNNELS.get(address, anonymise_ip(address)) for address in ADDRESSES]
    assert list(map(ipaddress.ip_address, logged)) == list(map(ipaddress.ip_address, expected))
