"""Bytes on the wire per read: each system's answer to the same read (the
50-comment thread page, counts for 20 articles), asked as a browser asks
(Accept-Encoding: gzip, deflate, br, zstd), with gzip alone, and without,
counted off the socket: status line, headers and body."""

import socket
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from . import data
from .load import check_local
from .scenarios import ISSO_SITE, comments_path, counts_query

BROWSER = "gzip, deflate, br, zstd"
ACCEPTS = {"browser": BROWSER, "gzip": "gzip", "none": None}
READS = ("thread page, 50 comments", "counts for 20 articles")


def read_requests(name, base, bodies):
    """(method, url, headers, body) of each read for one system."""
    if name == "isso":
        counts_body = Path(bodies["isso_counts"]).read_bytes()
        return {
            READS[0]: ("GET", f"{base}/?{urlencode({'uri': data.isso_uri(data.BIG_ARTICLE)})}", {}, None),
            READS[1]: ("POST", f"{base}/count", {"Content-Type": "application/json", "Origin": ISSO_SITE},
                       counts_body),
        }
    return {READS[0]: ("GET", base + comments_path(data.BIG_ARTICLE), {}, None),
            READS[1]: ("GET", f"{base}/api/v1/counts?{counts_query()}", {}, None)}


def exchange(method, url, headers, body=None):
    """One request on a fresh connection (Connection: close); returns
    (bytes received in all, body bytes, status, Content-Encoding)."""
    check_local(url)
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close",
             *(f"{name}: {value}" for name, value in headers.items())]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    received = bytearray()
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            received += chunk
    head, _, payload = bytes(received).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    encoding = next((line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")[1:]
                     if line.lower().startswith(b"content-encoding:")), None)
    return len(received), len(payload), status, encoding


def measure(servers, bodies):
    """{read: {system: {accept: (total, body, status, coding)}}} for every running system."""
    figures = {read: {} for read in READS}
    for name, server in servers.items():
        for read, (method, url, headers, body) in read_requests(name, server.base, bodies).items():
            figures[read][name] = {
                label: exchange(method, url, {**headers, **({"Accept-Encoding": accept} if accept else {})}, body)
                for label, accept in ACCEPTS.items()}
    return figures


def table(figures, systems):
    """Markdown: bytes received per read, by system and Accept-Encoding."""
    lines = ["| read | system | as a browser asks | gzip only | no Accept-Encoding |", "|---|---|---|---|---|"]
    for read, by_system in figures.items():
        for name, by_accept in by_system.items():
            cells = []
            for label in ACCEPTS:
                total, body, status, coding = by_accept[label]
                cells.append(f"{total:,} ({coding or 'identity'}{'' if status == 200 else f', status {status}'})")
            lines.append(f"| {read} | {systems.get(name, name)} | " + " | ".join(cells) + " |")
    return lines
